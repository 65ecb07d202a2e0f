"""`/partner/<method>/<partnerToken>`: createInstance, getInstances, deleteInstanceAccount.

Every partner error is HTTP 200 with `{"code": ..., "description": ...}` (docs/greenapi.md §2).
"""

from collections.abc import Iterable, Iterator
from datetime import timedelta

from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox import calls, faults, synthetic, transitions
from sandbox.auth import partner_token_ok
from sandbox.methods import PARTNER_METHODS, lookup
from sandbox.models import EmulatedInstance
from sandbox.responses import (
    NOT_FOUND_TEXT,
    dumps,
    method_not_allowed,
    partner_error,
    text,
    wire_json,
)
from sandbox.state import DELETED_RETENTION, GO_ZERO_TIME, format_time
from sandbox.validation import Invalid, is_int, json_body, json_object, parse_id, validate_create

TARIFF = "PARTNER_23"


@csrf_exempt
def partner_call(request: HttpRequest, method: str, token: str) -> HttpResponse:
    wire_method = lookup(PARTNER_METHODS, method)
    if wire_method is None:
        return text(404, NOT_FOUND_TEXT)
    name = wire_method.name
    # deleteInstanceAccount names its instance in the body: count it and match faults on it.
    id_hint = _body_id(request) if name == "deleteInstanceAccount" else None
    calls.record(name, id_hint)
    if request.method not in wire_method.verbs:
        return method_not_allowed(wire_method.verbs)
    return faults.serve(name, id_hint, lambda: _answer(request, name, token))


def _body_id(request: HttpRequest) -> int | None:
    try:
        body = json_body(request)
    except Invalid:
        return None
    return parse_id(body.get("idInstance")) if isinstance(body, dict) else None


def _answer(request: HttpRequest, method: str, token: str) -> HttpResponse:
    if not partner_token_ok(token):
        return partner_error(401, "Unauthorized")
    if method == "createInstance":
        return _create(request)
    if method == "getInstances":
        return _list()
    return _delete(request)


def _create(request: HttpRequest) -> HttpResponse:
    try:
        settings_values, name, type_instance = validate_create(json_object(request))
    except Invalid as error:
        return partner_error(400, str(error))
    instance = transitions.create_instance(
        settings_values=settings_values, name=name, type_instance=type_instance, now=timezone.now()
    )
    if instance is None:  # the 2022 docs' code for an exhausted pool
        return partner_error(100, "Temporarily no free instances. Try after a while")
    return wire_json(
        {
            "idInstance": instance.id_instance,
            "apiTokenInstance": instance.api_token,
            "typeInstance": instance.type_instance,
        }
    )


def _list() -> HttpResponse:
    cutoff = timezone.now() - DELETED_RETENTION
    rows = EmulatedInstance.objects.filter(Q(deleted_at__isnull=True) | Q(deleted_at__gte=cutoff))
    listing = synthetic.current()
    if not listing.count:
        return wire_json([_listing(instance) for instance in rows])
    # With synthetic instances the answer can be hundreds of MB: streamed, never held.
    real = [dumps(_listing(instance)) for instance in rows]
    return StreamingHttpResponse(
        _array([",".join(real)] if real else [], synthetic.items_json(listing)),
        content_type="application/json",
    )


def _array(*parts: Iterable[str]) -> Iterator[bytes]:
    yield b"["
    first = True
    for part in parts:
        for chunk in part:
            yield chunk.encode() if first else b"," + chunk.encode()
            first = False
    yield b"]"


def _listing(instance: EmulatedInstance) -> dict[str, object]:
    return {
        "idInstance": instance.id_instance,
        "name": instance.name,
        "typeInstance": instance.type_instance,
        "typeAccount": "",
        "partnerUserUiid": "",
        "timeCreated": format_time(instance.created_at),
        "timeDeleted": format_time(instance.deleted_at) if instance.deleted_at else GO_ZERO_TIME,
        "apiTokenInstance": instance.api_token,
        "deleted": instance.deleted_at is not None,
        "tariff": TARIFF,
        "isFree": False,
        "isPartner": True,
        # Partner instances renew daily; upstream samples show creation + 1 day.
        "expirationDate": format_time(instance.created_at + timedelta(days=1)),
        "isExpired": instance.is_expired,
    }


def _delete(request: HttpRequest) -> HttpResponse:
    try:
        body = json_object(request)
    except Invalid as error:
        return partner_error(400, str(error))
    raw_id = body.get("idInstance")
    if not is_int(raw_id):
        return partner_error(400, "idInstance is required and must be an integer")
    id_instance = parse_id(raw_id)
    if id_instance is None or not transitions.delete_instance(id_instance, timezone.now()):
        return partner_error(404, "Not found")
    return wire_json({"deleteInstanceAccount": True})
