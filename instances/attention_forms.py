"""The form that marks an attention item handled (instances/views/attention.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import ErrorTextForm
from instances.attention import Kind

# Seconds since 1970 up to the year 9999: what `item_key` writes.
_SINCE_MAX = 253402300799


class AttentionHandleForm(ErrorTextForm):
    kind = forms.ChoiceField(choices=[(kind.value, kind.value) for kind in Kind])
    # i<instance id>, o<order pk> or l<link pk> (Item.subject).
    subject = forms.RegexField(regex=r"^[iol][0-9]{1,19}$", max_length=20)
    since = forms.IntegerField(min_value=0, max_value=_SINCE_MAX)
    note = forms.CharField(
        required=False,
        max_length=500,
        label=_("What was done"),
        help_text=_("For whoever looks next: who you called, what you sent."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if "since" in cleaned:
            cleaned["since"] = datetime.fromtimestamp(cleaned["since"], tz=UTC)
        return cleaned
