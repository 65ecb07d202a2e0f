"""The people pages' search and filters (users, resellers). Validation only."""

from __future__ import annotations

from django import forms

from accounts.models import User

PAGE_SIZE = 50
_STATUSES = [("", "Any status"), ("active", "Active"), ("inactive", "Inactive")]


class PeopleFilterForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=100, strip=True)
    status = forms.ChoiceField(label="Status", required=False, choices=_STATUSES)

    def active(self) -> bool | None:
        """True, False, or None for either (call after is_valid)."""
        status = self.cleaned_data.get("status")
        return None if not status else status == "active"


class ResellerFilterForm(PeopleFilterForm):
    pass


class UserFilterForm(PeopleFilterForm):
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "Any role"), *User.Role.choices]
    )
    field_order = ["q", "role", "status"]
