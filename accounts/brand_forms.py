"""The form for a reseller's brand on its customers' pages (accounts/branding.py)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.branding import logo_clean
from accounts.models import ResellerBrand

_PHONE = re.compile(r"\+?[0-9 ()\-]{5,30}")


class ResellerBrandForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_(
            "The name your customers know you by. Empty: customers see the partner's name "
            "and contact instead of yours."
        ),
    )
    logo = forms.FileField(
        label=_("Logo"),
        required=False,
        help_text=_("PNG, JPEG or WebP. Shown at most 240 pixels wide."),
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
    )
    remove_logo = forms.BooleanField(label=_("Remove the current logo"), required=False)
    support_phone = forms.CharField(
        label=_("Support phone"),
        max_length=32,
        required=False,
        help_text=_("For example +7 900 123-45-67."),
    )
    support_email = forms.EmailField(label=_("Support e-mail"), max_length=254, required=False)
    support_url = forms.URLField(
        label=_("Messenger link"),
        max_length=200,
        required=False,
        assume_scheme="https",
        help_text=_(
            "A chat customers can open, such as https://wa.me/79001234567 or "
            "https://t.me/yourcompany."
        ),
    )

    def __init__(self, *args: Any, brand: ResellerBrand, **kwargs: Any) -> None:
        self.brand = brand
        kwargs.setdefault(
            "initial",
            {
                "display_name": brand.display_name,
                "support_phone": brand.support_phone,
                "support_email": brand.support_email,
                "support_url": brand.support_url,
            },
        )
        super().__init__(*args, **kwargs)
        if brand.logo_name:
            self.fields["logo"].help_text = _(
                "PNG, JPEG or WebP. Shown at most 240 pixels wide. "
                "Uploading one replaces the current logo."
            )
        else:
            del self.fields["remove_logo"]

    def clean_display_name(self) -> str:
        return str(self.cleaned_data["display_name"]).strip()

    def clean_support_phone(self) -> str:
        phone = str(self.cleaned_data["support_phone"]).strip()
        if phone and not _PHONE.fullmatch(phone):
            raise ValidationError(_("Use digits, spaces, brackets, dashes and a leading +."))
        return phone

    def clean_support_url(self) -> str:
        url = str(self.cleaned_data["support_url"]).strip()
        if url and urlsplit(url).scheme != "https":
            raise ValidationError(_("Use a link that starts with https://."))
        return url

    def clean_logo(self) -> Any:
        upload = self.cleaned_data.get("logo")
        if not upload:
            return None
        return logo_clean(upload, size=upload.size or 0)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        has_logo = bool(data.get("logo")) or (
            bool(self.brand.logo_name) and not data.get("remove_logo")
        )
        others = [data.get(name) for name in ("support_phone", "support_email", "support_url")]
        if not data.get("display_name") and (has_logo or any(others)):
            self.add_error(
                "display_name",
                _("Give a display name too: without one, customers see the partner's brand."),
            )
        return data
