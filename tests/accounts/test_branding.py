"""A reseller's brand: who may set it, which logos pass, and how a logo is served."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from accounts.models import AuditEvent, Reseller, ResellerBrand, User
from tests.support.pages import logged_in, page_text

SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


def image_bytes(
    fmt: str = "PNG", size: tuple[int, int] = (64, 32), mode: str = "RGBA", **save: Any
) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (10, 120, 90, 255) if mode == "RGBA" else (10, 120, 90)).save(
        out, format=fmt, **save
    )
    return out.getvalue()


def upload(content: bytes, name: str = "logo.png", content_type: str = "image/png") -> Any:
    return SimpleUploadedFile(name, content, content_type=content_type)


def brand_url(reseller: Reseller) -> str:
    return f"/resellers/{reseller.pk}/brand/"


def post_brand(user: User, reseller: Reseller, **fields: Any) -> Any:
    data = {
        "display_name": "Corner Telecom",
        "support_phone": "+7 900 123-45-67",
        "support_email": "help@corner.example",
        "support_url": "https://wa.me/79001234567",
        **fields,
    }
    return logged_in(user).post(brand_url(reseller), data)


def errors_of(response: Any) -> str:
    return " ".join(re.findall(r'<ul class="errorlist"[^>]*>(.*?)</ul>', page_text(response), re.S))


# --- the form ----------------------------------------------------------------------------------


def test_a_good_png_is_accepted_reencoded_and_stored_under_a_random_name(
    reseller_a_user: User, reseller_a: Reseller
) -> None:
    original = image_bytes("PNG") + b"<script>trailer</script>"  # a polyglot's tail

    response = post_brand(reseller_a_user, reseller_a, logo=upload(original, "../../evil.html"))

    assert response.status_code == 302, errors_of(response)
    brand = ResellerBrand.objects.get(reseller=reseller_a)
    assert brand.display_name == "Corner Telecom"
    assert brand.logo_type == "image/png"
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}\.png", brand.logo_name or "")
    stored = bytes(brand.logo or b"")
    assert stored != original
    assert b"<script>" not in stored
    assert Image.open(io.BytesIO(stored)).size == (64, 32)
    event = AuditEvent.objects.get(action="reseller.brand")
    assert event.reseller_id == reseller_a.pk
    assert "logo" in event.detail


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"this is not an image at all", "logo.png", "not a PNG, JPEG or WebP image"),
        (SVG, "logo.svg", "SVG logos are not accepted"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.png", "SVG logos are not accepted"),
        (image_bytes("GIF", mode="RGB"), "logo.gif", "not a PNG, JPEG or WebP image"),
        (image_bytes("PNG")[:60], "logo.png", "not a PNG, JPEG or WebP image"),  # truncated
    ],
)
def test_what_is_not_a_png_jpeg_or_webp_gets_a_form_error(
    reseller_a_user: User, reseller_a: Reseller, content: bytes, name: str, message: str
) -> None:
    response = post_brand(reseller_a_user, reseller_a, logo=upload(content, name))

    assert response.status_code == 200
    assert message in errors_of(response)
    assert not ResellerBrand.objects.filter(reseller=reseller_a).exists()


def test_too_many_bytes_is_refused_with_the_limit(
    settings: Any, reseller_a_user: User, reseller_a: Reseller
) -> None:
    settings.BRAND_LOGO_MAX_BYTES = 2000
    big = image_bytes("PNG", size=(300, 300), mode="RGB", compress_level=0)
    assert len(big) > 2000

    response = post_brand(reseller_a_user, reseller_a, logo=upload(big))

    assert response.status_code == 200
    assert "the most is 2.0\xa0KB" in errors_of(response)


def test_too_many_pixels_is_refused_before_decoding(
    settings: Any, reseller_a_user: User, reseller_a: Reseller
) -> None:
    settings.BRAND_LOGO_MAX_SIDE = 100
    wide = image_bytes("PNG", size=(101, 10))

    response = post_brand(reseller_a_user, reseller_a, logo=upload(wide))

    assert response.status_code == 200
    assert "101 by 10 pixels; the most is 100 by 100" in errors_of(response)


@pytest.mark.parametrize(("fmt", "content_type"), [("JPEG", "image/jpeg"), ("WEBP", "image/webp")])
def test_jpeg_and_webp_are_accepted_and_large_ones_shrunk(
    reseller_a_user: User, reseller_a: Reseller, fmt: str, content_type: str
) -> None:
    content = image_bytes(fmt, size=(1200, 600), mode="RGB")

    response = post_brand(reseller_a_user, reseller_a, logo=upload(content, "logo", content_type))

    assert response.status_code == 302, errors_of(response)
    brand = ResellerBrand.objects.get(reseller=reseller_a)
    assert brand.logo_type == content_type
    assert Image.open(io.BytesIO(bytes(brand.logo or b""))).size == (512, 256)


def test_the_messenger_link_must_be_https(reseller_a_user: User, reseller_a: Reseller) -> None:
    for bad in ("javascript:alert(1)", "http://wa.me/7900"):
        response = post_brand(reseller_a_user, reseller_a, support_url=bad)
        assert response.status_code == 200
        assert errors_of(response)
    assert not ResellerBrand.objects.exists()


def test_a_contact_without_a_display_name_is_refused(
    reseller_a_user: User, reseller_a: Reseller
) -> None:
    response = post_brand(reseller_a_user, reseller_a, display_name="")

    assert "Give a display name too" in errors_of(response)


def test_removing_the_logo_frees_its_name(reseller_a_user: User, reseller_a: Reseller) -> None:
    post_brand(reseller_a_user, reseller_a, logo=upload(image_bytes()))
    name = ResellerBrand.objects.get(reseller=reseller_a).logo_name

    post_brand(reseller_a_user, reseller_a, remove_logo="on")

    assert ResellerBrand.objects.get(reseller=reseller_a).logo_name is None
    assert logged_in(reseller_a_user).get(f"/brand/logo/{name}").status_code == 404


# --- who may edit which brand ------------------------------------------------------------------


def test_a_reseller_user_cannot_see_or_edit_another_resellers_brand(
    reseller_a_user: User, reseller_b: Reseller
) -> None:
    client = logged_in(reseller_a_user)

    assert client.get(brand_url(reseller_b)).status_code == 404
    response = post_brand(reseller_a_user, reseller_b, logo=upload(image_bytes()))

    assert response.status_code == 404
    assert not ResellerBrand.objects.exists()


def test_support_agents_may_not_edit_a_brand(support: User, reseller_a: Reseller) -> None:
    assert post_brand(support, reseller_a).status_code == 403
    assert not ResellerBrand.objects.exists()


def test_an_admin_edits_any_resellers_brand(admin: User, reseller_b: Reseller) -> None:
    response = post_brand(admin, reseller_b, display_name="B Mobile")

    assert response.status_code == 302
    assert ResellerBrand.objects.get(reseller=reseller_b).display_name == "B Mobile"


def test_the_account_page_leads_a_reseller_user_to_their_brand(
    reseller_a_user: User, reseller_a: Reseller
) -> None:
    page = page_text(logged_in(reseller_a_user).get("/account/"))

    assert f'href="{brand_url(reseller_a)}"' in page


# --- the logo as served ------------------------------------------------------------------------


def test_the_logo_is_served_with_safe_headers_to_anyone(
    client: Any, reseller_a_user: User, reseller_a: Reseller
) -> None:
    post_brand(reseller_a_user, reseller_a, logo=upload(image_bytes()))
    name = ResellerBrand.objects.get(reseller=reseller_a).logo_name

    response = client.get(f"/brand/logo/{name}")  # not logged in: customer pages show it

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == "inline"
    assert Image.open(io.BytesIO(response.content)).format == "PNG"
    assert client.post(f"/brand/logo/{name}").status_code == 405
    assert client.get("/brand/logo/../../settings.py").status_code == 404
