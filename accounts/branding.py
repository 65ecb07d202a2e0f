"""A reseller's brand on its customers' pages: the logo check, the one service, the reads.

A logo is opened with Pillow only as PNG, JPEG or WebP (never SVG, which can carry script),
checked against BRAND_LOGO_MAX_BYTES and BRAND_LOGO_MAX_SIDE before its pixels are decoded, and
re-encoded, so what is stored and served is an image Pillow wrote: no metadata, no polyglot
trailer. It is kept in the database under a random name (models.ResellerBrand).
"""

from __future__ import annotations

import io
import secrets
import warnings
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from accounts.audit import assign_changes, audit_record
from accounts.models import Reseller, ResellerBrand, User
from accounts.permissions import Action, require
from accounts.tenancy import in_tenant

# Pillow's format name -> what is stored and served.
LOGO_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}
# Stored logos are shrunk to fit this box: the page shows them at most 240 px wide.
LOGO_STORED_SIDE = 512
NOT_AN_IMAGE = gettext_lazy(
    "This file is not a PNG, JPEG or WebP image. Upload the logo as one of those."
)

# Known chat hosts, to label a support link in the customer's words.
MESSENGER_HOSTS = {
    "wa.me": "WhatsApp",
    "api.whatsapp.com": "WhatsApp",
    "t.me": "Telegram",
    "telegram.me": "Telegram",
    "max.ru": "MAX",
}


@dataclass(frozen=True)
class Logo:
    data: bytes
    content_type: str


def logo_clean(upload: IO[bytes], *, size: int) -> Logo:
    """Check an uploaded logo and re-encode it; a ValidationError says what is wrong."""
    limit = settings.BRAND_LOGO_MAX_BYTES
    if size > limit:
        raise ValidationError(
            _("The logo is %(size)s; the most is %(limit)s.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="too_big",
        )
    upload.seek(0)
    head = upload.read(64).lstrip().lower()
    if head.startswith((b"<?xml", b"<svg", b"<!doctype svg")) or b"<svg" in head:
        raise ValidationError(
            _("SVG logos are not accepted (they can carry scripts): upload a PNG, JPEG or WebP."),
            code="svg",
        )
    upload.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(LOGO_FORMATS)) as probe:
                _check_side(probe.size)
                probe.verify()
            upload.seek(0)
            with Image.open(upload, formats=list(LOGO_FORMATS)) as image:
                source_format = image.format or ""
                image.load()
                return _reencode(image, LOGO_FORMATS[source_format])
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
        OSError,
        SyntaxError,  # Pillow's verify() reports some broken PNG chunks this way
        ValueError,
        KeyError,
    ):
        raise ValidationError(NOT_AN_IMAGE, code="not_an_image") from None


def _check_side(size: tuple[int, int]) -> None:
    side = settings.BRAND_LOGO_MAX_SIDE
    width, height = size
    if width > side or height > side:
        raise ValidationError(
            _("The logo is %(width)s by %(height)s pixels; the most is %(side)s by %(side)s.")
            % {"width": width, "height": height, "side": side},
            code="too_many_pixels",
        )


def _reencode(image: Image.Image, content_type: str) -> Logo:
    image = ImageOps.exif_transpose(image)
    has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((LOGO_STORED_SIDE, LOGO_STORED_SIDE))
    if content_type == "image/jpeg" and has_alpha:
        content_type = "image/png"  # JPEG has no transparency to keep
    out = io.BytesIO()
    if content_type == "image/png":
        image.save(out, format="PNG", optimize=True)
    elif content_type == "image/webp":
        image.save(out, format="WEBP", quality=90)
    else:
        image.save(out, format="JPEG", quality=88, optimize=True)
    return Logo(data=out.getvalue(), content_type=content_type)


