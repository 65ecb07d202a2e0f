"""The Content Security Policy: sent on every page, and no template needs an exception to it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.http.response import HttpResponseBase
from django.test import Client

from accounts.models import User

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Opening tags, with template tags inside them flattened so `{% if %}` cannot hide an attribute.
TAG = re.compile(r"<[a-zA-Z][^<>]*>", re.DOTALL)
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.IGNORECASE)
HANDLER_ATTRIBUTE = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ELEMENT = re.compile(r"<style\b", re.IGNORECASE)


def template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.suffix in {".html", ".htm"})


def _strip_template_tags(text: str) -> str:
    return re.sub(r"{%.*?%}|{{.*?}}", " ", text, flags=re.DOTALL)


def test_templates_exist() -> None:
    assert len(template_files()) > 10


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_has_no_inline_code_or_style(path: Path) -> None:
    text = _strip_template_tags(path.read_text(encoding="utf-8"))
    problems = [m.group(0) for m in INLINE_SCRIPT.finditer(text)]
    problems += [m.group(0) for m in STYLE_ELEMENT.finditer(text)]
    for tag in TAG.findall(text):
        if STYLE_ATTRIBUTE.search(tag) or HANDLER_ATTRIBUTE.search(tag):
            problems.append(tag)
    assert not problems, f"CSP forbids inline scripts, styles and handlers: {problems}"


def _policy(response: HttpResponseBase) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    pairs = (part.strip().partition(" ") for part in header.split(";") if part.strip())
    return {name: value for name, _, value in pairs}


def test_policy_header_is_strict_on_the_login_page(db: None) -> None:
    response = Client().get("/login/")
    policy = _policy(response)
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'"
    assert policy["style-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["base-uri"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["form-action"] == "'self'"


def test_policy_header_on_a_logged_in_page(admin: User) -> None:
    client = Client()
    client.force_login(admin)
    response = client.get("/account/")
    assert response.status_code == 200
    assert "unsafe" not in response["Content-Security-Policy"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
