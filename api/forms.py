"""The API token pages' forms: a new token, and the admins' search. Validation only."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from api import selectors
from api.models import Scope
from api.tokens import DEFAULT_LIFETIME, LONGEST_LIFETIME, NAME_MAX_LENGTH, scopes_for
from core.forms import PortalForm, SearchForm

PAGE_SIZE = 50


class ApiTokenForm(PortalForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=NAME_MAX_LENGTH,
        strip=True,
        help_text=_("What will use it, e.g. “CRM”: the audit log names it beside what it does."),
    )
    days = forms.IntegerField(
        label=_("Expires after (days)"),
        min_value=1,
        max_value=LONGEST_LIFETIME.days,
        initial=DEFAULT_LIFETIME.days,
        help_text=_("At most 365 days."),
    )
    scopes = forms.MultipleChoiceField(
        label=_("What it may do"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one.")},
    )
    # A new key each time the form is shown: a page sent twice (reload, back) creates no
    # second token and shows no secret again (api/views.py).
    once = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"once": uuid.uuid4()})
        super().__init__(*args, **kwargs)
        offered = set(scopes_for(user))
        # Only what the user's role can ever use (accounts/permissions.py); anything else
        # posted is "not one of the available choices".
        self.fields["scopes"].choices = [  # type: ignore[attr-defined]  # a ChoiceField
            (value, label) for value, label in Scope.choices if value in offered
        ]


_STATUSES = [
    ("", _("Any status")),
    (selectors.ACTIVE, pgettext_lazy("API token status", "Active")),
    (selectors.EXPIRED, pgettext_lazy("API token status", "Expired")),
    (selectors.REVOKED, pgettext_lazy("API token status", "Revoked")),
]
STATUS_LABELS = dict(_STATUSES[1:])


class ApiTokenFilterForm(SearchForm):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_STATUSES)

    def chosen(self) -> dict[str, Any]:
        return super().chosen() | {"status": self.cleaned_data["status"]}
