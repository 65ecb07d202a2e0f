"""Thin views, one module per page or feature; each calls one service or selector."""
