"""The endpoint pages' forms. Validation only: where a URL leads is the service's check."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Reseller
from core.forms import ErrorTextForm, PortalForm
from events.models import KIND_CHOICES

PARTNER = ""  # the owner choice of staff's own endpoints


def _kinds_field() -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=_("Events"),
        choices=KIND_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one event.")},
    )


class EndpointForm(PortalForm):
    url = forms.URLField(
        label=_("Address (URL)"),
        max_length=2000,
        assume_scheme="https",
        help_text=_("Events are POSTed here as JSON, signed. It must start with https://."),
        widget=forms.URLInput(attrs={"placeholder": "https://crm.example.com/hooks/green"}),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    kinds = _kinds_field()

    def __init__(self, *args: Any, resellers: list[Reseller] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if resellers is not None:  # staff: whose instances' events
            self.fields["owner"] = forms.ChoiceField(
                label=_("Events of"),
                choices=[(PARTNER, _("Every instance (the partner's own endpoint)"))]
                + [(str(reseller.pk), reseller.name) for reseller in resellers],
                required=False,
            )
            self.order_fields(["url", "description", "owner", "kinds"])
        self._resellers = {str(reseller.pk): reseller for reseller in resellers or []}

    def reseller(self) -> Reseller | None:
        return self._resellers.get(self.cleaned_data.get("owner") or PARTNER)


class KindsForm(ErrorTextForm):
    kinds = _kinds_field()
