"""Forms for instance pages. No side effects here: services call Green API."""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django import forms
from django.conf import settings
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from accounts.models import Reseller, User
from core.forms import PortalForm
from greenapi import CreateInstanceParams
from greenapi.params import DELAY_MAX_MS, DELAY_MIN_MS, FLAG_WIRE_NAMES
from instances.models import Instance
from instances.quota import quota_text, with_quota_use

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

# The yes/no settings of createInstance, with their labels and the defaults a new customer
# usually wants: messages and state changes reach the webhook, nothing else is switched on.
FLAG_LABELS: dict[str, tuple[str | _StrPromise, bool]] = {
    "state_webhook": (_("State changes (linked, logged out, blocked)"), True),
    "incoming_webhook": (_("Incoming messages and files"), True),
    "outgoing_webhook": (_("Statuses of sent messages"), True),
    "outgoing_message_webhook": (_("Messages sent from the phone"), True),
    "outgoing_api_message_webhook": (_("Messages sent through the API"), True),
    "incoming_call_webhook": (_("Incoming calls"), False),
    "poll_message_webhook": (_("Polls and votes"), False),
    "edited_message_webhook": (_("Edited messages"), False),
    "deleted_message_webhook": (_("Deleted messages"), False),
    "device_webhook": (_("Device and battery (not working upstream at present)"), False),
    "incoming_block_webhook": (_("Chat blocked (not working upstream at present)"), False),
    "mark_incoming_messages_readed": (_("Mark incoming messages as read"), False),
    "mark_incoming_messages_readed_on_reply": (_("Mark messages read when replying"), False),
    "keep_online_status": (_("Keep the account online (the phone gets no sounds)"), False),
}
assert set(FLAG_LABELS) == set(FLAG_WIRE_NAMES), "every createInstance flag needs a label"


def reseller_choices_for(user: User) -> Any:
    """The resellers `user` may create for: staff pick any active one, resellers only their own."""
    return Reseller.objects.visible_to(user).filter(is_active=True)


class QuotaChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A reseller to create for, each labelled with its quota use (`with_quota_use` rows)."""

    def label_from_instance(self, obj: Reseller) -> str:
        return f"{obj} ({quota_text(obj)})"


DAMAGED = _("This form was damaged in transit. Check the values and submit it again.")


class InstanceCreateForm(PortalForm):
    # Generated when the form is rendered; the service claims it before paying for a create.
    key = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": DAMAGED, "invalid": DAMAGED},
    )
    name = forms.CharField(
        max_length=100,
        label=_("Name"),
        help_text=_("Shown in the portal and the Green API console."),
    )
    messenger = forms.ChoiceField(
        choices=Instance.Type.choices, initial=Instance.Type.WHATSAPP, label=_("Messenger")
    )
    reseller = QuotaChoiceField(
        queryset=Reseller.objects.none(), required=False, label=_("Reseller")
    )
    webhook_url = forms.URLField(
        required=False,
        max_length=500,
        assume_scheme="https",
        label=_("Webhook URL"),
        help_text=_("Where Green API sends notifications. Leave empty to set it later."),
    )
    webhook_url_token = forms.CharField(
        required=False,
        max_length=200,
        strip=True,
        widget=forms.PasswordInput(render_value=False),
        label=_("Webhook authorization token"),
        help_text=_("Sent back to your webhook as 'Authorization: Bearer <token>'."),
    )
    delay_send_messages_milliseconds = forms.IntegerField(
        required=False,
        min_value=DELAY_MIN_MS,
        max_value=DELAY_MAX_MS,
        label=_("Delay between sent messages (ms)"),
        help_text=format_lazy(
            _("{low} to {high}. Empty: Green API's default."), low=DELAY_MIN_MS, high=DELAY_MAX_MS
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        if settings.PUBLIC_BASE_URL:
            self.fields["webhook_url"].help_text = _(
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
            reseller_field.empty_label = _("Unassigned (partner staff only)")

    def own_quota(self) -> str:
        """A reseller user's quota use, for the page; "" for staff (their choices say it)."""
        if self.user.role != User.Role.RESELLER or self.user.reseller_id is None:
            return ""
        reseller = with_quota_use(Reseller.objects.filter(pk=self.user.reseller_id)).get()
        return quota_text(reseller)

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"]
        if any(ord(ch) < 32 for ch in name):
            raise forms.ValidationError(_("The name cannot contain control characters."))
        return name

    def clean_webhook_url(self) -> str:
        url: str = self.cleaned_data["webhook_url"]
        # URLField also takes ftp:// and the like, which Green API refuses after the order.
        if url and urlsplit(url).scheme not in {"http", "https"}:
            raise forms.ValidationError(_("The webhook URL must start with https:// or http://."))
        return url

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
