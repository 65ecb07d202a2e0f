"""/api/v1/instances/{id}: delete, reboot, log out, settings and the token, as the pages do.

Each operation takes the instance through the tenancy selector (another tenant's is a 404
like a missing one), asks the permission matrix (a role without the right gets 403) and calls
the page's service with the request, so the audit trail reads the same.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import Query, Schema, Status
from pydantic import ConfigDict, Field

from accounts.permissions import Action, require
from api.auth import TokenAuth
from api.endpoints.instance_create import FLAG_DEFAULTS, Flag, caller
from api.endpoints.instances import router
from api.models import Scope
from api.problems import Problem, answers
from api.schemas import InstanceOut
from core.errors import ApplicationError
from instances.detail_forms import (
    DELAY_MAX_MS,
    DELAY_MIN_MS,
    FLAG_WIRE_NAMES,
    TOKEN_MAX_LENGTH,
    InstanceSettingsForm,
)
from instances.models import Instance
from instances.selectors import get_instance_for_user_or_404
from instances.services.actions import instance_logout, instance_reboot
from instances.services.delete import instance_delete
from instances.services.errors import deleted_message
from instances.services.settings import instance_settings_read, instance_settings_save
from instances.services.token import instance_token_reveal_by_api

ID = "/{int:id_instance}"


def _instance(request: HttpRequest, id_instance: int, action: Action) -> Instance:
    """The instance if the token's user sees it (else 404) and may do `action` (else 403)."""
    user = caller(request)
    instance = get_instance_for_user_or_404(user, id_instance)
    require(user, action, instance)
    return instance


def _refuse_if_deleted(instance: Instance, doing: str) -> None:
    # The pages answer a deleted instance's action URLs with a 409 and this sentence.
    if instance.deleted:
        raise ApplicationError(deleted_message(instance, doing=doing))


class DeleteQuery(Schema):
    skip_unreachable_logout: bool = Field(
        False,
        description=(
            "When the phone cannot be logged out first (an expired instance answers nothing), "
            "delete anyway; the customer must then remove it under WhatsApp → Linked devices. "
            "Without it, such a delete fails with 409 and nothing is deleted."
        ),
    )


@router.delete(
    ID,
    response=answers(None, 404, 409, status=204),
    auth=TokenAuth(Scope.INSTANCES_DELETE),
    summary="Delete an instance",
    operation_id="instances_delete",
    description=(
        "As the delete page: a linked phone is logged out first (a failed logout stops the "
        "delete), then deleteInstanceAccount is sent once; the instance stays listed, marked "
        "deleted. Deleting a deleted instance again answers 204 too. A failure is a 409 "
        "`conflict` whose `detail` says what happened and what to do."
    ),
)
def delete_instance(
    request: HttpRequest, id_instance: int, query: Query[DeleteQuery]
) -> Status[None]:
    with translation.override("en"):
        instance = _instance(request, id_instance, Action.DELETE_INSTANCE)
        instance_delete(
            instance=instance,
            user=caller(request),
            request=request,
            skip_unreachable_logout=query.skip_unreachable_logout,
        )
    return Status(204, None)


def _act(
    request: HttpRequest, id_instance: int, service: Callable[..., None], doing: str
) -> InstanceOut:
    with translation.override("en"):
        instance = _instance(request, id_instance, Action.REBOOT_LOGOUT)
        _refuse_if_deleted(instance, doing)
        service(instance=instance, user=caller(request), request=request)
        instance.refresh_from_db()
        return InstanceOut.of(instance)


@router.post(
    ID + "/reboot",
    response=answers(InstanceOut, 404, 409),
    auth=TokenAuth(Scope.INSTANCES_WRITE),
    summary="Reboot an instance",
    operation_id="instances_reboot",
    description=(
        "Restarts the instance; it shows `starting` for up to 5 minutes and the linked phone "
        "stays linked. Answers the instance as the portal now knows it. Green API's refusal "
        "or silence is a 409 `conflict` saying what to do."
    ),
)
def reboot_instance(request: HttpRequest, id_instance: int) -> InstanceOut:
    return _act(request, id_instance, instance_reboot, "reboot the instance")


@router.post(
    ID + "/logout",
    response=answers(InstanceOut, 404, 409),
    auth=TokenAuth(Scope.INSTANCES_WRITE),
    summary="Log the phone out of an instance",
    operation_id="instances_logout",
    description=(
        "Unlinks the phone: to use the instance again someone must scan a new QR code or type "
        "a pairing code. Answers the instance (state `notAuthorized`). Green API's refusal or "
        "silence is a 409 `conflict` saying what to do."
    ),
)
def logout_instance(request: HttpRequest, id_instance: int) -> InstanceOut:
    return _act(request, id_instance, instance_logout, "log the instance out")


class SettingsOut(Schema):
    """The writable settings as Green API has them now (getSettings). The webhook token is a
    secret: only whether one is set."""

    webhook_url: str = Field(examples=["https://hooks.example.com/green"])
    webhook_url_token_set: bool
    delay_send_messages_milliseconds: int | None = Field(examples=[3000])
    flags: dict[Flag, bool] = Field(examples=[FLAG_DEFAULTS])


