"""/api/v1/events: event endpoints (signed lifecycle events out) and their deliveries.

The same services as the pages (events/services.py): the permission matrix (MANAGE_EVENTS),
tenancy (another reseller's endpoint is a 404 like a missing one) and the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field

from accounts.models import Reseller
from api.auth import TokenAuth
from api.models import Scope
from api.problems import Problem, answers
from core.errors import ApplicationError
from events import services
from events.models import KIND_CHOICES, Endpoint, EventDelivery
from events.selectors import (
    delivery_log,
    endpoints_of,
    get_delivery_for_user_or_404,
    get_endpoint_for_user_or_404,
)

router = Router(tags=["Events"])
AUTH = TokenAuth(Scope.EVENTS_MANAGE)
Kind = Literal[tuple(kind for kind, _label in KIND_CHOICES)]  # type: ignore[valid-type]


class EndpointIn(Schema):
    url: str = Field(
        max_length=2000,
        description="Where events are POSTed: https, and a public address (checked after DNS).",
        examples=["https://crm.example.com/hooks/green"],
    )
    kinds: list[Kind] = Field(min_length=1, examples=[["instance.linked", "instance.logged_out"]])  # type: ignore[valid-type]
    description: str = Field("", max_length=200)
    reseller_id: int | None = Field(
        None,
        ge=1,
        description="Staff only: whose instances' events (null: every instance, the partner's "
        "own endpoint). A reseller user's endpoint is always its reseller's.",
    )


class EndpointOut(Schema):
    id: int
    url: str
    description: str
    kinds: list[str]
    reseller_id: int | None = Field(description="null: the partner's, for every instance.")
    enabled: bool
    disabled_reason: str
    previous_secret_until: datetime | None = Field(
        description="While set and in the future, the previous secret signs beside the new one."
    )
    created_at: datetime

    @staticmethod
    def of(endpoint: Endpoint) -> EndpointOut:
        return EndpointOut(
            id=endpoint.pk,
            url=endpoint.url,
            description=endpoint.description,
            kinds=list(endpoint.kinds),
            reseller_id=endpoint.reseller_id,
            enabled=endpoint.enabled,
            disabled_reason=endpoint.disabled_reason,
            previous_secret_until=endpoint.previous_secret_until,
            created_at=endpoint.created_at,
        )


class EndpointWithSecret(Schema):
    endpoint: EndpointOut
    secret: str = Field(
        description="The signing secret (Standard Webhooks, whsec_...): returned only here, once.",
        examples=["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
    )


class DeliveryOut(Schema):
    id: int
    event_id: str = Field(description="The webhook-id header: the same on every try.")
    kind: str
    instance_id: int | None
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    latency_ms: int | None
    last_error: str
    delivered_at: datetime | None
    created_at: datetime
    body: str = Field(description="The JSON body as sent and signed.")

    @staticmethod
    def of(delivery: EventDelivery) -> DeliveryOut:
        pending = delivery.status == EventDelivery.Status.PENDING
        return DeliveryOut(
            id=delivery.pk,
            event_id=delivery.event_id,
            kind=delivery.kind,
            instance_id=delivery.id_instance,
            status=delivery.status,  # type: ignore[arg-type]
            attempts=delivery.attempts,
            next_attempt_at=delivery.next_attempt_at if pending else None,
            last_status_code=delivery.last_status_code,
            latency_ms=delivery.latency_ms,
            last_error=delivery.last_error,
            delivered_at=delivery.delivered_at,
            created_at=delivery.created_at,
            body=delivery.body,
        )


@router.get(
    "/endpoints",
    response=answers(list[EndpointOut]),
    auth=AUTH,
    summary="List event endpoints",
    operation_id="events_endpoints_list",
)
def list_endpoints(request: HttpRequest) -> list[EndpointOut]:
    return [EndpointOut.of(endpoint) for endpoint in endpoints_of(user=request.user)]


@router.post(
    "/endpoints",
    response=answers(EndpointWithSecret, 404, 422, status=201),
    auth=AUTH,
    summary="Register an event endpoint (its secret is returned once)",
    operation_id="events_endpoints_create",
)
def create_endpoint(request: HttpRequest, body: EndpointIn) -> Status[EndpointWithSecret]:
    reseller = None
    if body.reseller_id is not None:
        reseller = Reseller.objects.filter(pk=body.reseller_id, is_active=True).first()
        if reseller is None:
            raise Problem(422, "validation", "No such reseller.")
    try:
        created = services.endpoint_create(
            user=request.user,
            url=body.url,
            kinds=list(body.kinds),
            description=body.description,
            reseller=reseller,
            request=request,
        )
    except ApplicationError as refused:
        raise Problem(422, "validation", refused.message) from None
    return Status(
        201, EndpointWithSecret(endpoint=EndpointOut.of(created.endpoint), secret=created.secret)
    )


@router.get(
    "/endpoints/{int:endpoint_id}",
    response=answers(EndpointOut, 404),
    auth=AUTH,
    summary="Get one event endpoint",
    operation_id="events_endpoints_get",
)
def get_endpoint(request: HttpRequest, endpoint_id: int) -> EndpointOut:
    return EndpointOut.of(get_endpoint_for_user_or_404(request.user, endpoint_id))


@router.delete(
    "/endpoints/{int:endpoint_id}",
    response=answers(None, 404, status=204),
    auth=AUTH,
    summary="Delete an event endpoint and its delivery log",
    operation_id="events_endpoints_delete",
)
def delete_endpoint(request: HttpRequest, endpoint_id: int) -> Status[None]:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    services.endpoint_delete(user=request.user, endpoint=endpoint, request=request)
    return Status(204, None)


@router.post(
    "/endpoints/{int:endpoint_id}/rotate",
    response=answers(EndpointWithSecret, 404),
    auth=AUTH,
    summary="Rotate the signing secret (the old one signs too for a grace period)",
    operation_id="events_endpoints_rotate",
)
def rotate_secret(request: HttpRequest, endpoint_id: int) -> EndpointWithSecret:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    rotated = services.endpoint_rotate(user=request.user, endpoint=endpoint, request=request)
    return EndpointWithSecret(endpoint=EndpointOut.of(rotated.endpoint), secret=rotated.secret)


@router.post(
    "/endpoints/{int:endpoint_id}/test",
    response=answers(DeliveryOut, 404, status=202),
    auth=AUTH,
    summary="Send a test event (type event.test); the worker delivers it within seconds",
    operation_id="events_endpoints_test",
)
def send_test(request: HttpRequest, endpoint_id: int) -> Status[DeliveryOut]:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    delivery = services.endpoint_send_test(user=request.user, endpoint=endpoint, request=request)
    return Status(202, DeliveryOut.of(delivery))


@router.get(
    "/endpoints/{int:endpoint_id}/deliveries",
    response=answers(list[DeliveryOut], 404),
    auth=AUTH,
    summary="The endpoint's latest deliveries, newest first",
    operation_id="events_deliveries_list",
)
def list_deliveries(request: HttpRequest, endpoint_id: int) -> list[DeliveryOut]:
    endpoint = get_endpoint_for_user_or_404(request.user, endpoint_id)
    return [DeliveryOut.of(delivery) for delivery in delivery_log(endpoint=endpoint)]


@router.post(
    "/deliveries/{int:delivery_id}/redeliver",
    response=answers(DeliveryOut, 404, status=202),
    auth=AUTH,
    summary="Send an event again (same body and webhook-id)",
    operation_id="events_deliveries_redeliver",
)
def redeliver(request: HttpRequest, delivery_id: int) -> Status[DeliveryOut]:
    delivery = get_delivery_for_user_or_404(request.user, delivery_id)
    again = services.delivery_redeliver(user=request.user, delivery=delivery, request=request)
    return Status(202, DeliveryOut.of(again))
