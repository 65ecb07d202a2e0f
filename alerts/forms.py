from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

from alerts.models import AlertPreference
from core.zones import ZONE_NAMES

if TYPE_CHECKING:
    _ModelForm = forms.ModelForm[AlertPreference]
else:  # ModelForm is generic for the type checker only
    _ModelForm = forms.ModelForm


class AlertPreferenceForm(_ModelForm):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=[(name, name) for name in ZONE_NAMES],
        help_text=_("Quiet hours and the daily digest follow this time zone."),
    )

    class Meta:
        model = AlertPreference
        fields = [
            "enabled",
            "logged_out",
            "blocked",
            "yellow_card",
            "stuck",
            "recovered",
            "mode",
            "quiet_start",
            "quiet_end",
            "time_zone",
        ]
        widgets = {
            "mode": forms.RadioSelect,
            "quiet_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        # The model's fields have no verbose names of their own: the labels are set here.
        labels = {
            "mode": _("Mode"),
            "quiet_start": _("Quiet start"),
            "quiet_end": _("Quiet end"),
        }
        help_texts = {
            "quiet_start": _("Alerts that come in quiet hours wait until they end (e.g. 22:00)."),
            "quiet_end": _("e.g. 07:00. Leave both empty for none."),
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (data.get("quiet_start") is None) != (data.get("quiet_end") is None):
            raise forms.ValidationError(_("Give both ends of the quiet hours, or neither."))
        return data
