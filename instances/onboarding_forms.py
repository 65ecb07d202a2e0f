"""Forms of the onboarding pages. No side effects here: services call Green API."""

from __future__ import annotations

import re

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from instances.services.links import DEFAULT_HOURS, MAX_HOURS, MIN_HOURS

# What people type between the digits of a phone number.
PHONE_SEPARATORS = re.compile(r"[\s().\-]")
PHONE_DIGITS = re.compile(r"[0-9]{7,15}")
PHONE_HELP = gettext_lazy("With the country code, e.g. +7 900 123 45 67.")


def _with_help(message: str) -> str:
    """A message, then how to write the number, in the active language."""
    return gettext("%(message)s With the country code, e.g. +7 900 123 45 67.") % {
        "message": gettext(message)
    }


def _hours(message: str) -> str:
    return gettext(message) % {"min": MIN_HOURS, "max": MAX_HOURS}


# Worded when shown, in the reader's language (the forms are built once, at import).
_with_help_lazy = lazy(_with_help, str)
_hours_lazy = lazy(_hours, str)


class PairingForm(forms.Form):
    """The phone number for getAuthorizationCode: an integer, international, no + (§3.5)."""

    phone_number = forms.CharField(
        label=gettext_lazy("Phone number of the WhatsApp account"),
        max_length=32,
        help_text=PHONE_HELP,
        widget=forms.TextInput(
            attrs={"inputmode": "tel", "autocomplete": "tel", "placeholder": "+7 900 123 45 67"}
        ),
        error_messages={
            "required": _with_help_lazy(gettext_noop("Enter the phone number.")),
            "max_length": _with_help_lazy(gettext_noop("That is too long for a phone number.")),
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
                _with_help(
                    gettext_noop(
                        "A phone number has 7 to 15 digits, starting with the country code."
                    )
                )
            )
        if digits.startswith("0"):
            raise forms.ValidationError(
                _with_help(gettext_noop("Start with the country code, not 0."))
            )
        return int(digits)


class LinkIssueForm(forms.Form):
    hours = forms.IntegerField(
        label=gettext_lazy("Valid for (hours)"),
        min_value=MIN_HOURS,
        max_value=MAX_HOURS,
        initial=DEFAULT_HOURS,
        error_messages={
            "required": _hours_lazy(
                gettext_noop("Say how many hours the link lasts (%(min)s to %(max)s).")
            ),
            "invalid": _hours_lazy(
                gettext_noop("Enter a whole number of hours (%(min)s to %(max)s).")
            ),
            "min_value": _hours_lazy(gettext_noop("A link lasts at least %(min)s hour.")),
            "max_value": _hours_lazy(gettext_noop("A link lasts at most %(max)s hours (7 days).")),
        },
    )
