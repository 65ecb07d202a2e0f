"""The people pages' search and filters (users, resellers). Validation only."""

from __future__ import annotations

from typing import Any

from django import forms

from accounts.models import User

PAGE_SIZE = 50
_STATUSES = [("", "Any status"), ("active", "Active"), ("inactive", "Inactive")]


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100, strip=True)
    status = forms.ChoiceField(label="Status", required=False, choices=_STATUSES)

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
        label="Role", required=False, choices=[("", "Any role"), *User.Role.choices]
    )
    field_order = ["q", "role", "status"]

    def filters(self) -> dict[str, Any] | None:
        chosen = super().filters()
        return chosen if not chosen else chosen | {"role": self.cleaned_data["role"]}
