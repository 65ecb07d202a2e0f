"""The forms of a bulk action: which instances, which action, and its confirmation."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import QueryDict

from accounts.models import User
from core.forms import ErrorTextForm
from instances.listing_forms import InstanceFilterForm, InstanceIdsField
from instances.models import BulkJob
from instances.selectors import instances_matching
from instances.services.bulk import BULK_MAX
from instances.services.links import DEFAULT_HOURS, MAX_HOURS, MIN_HOURS


class BulkForm(ErrorTextForm):
    """POST from the list's selection: the ticked `ids`, or `all` of `all_query`'s matches."""

    action = forms.ChoiceField(choices=BulkJob.Action.choices)
    ids = InstanceIdsField(required=False)
    all = forms.BooleanField(required=False)
    all_query = forms.CharField(required=False, max_length=2000)
    # Second step: the confirmation; a delete also wants the number typed.
    confirm = forms.BooleanField(required=False)
    typed_count = forms.CharField(required=False, max_length=12)
    link_hours = forms.IntegerField(
        required=False,
        min_value=MIN_HOURS,
        max_value=MAX_HOURS,
        initial=DEFAULT_HOURS,
        label="Each link is valid for (hours)",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def chosen_ids(self) -> list[int]:
        """The instances chosen: the ticked ones, or every match of the list's filters."""
        data = self.cleaned_data
        if data.get("all"):
            query = QueryDict(data.get("all_query") or "")
            filters = InstanceFilterForm(query, user=self.user).filters()
            rows = instances_matching(user=self.user, filters=filters)
            return list(rows.values_list("pk", flat=True)[: BULK_MAX + 1])
        return list(data.get("ids") or [])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not cleaned.get("all") and not cleaned.get("ids") and not self.errors:
            raise forms.ValidationError("Select at least one instance.")
        return cleaned

    def confirmed(self, count: int) -> bool:
        """Whether the second step was sent, with the count typed for a delete."""
        data = self.cleaned_data
        if not data.get("confirm"):
            return False
        typed = (data.get("typed_count") or "").strip()
        if data["action"] == BulkJob.Action.DELETE and typed != str(count):
            self.add_error("typed_count", f"Type {count} to delete {count} instances.")
            return False
        return True