def messenger_label(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return MESSENGER_HOSTS.get(host, "")


# --- reads ------------------------------------------------------------------------------------


def reseller_for_brand_or_404(user: Any, reseller_id: int) -> Reseller:
    """The reseller whose brand `user` edits: another tenant's is a 404, like a missing one;
    a role without EDIT_BRAND gets a 403 (the view's decorator)."""
    return get_object_or_404(Reseller.objects.visible_to(user), pk=reseller_id)


def reseller_brand_of(reseller: Reseller) -> ResellerBrand:
    """The reseller's brand row, unsaved and empty when it has none yet."""
    try:
        return ResellerBrand.objects.defer("logo").get(reseller=reseller)
    except ResellerBrand.DoesNotExist:
        return ResellerBrand(reseller=reseller)


def brand_logo_get(name: str) -> Logo:
    """The logo served under `name`, or a 404."""
    row = ResellerBrand.objects.filter(logo_name=name).values_list("logo", "logo_type").first()
    if row is None or not row[0]:
        raise Http404
    return Logo(data=bytes(row[0]), content_type=row[1])


@dataclass(frozen=True)
class Brand:
    """Who a customer page names: the reseller's brand, or the partner's (settings)."""

    display_name: str
    logo_url: str = ""
    phone: str = ""
    email: str = ""
    url: str = ""

    @property
    def url_label(self) -> str:
        return messenger_label(self.url)

    @property
    def has_contact(self) -> bool:
        return bool(self.phone or self.email or self.url)

    @property
    def tel(self) -> str:
        """The phone number for a tel: link: digits and a leading +."""
        digits = "".join(ch for ch in self.phone if ch.isdigit())
        return ("+" if self.phone.strip().startswith("+") else "") + digits


def partner_brand() -> Brand:
    return Brand(
        display_name=settings.PARTNER_DISPLAY_NAME,
        phone=settings.PARTNER_SUPPORT_PHONE,
        email=settings.PARTNER_SUPPORT_EMAIL,
        url=settings.PARTNER_SUPPORT_URL,
    )


def customer_brand(reseller_id: int | None) -> Brand:
    """What a customer page of an instance of `reseller_id` shows: the reseller's brand once it
    has a display name, else the partner's. Never both: a reseller's customer sees no partner."""
    if reseller_id is not None:
        row = (
            ResellerBrand.objects.defer("logo")
            .filter(reseller_id=reseller_id)
            .exclude(display_name="")
            .first()
        )
        if row is not None:
            return Brand(
                display_name=row.display_name,
                logo_url=reverse("brand_logo", args=[row.logo_name]) if row.logo_name else "",
                phone=row.support_phone,
                email=row.support_email,
                url=row.support_url,
            )
    return partner_brand()


# --- the service -----------------------------------------------------------------------------


def reseller_brand_update(
    *,
    actor: User,
    request: HttpRequest | None = None,
    reseller: Reseller,
    display_name: str,
    support_phone: str,
    support_email: str,
    support_url: str,
    logo: Logo | None = None,
    remove_logo: bool = False,
) -> ResellerBrand:
    """Set what the reseller's customers see; a new logo gets a new random name."""
    require(actor, Action.EDIT_BRAND)
    if not in_tenant(actor, reseller.pk):
        raise PermissionDenied
    with transaction.atomic():
        brand, _ = ResellerBrand.objects.select_for_update().get_or_create(reseller=reseller)
        changed = assign_changes(
            brand,
            {
                "display_name": display_name,
                "support_phone": support_phone,
                "support_email": support_email,
                "support_url": support_url,
            },
        )
        if logo is not None:
            brand.logo = logo.data
            brand.logo_type = logo.content_type
            extension = _EXTENSIONS[logo.content_type]
            brand.logo_name = f"{secrets.token_urlsafe(18)}.{extension}"
            changed.append("logo")
        elif remove_logo and brand.logo_name:
            brand.logo, brand.logo_type, brand.logo_name = None, "", None
            changed.append("logo removed")
        brand.save()
        audit_record(
            action="reseller.brand",
            request=request,
            actor=actor,
            target=reseller,
            detail="changed: " + ", ".join(changed) if changed else "no changes",
        )
    return brand
