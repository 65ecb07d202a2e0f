"""Forms of the instance page's actions: settings, delete confirmation, token reveal."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from greenapi import InstanceSettings

# Re-exported ("as"): the API checks the same limits and may not import the client itself.
from greenapi.params import DELAY_MAX_MS as DELAY_MAX_MS
from greenapi.params import DELAY_MIN_MS as DELAY_MIN_MS
from greenapi.params import FLAG_WIRE_NAMES as FLAG_WIRE_NAMES
from instances.forms import FLAG_LABELS
from instances.models import Instance

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

TOKEN_MAX_LENGTH = 200


class InstanceSettingsForm(forms.Form):
    """The writable settings. Only what the user changed is sent, because every setSettings
    restarts the instance. The fields carry their initial values as hidden inputs, so
    `changed_data` means "changed on this form", not "differs from Green API now"; a change
    someone else made in between is not overwritten.

    The webhook token is a secret: it is never put back into the page. The user types a new
    one or ticks "remove"; leaving both alone keeps the current one.
    """

    nothing_changed: str | _StrPromise = _("Nothing was changed, so there is nothing to save.")

    webhook_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        show_hidden_initial=True,
        label=_("Webhook URL"),
        help_text=_("Where Green API sends notifications. Empty: no webhook."),
    )
    webhook_url_token = forms.CharField(
        required=False,
        max_length=TOKEN_MAX_LENGTH,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        label=_("New webhook authorization token"),
        help_text=_(
            "Sent to your webhook as 'Authorization: Bearer <token>'. "
            "Leave empty to keep the current one."
        ),
    )
    clear_webhook_url_token = forms.BooleanField(
        required=False, label=_("Remove the current webhook token")
    )
    delay_send_messages_milliseconds = forms.IntegerField(
        required=False,
        min_value=DELAY_MIN_MS,
        max_value=DELAY_MAX_MS,
        show_hidden_initial=True,
        label=_("Delay between sent messages (ms)"),
        help_text=format_lazy(_("{low} to {high}."), low=DELAY_MIN_MS, high=DELAY_MAX_MS),
    )
    # Display only: whether a token was set when the form was rendered.
    had_token = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for attr, (label, _default) in FLAG_LABELS.items():
            self.fields[attr] = forms.BooleanField(
                required=False, label=label, show_hidden_initial=True
            )

    @classmethod
    def initial_from(cls, current: InstanceSettings) -> dict[str, Any]:
        """The form's initial values from getSettings' answer (never the token itself)."""
        initial: dict[str, Any] = {
            "webhook_url": current.webhook_url,
            "delay_send_messages_milliseconds": current.delay_send_messages_milliseconds,
            "had_token": bool(current.webhook_url_token),
        }
        initial |= {attr: getattr(current, attr) == "yes" for attr in FLAG_WIRE_NAMES}
        return initial

    @property
    def token_is_set(self) -> bool:
        """Whether a webhook token was set when the form was first rendered (display only)."""
        return bool(self.fields["had_token"].to_python(self["had_token"].value()))

    @property
    def flag_fields(self) -> list[forms.BoundField]:
        return [self[attr] for attr in FLAG_LABELS]

    def clean_webhook_url(self) -> str:
        url: str = self.cleaned_data["webhook_url"]
        if url and urlsplit(url).scheme not in {"http", "https"}:
            raise forms.ValidationError(_("The webhook URL must start with https:// or http://."))
        return url

    def clean_webhook_url_token(self) -> str:
        token: str = self.cleaned_data["webhook_url_token"]
        # It travels in an HTTP header: visible ASCII only.
        if token and not all("!" <= ch <= "~" for ch in token):
            raise forms.ValidationError(
                _("The token can contain only letters, digits and punctuation, without spaces.")
            )
        return token

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("webhook_url_token") and data.get("clear_webhook_url_token"):
            raise forms.ValidationError(
                _("Either type a new webhook token or remove the current one, not both.")
            )
        if not self.errors and not self.changes():
            raise forms.ValidationError(self.nothing_changed)
        return data

    def changes(self) -> dict[str, str | int]:
        """The changed settings by wire name, for setSettings."""
        data = self.cleaned_data
        changed = set(self.changed_data)
        body: dict[str, str | int] = {}
        if "webhook_url" in changed:
            body["webhookUrl"] = data["webhook_url"] or ""
        delay = data.get("delay_send_messages_milliseconds")
        if "delay_send_messages_milliseconds" in changed and delay is not None:
            body["delaySendMessagesMilliseconds"] = delay
        for attr, wire in FLAG_WIRE_NAMES.items():
            if attr in changed:
                body[wire] = "yes" if data[attr] else "no"
        return body | self.token_change()

    def token_change(self) -> dict[str, str]:
        """The webhook token's change: a new one, "" to remove it, or nothing to keep it."""
        data = self.cleaned_data
        if data.get("webhook_url_token"):
            return {"webhookUrlToken": data["webhook_url_token"]}
        if data.get("clear_webhook_url_token"):
            return {"webhookUrlToken": ""}
        return {}


class DeleteConfirmForm(forms.Form):
    confirm_id = forms.CharField(
        max_length=40,
        label=_("Type the instance id to confirm"),
        error_messages={"required": _("Type the instance id to confirm.")},
    )

    skip_unreachable_logout = forms.BooleanField(
        required=False,
        label=_(
            "If the phone cannot be logged out (for example the instance has expired), delete "
            "anyway: I will ask the customer to remove it under WhatsApp → Linked devices."
        ),
    )

    def __init__(self, *args: Any, instance: Instance, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance = instance

    def clean_confirm_id(self) -> str:
        typed: str = self.cleaned_data["confirm_id"]
        if typed != str(self.instance.pk):
            raise forms.ValidationError(
                gettext("That is not this instance's id. Type %(id)s exactly as shown.")
                % {"id": self.instance.pk}
            )
        return typed


class TokenRevealForm(forms.Form):
    password = forms.CharField(
        max_length=1024,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        label=_("Your password"),
        error_messages={
            "required": _("Type your password to see the token."),
            "max_length": _("That is not your password (it is too long)."),
        },
    )
