"""Forms for instance pages. No side effects here: services call Green API."""

from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.conf import settings

from accounts.models import Reseller, User
from core.forms import PortalForm
from greenapi import CreateInstanceParams
from greenapi.params import DELAY_MAX_MS, DELAY_MIN_MS, FLAG_WIRE_NAMES
from instances.models import Instance
from instances.quota import quota_text, with_quota_use

# The yes/no settings of createInstance, with their labels and the defaults a new customer
# usually wants: messages and state changes reach the webhook, nothing else is switched on.
FLAG_LABELS: dict[str, tuple[str, bool]] = {
    "state_webhook": ("State changes (linked, logged out, blocked)", True),
    "incoming_webhook": ("Incoming messages and files", True),
    "outgoing_webhook": ("Statuses of sent messages", True),
    "outgoing_message_webhook": ("Messages sent from the phone", True),
    "outgoing_api_message_webhook": ("Messages sent through the API", True),
    "incoming_call_webhook": ("Incoming calls", False),
    "poll_message_webhook": ("Polls and votes", False),
    "edited_message_webhook": ("Edited messages", False),
    "deleted_message_webhook": ("Deleted messages", False),
    "device_webhook": ("Device and battery (not working upstream at present)", False),
    "incoming_block_webhook": ("Chat blocked (not working upstream at present)", False),
    "mark_incoming_messages_readed": ("Mark incoming messages as read", False),
    "mark_incoming_messages_readed_on_reply": ("Mark messages read when replying", False),
    "keep_online_status": ("Keep the account online (the phone gets no sounds)", False),
}
assert set(FLAG_LABELS) == set(FLAG_WIRE_NAMES), "every createInstance flag needs a label"


def reseller_choices_for(user: User) -> Any:
    """The resellers `user` may create for: staff pick any active one, resellers only their own."""
    return Reseller.objects.visible_to(user).filter(is_active=True)


class QuotaChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A reseller to create for, each labelled with its quota use (`with_quota_use` rows)."""

    def label_from_instance(self, obj: Reseller) -> str:
        return f"{obj} ({quota_text(obj)})"


class InstanceCreateForm(PortalForm):
    # Generated when the form is rendered; the service claims it before paying for a create.
    key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={
            "required": "This form was damaged in transit. Check the values and submit it again.",
            "invalid": "This form was damaged in transit. Check the values and submit it again.",
        },
    )
    name = forms.CharField(
        max_length=100, help_text="Shown in the portal and the Green API console."
    )
    messenger = forms.ChoiceField(choices=Instance.Type.choices, initial=Instance.Type.WHATSAPP)
    reseller = QuotaChoiceField(queryset=Reseller.objects.none(), required=False)
    webhook_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label="Webhook URL",
        help_text="Where Green API sends notifications. Leave empty to set it later.",
    )
    webhook_url_token = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        label="Webhook authorization token",
        help_text="Sent back to your webhook as 'Authorization: Bearer <token>'.",
    )
    delay_send_messages_milliseconds = forms.IntegerField(
        required=False,
        min_value=DELAY_MIN_MS,
        max_value=DELAY_MAX_MS,
        label="Delay between sent messages (ms)",
        help_text=f"{DELAY_MIN_MS} to {DELAY_MAX_MS}. Empty: Green API's default.",
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if settings.PUBLIC_BASE_URL:
            self.fields["webhook_url"].help_text = (
                "Where Green API sends notifications. Leave empty and the portal receives them "
                "(it keeps only state changes) until you set your own."
            )
        for attr, (label, default) in FLAG_LABELS.items():
            self.fields[attr] = forms.BooleanField(required=False, initial=default, label=label)
        reseller_field = self.fields["reseller"]
        assert isinstance(reseller_field, forms.ModelChoiceField)
        # Each choice says how much of its quota is used: the service refuses a full one.
        reseller_field.queryset = with_quota_use(reseller_choices_for(user)).order_by("name")
        if user.role == User.Role.RESELLER:
            # A reseller user always creates for their own reseller: no choice to make.
            del self.fields["reseller"]
        elif user.role == User.Role.SUPPORT:
            reseller_field.required = True
        else:
            reseller_field.empty_label = "Unassigned (partner staff only)"

    def own_quota(self) -> str:
        """A reseller user's quota use, for the page; "" for staff (their choices say it)."""
        if self.user.role != User.Role.RESELLER or self.user.reseller_id is None:
            return ""
        reseller = with_quota_use(Reseller.objects.filter(pk=self.user.reseller_id)).get()
        return quota_text(reseller)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if any(ord(ch) < 32 for ch in name):
            raise forms.ValidationError("The name cannot contain control characters.")
        return name

    @property
    def key_value(self) -> str:
        """The order key to render: the submitted one if valid, else a fresh one."""
        if self.is_bound and "key" not in self.errors and self.data.get("key"):
            return str(self.data["key"])
        if not self.is_bound and self.initial.get("key"):
            return str(self.initial["key"])
        return str(uuid.uuid4())

    @property
    def flag_fields(self) -> list[forms.BoundField]:
        return [self[attr] for attr in FLAG_LABELS]

    def chosen_reseller(self) -> Reseller | None:
        if self.user.role == User.Role.RESELLER:
            return self.user.reseller
        return self.cleaned_data.get("reseller")

    def to_params(self) -> CreateInstanceParams:
        data = self.cleaned_data
        return CreateInstanceParams(
            name=data["name"],
            type_instance=data["messenger"],
            webhook_url=data["webhook_url"] or None,
            webhook_url_token=data["webhook_url_token"] or None,
            delay_send_messages_milliseconds=data["delay_send_messages_milliseconds"],
            **{attr: bool(data.get(attr)) for attr in FLAG_LABELS},
        )
