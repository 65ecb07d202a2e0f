"""The people pages' search and filters (users, resellers). Validation only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from core.forms import SearchForm

PAGE_SIZE = 50
_STATUSES = [
    ("", _("Any status")),
    ("active", pgettext_lazy("people status", "Active")),
    ("inactive", pgettext_lazy("people status", "Inactive")),
]


class PeopleFilterForm(SearchForm):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_STATUSES)

    def chosen(self) -> dict[str, Any]:
        status = self.cleaned_data["status"]
        return super().chosen() | {"active": status == "active" if status else None}


class ResellerFilterForm(PeopleFilterForm):
    pass


class UserFilterForm(PeopleFilterForm):
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("Any role")), *User.Role.choices]
    )
    field_order = ["q", "role", "status"]

    def chosen(self) -> dict[str, Any]:
        return super().chosen() | {"role": self.cleaned_data["role"]}
