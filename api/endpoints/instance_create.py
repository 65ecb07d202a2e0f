"""POST /api/v1/instances (create, exactly once per Idempotency-Key) and its orders.

The body goes through the create form (instances/forms.py), so the API accepts exactly what
the page accepts and picks the reseller by the same rules; the form's order key is derived
from the caller's Idempotency-Key (api/idempotency.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, get_args

from django.http import HttpRequest, HttpResponse
from django.utils import translation
from ninja import Schema
from pydantic import ConfigDict, Field

from accounts.models import User
from accounts.permissions import Action, require
from api import idempotency
from api.auth import TokenAuth
from api.endpoints.instances import router
from api.idempotency import Answer
from api.models import Scope
from api.problems import PROBLEM_CONTENT_TYPE, Problem, answers, problem_response
from api.schemas import InstanceOut
from instances import selectors
from instances.detail_forms import DELAY_MAX_MS, DELAY_MIN_MS
from instances.forms import FLAG_LABELS, InstanceCreateForm
from instances.models import CreateOrder, Instance
from instances.services.create import instance_create, order_settle

# The yes/no settings of createInstance and of the settings call, by our (snake_case) names.
Flag = Literal[
    "state_webhook",
    "incoming_webhook",
    "outgoing_webhook",
    "outgoing_message_webhook",
    "outgoing_api_message_webhook",
    "incoming_call_webhook",
    "poll_message_webhook",
    "edited_message_webhook",
    "deleted_message_webhook",
    "device_webhook",
    "incoming_block_webhook",
    "mark_incoming_messages_readed",
    "mark_incoming_messages_readed_on_reply",
    "keep_online_status",
]
assert set(get_args(Flag)) == set(FLAG_LABELS), "Flag must name every createInstance flag"
FLAG_DEFAULTS = {flag: default for flag, (_label, default) in FLAG_LABELS.items()}

# API field -> create form field, where they differ.
_FORM_FIELDS = {"reseller": "reseller_id"}


def caller(request: HttpRequest) -> User:
    """The token's user (api/auth.py put it on the request)."""
    user = request.user
    assert isinstance(user, User)
    return user


class InstanceCreateIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(
        min_length=1,
        max_length=100,
        description="Shown in the portal and the Green API console.",
        examples=["Bakery bot"],
    )
    messenger: Literal[tuple(Instance.Type.values)] = "whatsapp"  # type: ignore[valid-type]
    reseller_id: int | None = Field(
        None,
        ge=1,
        description=(
            "Staff: the reseller to create for (required for support agents; an admin may "
            "leave it out for an unassigned instance). A reseller's token always creates for "
            "its own reseller: leave it out or give that reseller's id."
        ),
    )
    webhook_url: str = Field(
        "",
        max_length=500,
        description="Where Green API sends notifications; empty: the portal's own, or none.",
        examples=["https://hooks.example.com/green"],
    )
    webhook_url_token: str = Field(
        "",
        max_length=200,
        description="Sent back to your webhook as 'Authorization: Bearer <token>'.",
        json_schema_extra={"writeOnly": True},
    )
    delay_send_messages_milliseconds: int | None = Field(
        None, ge=DELAY_MIN_MS, le=DELAY_MAX_MS, description="Empty: Green API's default."
    )
    flags: dict[Flag, bool] = Field(
        default_factory=dict,
        description=(
            "Yes/no settings; those left out take the create form's defaults: "
            + ", ".join(f"{flag}={str(on).lower()}" for flag, on in FLAG_DEFAULTS.items())
            + "."
        ),
        examples=[{"incoming_call_webhook": True, "keep_online_status": False}],
    )

    def canonical(self) -> dict[str, Any]:
        """The body with every default filled in: what the idempotency hash is taken of."""
        body = self.model_dump(mode="json")
        body["flags"] = FLAG_DEFAULTS | self.flags
        return body


