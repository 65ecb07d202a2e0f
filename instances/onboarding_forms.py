"""Forms of the onboarding pages. No side effects here: services call Green API."""

from __future__ import annotations

import re

from django import forms

from instances.services.links import DEFAULT_HOURS, MAX_HOURS, MIN_HOURS

# What people type between the digits of a phone number.
PHONE_SEPARATORS = re.compile(r"[\s().\-]")
PHONE_DIGITS = re.compile(r"[0-9]{7,15}")
PHONE_HELP = "With the country code, e.g. +7 900 123 45 67."


class PairingForm(forms.Form):
    """The phone number for getAuthorizationCode: an integer, international, no + (§3.5)."""

    phone_number = forms.CharField(
        label="Phone number of the WhatsApp account",
        max_length=32,
        help_text=PHONE_HELP,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "+7 900 123 45 67"}
        ),
        error_messages={
            "required": "Enter the phone number. " + PHONE_HELP,
            "max_length": "That is too long for a phone number. " + PHONE_HELP,
        },
    )

    def clean_phone_number(self) -> int:
        digits = PHONE_SEPARATORS.sub("", self.cleaned_data["phone_number"])
        if digits.startswith("+"):
            digits = digits[1:]
        elif digits.startswith("00"):
            digits = digits[2:]
        # ASCII digits only: Python's int() would also take other scripts' digits.
        if not PHONE_DIGITS.fullmatch(digits):
            raise forms.ValidationError(
                "A phone number has 7 to 15 digits, starting with the country code. " + PHONE_HELP
            )
        if digits.startswith("0"):
            raise forms.ValidationError("Start with the country code, not 0. " + PHONE_HELP)
        return int(digits)


class LinkIssueForm(forms.Form):
    hours = forms.IntegerField(
        label="Valid for (hours)",
        min_value=MIN_HOURS,
        max_value=MAX_HOURS,
        initial=DEFAULT_HOURS,
        error_messages={
            "required": f"Say how many hours the link lasts ({MIN_HOURS} to {MAX_HOURS}).",
            "invalid": f"Enter a whole number of hours ({MIN_HOURS} to {MAX_HOURS}).",
            "min_value": f"A link lasts at least {MIN_HOURS} hour.",
            "max_value": f"A link lasts at most {MAX_HOURS} hours (7 days).",
        },
    )
