"""`/waInstance<id>/<method>/<token>` and its `/v3/` twin: the instance API pipeline.

Order of checks: method, call count, verb, injected faults, instance, token, rate limit,
deleted, expired, creation window, body, starting. Each step answers like upstream does.
"""

from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from sandbox import calls, faults, ratelimit
from sandbox.auth import tokens_match
from sandbox.instance_methods import HANDLERS, REFUSED_WHILE_STARTING
from sandbox.methods import INSTANCE_METHODS, WireMethod, lookup
from sandbox.models import EmulatedInstance
from sandbox.responses import (
    BAD_REQUEST_TEXT,
    DELETED_TEXT,
    EXPIRED_TEXT,
    INSTANCE_NOT_FOUND_TEXT,
    NOT_FOUND_TEXT,
    STARTING_TEXT,
    method_not_allowed,
    text,
    too_many_requests,
    wire_json,
)
from sandbox.state import effective_state
from sandbox.transitions import Refused
from sandbox.validation import Invalid, json_object, parse_id


@csrf_exempt
def instance_call(
    request: HttpRequest, id_instance: str, method: str, token: str, v3: bool = False
) -> HttpResponse:
    wire_method = lookup(INSTANCE_METHODS, method)
    if wire_method is None:
        return text(404, NOT_FOUND_TEXT)
    parsed_id = parse_id(id_instance)
    calls.record(wire_method.name, parsed_id)
    if request.method not in wire_method.verbs:
        return method_not_allowed(wire_method.verbs)
    return faults.serve(
        wire_method.name,
        parsed_id,
        lambda: _answer(request, wire_method, parsed_id, token, v3=v3),
    )


def _answer(
    request: HttpRequest, method: WireMethod, id_instance: int | None, token: str, *, v3: bool
) -> HttpResponse:
    instance = _instance(id_instance) if id_instance is not None else None
    # MAX instances live under /v3 only, the others never (an emulator convention).
    if instance is None or (instance.type_instance == "v3") != v3:
        return text(404, INSTANCE_NOT_FOUND_TEXT)
    if not tokens_match(token, instance.api_token):
        return text(401, "Unauthorized")
    now = timezone.now()
    if not ratelimit.allow(instance.id_instance, method, now):
        return too_many_requests()
    if instance.deleted_at is not None:
        return text(400, DELETED_TEXT)
    if instance.is_expired:
        return text(200, EXPIRED_TEXT)
    state = effective_state(instance, now)
    if state is None:  # still being created (docs/greenapi.md §2.1, issue #197)
        return wire_json(None) if method.name == "getStateInstance" else text(200, EXPIRED_TEXT)
    try:
        body = json_object(request, allow_empty=True) if "POST" in method.verbs else {}
    except Invalid:
        return text(400, BAD_REQUEST_TEXT)
    if state == "starting" and method.name in REFUSED_WHILE_STARTING:
        return text(400, STARTING_TEXT)
    try:
        return HANDLERS[method.name](instance, body, state, now)
    except Refused:  # deleted by a concurrent partner call
        return text(400, DELETED_TEXT)


def _instance(id_instance: int) -> EmulatedInstance | None:
    # A raw read: the ORM's filter().first() was compiled anew on every call, for one row by key.
    table = connection.ops.quote_name(EmulatedInstance._meta.db_table)
    sql = f"SELECT * FROM {table} WHERE id_instance = %s"  # noqa: S608  (a name, quoted)
    found = EmulatedInstance.objects.raw(sql, [id_instance])
    return next(iter(found), None)