class OrderOut(Schema):
    """A create order: `done` with its instance, `failed`, or still open (`claimed`: the call to
    Green API is under way; `pending`: its answer was lost and the portal is finding out, by
    listing instances, whether it was made; it never sends a second create)."""

    id: int = Field(examples=[42])
    status: Literal[tuple(CreateOrder.Status.values)] = Field(  # type: ignore[valid-type]
        examples=["pending"]
    )
    reason: str = Field(
        description="Why it is pending or failed: " + ", ".join(CreateOrder.Reason.values[1:]),
        examples=["unanswered"],
    )
    message: str = Field(
        examples=["Green API did not answer in time."], description="Empty when done."
    )
    name: str = Field(examples=["Bakery bot"])
    messenger: str = Field(examples=["whatsapp"])
    reseller_id: int | None
    instance_id: int | None = Field(description="The instance, once done.")
    created_at: datetime
    settled_at: datetime | None

    @staticmethod
    def of(order: CreateOrder) -> OrderOut:
        return OrderOut(
            id=order.pk,
            status=order.status,
            reason=order.reason,
            message=order.message,
            name=order.name,
            messenger=order.type_instance,
            reseller_id=order.reseller_id,
            instance_id=order.instance_id,
            created_at=order.created_at,
            settled_at=order.settled_at,
        )


class InstanceCreated(InstanceOut):
    order: OrderOut


KEY_PARAMETER = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": True,
    "description": (
        "Your unique key for this create (a UUID, say): 1 to 255 visible ASCII characters. "
        "Sending it again with the same body returns the first answer and never creates a "
        "second instance; with another body it is refused (422 idempotency-key-reused). Keys "
        "are per user."
    ),
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_LENGTH},
    "example": "5b0c3e4e-2f43-4d0c-a3a4-0c8e9a1f7d21",
}


@router.post(
    "",
    response=answers(InstanceCreated, 400, 409, 422, 502, status=201) | {202: OrderOut},
    auth=TokenAuth(Scope.INSTANCES_WRITE),
    summary="Create an instance",
    operation_id="instances_create",
    description=(
        "Creates one Green API instance, exactly as the create page does: for the reseller of "
        "a reseller's token (within its quota), or for the reseller a staff token names. "
        "Exactly one createInstance per `Idempotency-Key`, whatever the retries and "
        "concurrency.\n\n"
        "- **201**: created; the instance, with its order. Link a phone next (onboarding).\n"
        "- **202**: Green API's answer was lost; the order is `pending` until the portal sees "
        "the instance in Green API's list (or gives up, and nothing is billed). Follow "
        "`Location` (GET /instances/orders/{id}); a retry with the same key says the same.\n"
        "- **502** `order-failed`: Green API refused; nothing was created. A new key is needed "
        "to try again.\n"
        "- **409** `conflict`: the reseller's quota is full (nothing was sent to Green API)."
    ),
    openapi_extra={"parameters": [KEY_PARAMETER]},
)
def create_instance(request: HttpRequest, body: InstanceCreateIn) -> HttpResponse:
    with translation.override("en"):
        return _create(request, body)


def _create(request: HttpRequest, body: InstanceCreateIn) -> HttpResponse:
    user = caller(request)
    require(user, Action.CREATE_INSTANCE)
    key = request.headers.get(idempotency.HEADER, "")
    if not key:
        raise Problem(
            400,
            "idempotency-key-required",
            "Send an Idempotency-Key header: a unique key (a UUID, say) for this create.",
        )
    if not idempotency.key_is_valid(key):
        raise Problem(
            422,
            "validation",
            "Some values are not valid.",
            errors=[
                {
                    "location": f"header.{idempotency.HEADER}",
                    "message": "1 to 255 visible ASCII characters.",
                }
            ],
        )
    digest = idempotency.body_hash(body.canonical())
    row = idempotency.key_find(user=user, key=key)
    if row is not None:
        _same_body(row.body_hash, digest)
        if (kept := idempotency.stored_answer(row)) is not None:
            return kept.response()
    form = _form(user, body, idempotency.order_key(user, key))
    row = idempotency.key_claim(user=user, key=key, digest=digest)
    _same_body(row.body_hash, digest)  # a concurrent call may have claimed it with another
    order = instance_create(
        user=user,
        key=form.cleaned_data["key"],
        reseller=form.chosen_reseller(),
        params=form.to_params(),
        request=request,
    )
    idempotency.order_link(row, order)
    order = idempotency.order_wait(order)
    if order.status == CreateOrder.Status.PENDING:
        order = order_settle(order, request=request)
    answer = _answer(request, order)
    if answer.status == 202:
        return answer.response()
    return idempotency.answer_keep(row, answer, order).response()


