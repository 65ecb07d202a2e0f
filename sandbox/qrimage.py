"""The PNG the `qr` method returns: a real, scannable QR code of the current payload."""

import base64
import io
from functools import lru_cache

import qrcode
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

TARGET_PIXELS = 276  # the 2026 Postman sample is 276 px square (docs/greenapi.md §3.2)
BORDER = 4
# Any mask reads the same; scoring all eight to pick the best was most of a render's cost.
MASK_PATTERN = 0
# Rendering costs milliseconds and a payload is asked for again every second or two while it
# shows (20 s), so each is rendered once per process. The bound must exceed the number of
# instances showing a code at once: an LRU cache smaller than the set it cycles through evicts
# every entry before its next use. 4,096 PNGs of about 700 bytes each are ~3 MB.
RENDERED_KEPT = 4096
BLACK, WHITE = 0, 1  # in a one-bit image


@lru_cache(maxsize=RENDERED_KEPT)
def qr_png_base64(payload: str) -> str:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=BORDER, mask_pattern=MASK_PATTERN)
    code.add_data(payload)
    code.make(fit=True)
    modules = code.get_matrix()  # with the border; True is a dark module
    side = len(modules)
    box = max(1, round(TARGET_PIXELS / side))
    # One pixel a module, scaled up: the same image qrcode draws box by box, a third cheaper.
    image = Image.new("1", (side, side), WHITE)
    image.putdata([BLACK if dark else WHITE for row in modules for dark in row])
    image = image.resize((side * box, side * box), Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode("ascii")
