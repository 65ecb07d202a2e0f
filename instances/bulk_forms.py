"""The forms of a bulk action: which instances, which action, and its confirmation."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from accounts.models import User
from core.forms import ErrorTextForm
from greenapi.params import DELAY_MAX_MS, DELAY_MIN_MS, FLAG_WIRE_NAMES
from instances.detail_forms import InstanceSettingsForm
from instances.forms import FLAG_LABELS
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
        label=gettext_lazy("Each link is valid for (hours)"),
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
            raise forms.ValidationError(_("Select at least one instance."))
        return cleaned

    def confirmed(self, count: int) -> bool:
        """Whether the second step was sent, with the count typed for a delete and valid
        settings to apply."""
        data = self.cleaned_data
        if not data.get("confirm"):
            return False
        typed = (data.get("typed_count") or "").strip()
        if data["action"] == BulkJob.Action.DELETE and typed != str(count):
            self.add_error(
                "typed_count",
                ngettext(
                    "Type %(num)s to delete %(num)s instance.",
                    "Type %(num)s to delete %(num)s instances.",
                    count,
                )
                % {"num": count},
            )
            return False
        return self.settings_form is None or self.settings_form.is_valid()

    @cached_property
    def settings_form(self) -> BulkSettingsForm | None:
        """Applying settings: which ones, empty on the first step (from the list)."""
        data = self.cleaned_data
        if data["action"] != BulkJob.Action.SETTINGS:
            return None
        return BulkSettingsForm(self.data if data.get("confirm") else None)

    def settings_changes(self) -> dict[str, str | int]:
        """The settings to apply (wire names), once confirmed; empty for the other actions."""
        return self.settings_form.changes() if self.settings_form is not None else {}


UNCHANGED_ON_OFF = [
    ("", gettext_lazy("Unchanged")),
    ("yes", gettext_lazy("On")),
    ("no", gettext_lazy("Off")),
]


class BulkSettingsForm(InstanceSettingsForm):
    """The settings page's fields and checks for many instances at once.

    Instances differ, so nothing is shown as "current": every field starts unchanged (an empty
    text, "Unchanged" for a flag, neither a new token nor "remove"), and only the settings
    chosen are sent, each instance keeping its own for the rest.
    """

    nothing_changed = gettext_lazy(
        "Choose at least one setting to apply: the ones left unchanged are not sent."
    )

    clear_webhook_url = forms.BooleanField(
        required=False, label=gettext_lazy("Turn webhooks off (an empty webhook URL)")
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["had_token"]  # no current token to speak of
        for name in ("webhook_url", "delay_send_messages_milliseconds"):
            self.fields[name].show_hidden_initial = False
        self.fields["webhook_url"].help_text = _(
            "Where Green API sends notifications. Leave empty to keep each instance's own."
        )
        self.fields["delay_send_messages_milliseconds"].help_text = _(
            "%(low)s to %(high)s. Leave empty to keep each instance's own."
        ) % {"low": DELAY_MIN_MS, "high": DELAY_MAX_MS}
        self.fields["webhook_url_token"].help_text = _(
            "Sent to the webhook as 'Authorization: Bearer <token>'. Leave empty to keep each "
            "instance's own."
        )
        self.fields["clear_webhook_url_token"].label = _("Remove each instance's webhook token")
        for attr, (label, _default) in FLAG_LABELS.items():
            self.fields[attr] = forms.ChoiceField(
                choices=UNCHANGED_ON_OFF, required=False, label=label
            )

    def clean(self) -> dict[str, Any]:
        data = self.cleaned_data
        if data.get("webhook_url") and data.get("clear_webhook_url"):
            self.add_error(None, _("Either type a webhook URL or turn webhooks off, not both."))
        return super().clean()

    def changes(self) -> dict[str, str | int]:
        """The chosen settings by wire name, for setSettings."""
        data = self.cleaned_data
        body: dict[str, str | int] = {}
        if data.get("webhook_url"):
            body["webhookUrl"] = data["webhook_url"]
        elif data.get("clear_webhook_url"):
            body["webhookUrl"] = ""
        if data.get("delay_send_messages_milliseconds") is not None:
            body["delaySendMessagesMilliseconds"] = data["delay_send_messages_milliseconds"]
        for attr, wire in FLAG_WIRE_NAMES.items():
            if data.get(attr):
                body[wire] = data[attr]
        return body | self.token_change()