def _same_body(stored: str, digest: str) -> None:
    if stored != digest:
        raise Problem(
            422,
            "idempotency-key-reused",
            "This Idempotency-Key was sent before with another body. Use a new key for a "
            "new create.",
        )


def _form(user: User, body: InstanceCreateIn, key: object) -> InstanceCreateForm:
    """The create form bound to the body: its rules (reseller choice, name) decide, or 422."""
    errors: list[dict[str, str]] = []
    if user.role == User.Role.RESELLER and body.reseller_id not in {None, user.reseller_id}:
        errors.append(
            {"location": "body.reseller_id", "message": "A reseller creates for itself only."}
        )
    flags = FLAG_DEFAULTS | body.flags
    data = {
        "key": str(key),
        "name": body.name,
        "messenger": body.messenger,
        "reseller": "" if body.reseller_id is None else str(body.reseller_id),
        "webhook_url": body.webhook_url,
        "webhook_url_token": body.webhook_url_token,
        "delay_send_messages_milliseconds": (
            ""
            if body.delay_send_messages_milliseconds is None
            else str(body.delay_send_messages_milliseconds)
        ),
    } | {flag: "on" for flag, on in flags.items() if on}
    form = InstanceCreateForm(data, user=user)
    if not form.is_valid():
        for field, messages in form.errors.items():
            where = "body" if field == "__all__" else f"body.{_FORM_FIELDS.get(field, field)}"
            errors += [{"location": where, "message": str(message)} for message in messages]
    if errors:
        raise Problem(422, "validation", "Some values are not valid.", errors=errors)
    return form


def _answer(request: HttpRequest, order: CreateOrder) -> Answer:
    if order.status == CreateOrder.Status.DONE and order.instance_id is not None:
        instance = Instance.objects.select_related("reseller").get(pk=order.instance_id)
        created = InstanceCreated(**InstanceOut.of(instance).model_dump(), order=OrderOut.of(order))
        return Answer(
            201,
            created.model_dump_json(),
            "application/json",
            f"/api/v1/instances/{instance.pk}",
        )
    if order.status == CreateOrder.Status.FAILED:
        response = problem_response(
            request,
            Problem(
                502,
                "order-failed",
                order.message or "Green API did not create the instance.",
                order=OrderOut.of(order).model_dump(mode="json"),
            ),
        )
        return Answer(502, response.content.decode(), PROBLEM_CONTENT_TYPE)
    return Answer(
        202,
        OrderOut.of(order).model_dump_json(),
        "application/json",
        f"/api/v1/instances/orders/{order.pk}",
    )


@router.get(
    "/orders/{int:order_id}",
    response=answers(OrderOut, 404),
    auth=TokenAuth(Scope.INSTANCES_READ),
    summary="Get a create order",
    operation_id="instances_order_get",
    description=(
        "A create order, as the order page shows it: a pending one is settled first when "
        "Green API's list can tell. Another reseller's order is a 404 like a missing one."
    ),
)
def get_order(request: HttpRequest, order_id: int) -> OrderOut:
    with translation.override("en"):
        order = selectors.order_for_user_or_404(user=caller(request), pk=order_id)
        return OrderOut.of(order_settle(order, request=request))
