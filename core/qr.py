"""QR codes drawn on the server, as inline images: what they encode never travels in a URL."""

from __future__ import annotations

import base64
import io

import qrcode


def qr_data_uri(text: str, *, box_size: int = 10) -> str:
    """`text` as a QR code in a PNG `data:` URI (the CSP allows data: images)."""
    buffer = io.BytesIO()
    qrcode.make(text, box_size=box_size, border=2).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