class SettingsChange(Schema):
    """The settings to change; what is left out stays as it is. Every change restarts the
    instance at Green API, so send only what changes."""

    model_config = ConfigDict(extra="forbid")

    webhook_url: str | None = Field(
        None,
        max_length=500,
        description="http(s) URL; empty or null: no webhook.",
        examples=["https://hooks.example.com/green"],
    )
    webhook_url_token: str | None = Field(
        None,
        max_length=TOKEN_MAX_LENGTH,
        description="A new webhook token (visible ASCII); empty or null removes it.",
        json_schema_extra={"writeOnly": True},
    )
    delay_send_messages_milliseconds: int | None = Field(
        None, ge=DELAY_MIN_MS, le=DELAY_MAX_MS, examples=[3000]
    )
    flags: dict[Flag, bool] = Field(
        default_factory=dict, examples=[{"incoming_call_webhook": True}]
    )


@router.get(
    ID + "/settings",
    response=answers(SettingsOut, 404, 409),
    auth=TokenAuth(Scope.INSTANCES_READ),
    summary="Read an instance's settings",
    operation_id="instances_settings_get",
    description=(
        "Asks Green API (getSettings), as the settings page does; for the roles that may "
        "change settings. Green API's refusal or silence is a 409 `conflict`."
    ),
)
def get_settings(request: HttpRequest, id_instance: int) -> SettingsOut:
    with translation.override("en"):
        instance = _instance(request, id_instance, Action.EDIT_SETTINGS)
        _refuse_if_deleted(instance, "read the settings")
        current = instance_settings_read(instance=instance)
    return SettingsOut(
        webhook_url=current.webhook_url,
        webhook_url_token_set=bool(current.webhook_url_token),
        delay_send_messages_milliseconds=current.delay_send_messages_milliseconds,
        flags={flag: getattr(current, flag) == "yes" for flag in FLAG_WIRE_NAMES},  # type: ignore[misc]
    )


@router.patch(
    ID + "/settings",
    response=answers(None, 404, 409, 422, status=204),
    auth=TokenAuth(Scope.INSTANCES_WRITE),
    summary="Change an instance's settings",
    operation_id="instances_settings_change",
    description=(
        "Sends the given settings once (setSettings), checked as the settings form checks "
        "them; a bad value is a 422 naming the field. Green API restarts the instance to "
        "apply them: it shows `starting` for a moment, and they can take up to 5 minutes to "
        "take effect. Green API's refusal or silence is a 409 `conflict`; nothing is retried."
    ),
)
def change_settings(request: HttpRequest, id_instance: int, body: SettingsChange) -> Status[None]:
    with translation.override("en"):
        instance = _instance(request, id_instance, Action.EDIT_SETTINGS)
        changes = _changes(body)
        _refuse_if_deleted(instance, "change the settings")
        instance_settings_save(
            instance=instance, user=caller(request), changes=changes, request=request
        )
    return Status(204, None)


def _changes(body: SettingsChange) -> dict[str, str | int]:
    """The body as setSettings' changes (wire names), or a 422 with the settings form's
    messages per field."""
    given = body.model_fields_set
    data: dict[str, str] = {}
    if "webhook_url" in given:
        data["webhook_url"] = body.webhook_url or ""
    if "webhook_url_token" in given:
        data["webhook_url_token"] = body.webhook_url_token or ""
    form = InstanceSettingsForm(data)
    form.is_valid()
    errors = [
        {"location": f"body.{field}", "message": str(message)}
        for field in data
        for message in form.errors.get(field, [])
    ]
    if (
        "delay_send_messages_milliseconds" in given
        and body.delay_send_messages_milliseconds is None
    ):
        errors.append(
            {
                "location": "body.delay_send_messages_milliseconds",
                "message": f"A number of milliseconds from {DELAY_MIN_MS} to {DELAY_MAX_MS}.",
            }
        )
    if errors:
        raise Problem(422, "validation", "Some values are not valid.", errors=errors)
    changes: dict[str, str | int] = {}
    if "webhook_url" in data:
        changes["webhookUrl"] = form.cleaned_data["webhook_url"] or ""
    if "webhook_url_token" in data:
        changes["webhookUrlToken"] = form.cleaned_data["webhook_url_token"] or ""
    if body.delay_send_messages_milliseconds is not None:
        changes["delaySendMessagesMilliseconds"] = body.delay_send_messages_milliseconds
    for flag, on in body.flags.items():
        changes[FLAG_WIRE_NAMES[flag]] = "yes" if on else "no"
    if not changes:
        raise Problem(
            422,
            "validation",
            str(InstanceSettingsForm.nothing_changed),
            errors=[{"location": "body", "message": "Give at least one setting to change."}],
        )
    return changes


class TokenOut(Schema):
    id: int = Field(examples=[1101000001])
    api_token: str = Field(
        description="The instance's apiTokenInstance: it opens the instance at Green API."
    )


@router.get(
    ID + "/token",
    response=answers(TokenOut, 404, 409),
    auth=TokenAuth(Scope.INSTANCES_REVEAL),
    summary="Reveal an instance's Green API token",
    operation_id="instances_token_reveal",
    description=(
        "The instance's own Green API token (apiTokenInstance), for roles that may reveal it "
        "on the instance page (admins, and a reseller's users for its own instances). Every "
        "call is audited as the page's reveal; the answer is never cached "
        "(Cache-Control: no-store). No other answer of this API contains it."
    ),
)
def reveal_token(request: HttpRequest, id_instance: int, response: HttpResponse) -> TokenOut:
    response["Cache-Control"] = "no-store"
    with translation.override("en"):
        instance = _instance(request, id_instance, Action.REVEAL_TOKEN)
        token = instance_token_reveal_by_api(
            instance=instance, user=caller(request), request=request
        )
    return TokenOut(id=instance.pk, api_token=token)
