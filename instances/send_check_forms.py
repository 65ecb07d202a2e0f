"""The test message form: a recipient's phone number (issue 11, "A test message")."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

# Spaces, dashes, dots and brackets people type inside numbers; a leading + or 00.
_SEPARATORS = re.compile(r"[\s\-.()]")
_NUMBER = re.compile(r"[1-9]\d{6,14}")
PAGES = ("detail", "connect")


class SendTestMessageForm(forms.Form):
    phone = forms.CharField(
        max_length=32,
        label=_("Send a test message to"),
        help_text=_("A WhatsApp number with its country code, e.g. +7 900 123-45-67."),
        error_messages={"required": _("Type the phone number to send the test message to.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    # Which page sent the form, so a browser without JavaScript returns to it.
    page = forms.ChoiceField(choices=[(p, p) for p in PAGES], widget=forms.HiddenInput)

    def clean_phone(self) -> str:
        typed: str = self.cleaned_data["phone"]
        digits = _SEPARATORS.sub("", typed)
        if digits.startswith("+"):
            digits = digits[1:]
        elif digits.startswith("00"):
            digits = digits[2:]
        if not _NUMBER.fullmatch(digits):
            raise forms.ValidationError(
                _(
                    "Type the full international number: the country code, then the number, "
                    "7 to 15 digits in all (e.g. +7 900 123-45-67)."
                )
            )
        return digits
