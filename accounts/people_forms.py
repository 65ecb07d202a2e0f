"""The people pages' search and filters (users, resellers). Validation only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User

PAGE_SIZE = 50
_STATUSES = [
    ("", _("Any status")),
    ("active", pgettext_lazy("people status", "Active")),
    ("inactive", pgettext_lazy("people status", "Inactive")),
]


class PeopleFilterForm(forms.Form):
    q = forms.CharField(
        label=pgettext_lazy("search field", "Search"), required=False, max_length=100, strip=True
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_STATUSES)

    def filters(self) -> dict[str, Any] | None:
        """The selector's arguments: none when unbound, None when invalid (the form then says
        what is wrong)."""
        if not self.is_bound:
            return {}
        if not self.is_valid():
            return None
        status = self.cleaned_data["status"]
        return {"search": self.cleaned_data["q"], "active": status == "active" if status else None}


class ResellerFilterForm(PeopleFilterForm):
    pass


class UserFilterForm(PeopleFilterForm):
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Any role")), *User.Role.choices]
    )
    field_order = ["q", "role", "status"]

    def filters(self) -> dict[str, Any] | None:
        chosen = super().filters()
        return chosen if not chosen else chosen | {"role": self.cleaned_data["role"]}
