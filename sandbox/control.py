"""The emulator's control API for tests and demos: inspect and steer instances, inject
faults, count calls. Bearer-protected with the partner token (see docs/sandbox.md)."""

from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from sandbox import calls as call_counts
from sandbox import faults as fault_store
from sandbox import outbox, synthetic, transitions
from sandbox.auth import control_endpoint
from sandbox.models import EmulatedInstance, OutgoingMessage
from sandbox.responses import control_error
from sandbox.state import STATES, current_qr_payload, effective_state, wid
from sandbox.transitions import Refused
from sandbox.validation import Invalid, json_body, json_object, parse_id, parse_phone

STATE_KEYS = {"state", "phoneNumber", "seconds", "isExpired"}
OUTGOING_KEYS = {"statusInstance", "queueStalled", "deliverAs"}


def _instance_or_none(raw_id: str) -> EmulatedInstance | None:
    id_instance = parse_id(raw_id)
    if id_instance is None:
        return None
    return EmulatedInstance.objects.filter(pk=id_instance).first()


def _describe(instance: EmulatedInstance) -> dict[str, Any]:
    """The internal view of an instance; deliberately without its token."""
    now = timezone.now()
    return {
        "idInstance": instance.id_instance,
        "typeInstance": instance.type_instance,
        "name": instance.name,
        "stateInstance": effective_state(instance, now),
        "phone": instance.phone,
        "wid": wid(instance),
        "deviceLinked": instance.device_linked,
        "deleted": instance.deleted_at is not None,
        "isExpired": instance.is_expired,
        "currentQrPayload": current_qr_payload(instance, now),
        "settings": instance.settings,
    }


@control_endpoint("GET")
def instance_detail(request: HttpRequest, id_instance: str) -> HttpResponse:
    instance = _instance_or_none(id_instance)
    if instance is None:
        return control_error(404, "unknown instance")
    return JsonResponse(_describe(instance))


@control_endpoint("POST")
def instance_state(request: HttpRequest, id_instance: str) -> HttpResponse:
    body = json_object(request)
    unknown = set(body) - STATE_KEYS
    if unknown:
        raise Invalid(f"unknown keys: {', '.join(sorted(unknown))}")
    state, is_expired = body.get("state"), body.get("isExpired")
    if state is None and is_expired is None:
        raise Invalid("give a state, isExpired, or both")
    if state is not None and state not in STATES:
        raise Invalid(f"state must be one of {', '.join(STATES)}")
    if is_expired is not None and not isinstance(is_expired, bool):
        raise Invalid("isExpired must be true or false")
    phone = parse_phone(body["phoneNumber"]) if "phoneNumber" in body else None
    seconds = _seconds(body.get("seconds"))
    instance = _instance_or_none(id_instance)
    if instance is None:
        return control_error(404, "unknown instance")
    if instance.deleted_at is not None:
        return control_error(409, "the instance is deleted")
    try:
        instance = transitions.force_state(
            instance.id_instance,
            state=state,
            phone=phone,
            seconds=seconds,
            is_expired=is_expired,
            now=timezone.now(),
        )
    except Refused as refused:
        return control_error(refused.status, str(refused))
    return JsonResponse(_describe(instance))


def _seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 86400:
        raise Invalid("seconds must be a number of seconds up to 86400")
    return float(value)


@control_endpoint("GET", "POST", "DELETE")
def faults(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        fault = fault_store.create(json_body(request))
        return JsonResponse(fault_store.describe(fault), status=201)
    if request.method == "DELETE":
        return JsonResponse({"deleted": fault_store.clear()})
    return JsonResponse({"faults": [fault_store.describe(f) for f in fault_store.active()]})


@control_endpoint("GET", "DELETE")
def calls(request: HttpRequest) -> HttpResponse:
    if request.method == "DELETE":
        call_counts.reset()
        return JsonResponse({"calls": {}, "shortestGaps": {}})
    raw_id = request.GET.get("idInstance")
    id_instance = None
    if raw_id is not None:
        id_instance = parse_id(raw_id)
        if id_instance is None:
            raise Invalid("idInstance must be a positive integer")
    return JsonResponse(
        {
            "calls": call_counts.counts(id_instance),
            "shortestGaps": call_counts.shortest_gaps(id_instance),
        }
    )


@control_endpoint("GET", "POST", "DELETE")
def listing(request: HttpRequest) -> HttpResponse:
    """Synthetic instances that getInstances lists after the real ones (sandbox/synthetic.py)."""
    if request.method == "POST":
        return JsonResponse(synthetic.describe(synthetic.configure(json_object(request))))
    if request.method == "DELETE":
        return JsonResponse(synthetic.describe(synthetic.configure({})))
    return JsonResponse(synthetic.describe(synthetic.current()))


@control_endpoint("GET", "POST")
def instance_outgoing(request: HttpRequest, id_instance: str) -> HttpResponse:
    """The "looks connected but isn't" switches and the outgoing messages (sandbox/outbox.py)."""
    instance = _instance_or_none(id_instance)
    if instance is None:
        return control_error(404, "unknown instance")
    if request.method == "POST":
        _switch_outgoing(instance, json_object(request))
    return JsonResponse(_outgoing(instance))


def _switch_outgoing(instance: EmulatedInstance, body: dict[str, Any]) -> None:
    unknown = set(body) - OUTGOING_KEYS
    if unknown or not body:
        raise Invalid(f"give one or more of {', '.join(sorted(OUTGOING_KEYS))}")
    status, stalled, deliver_as = (
        body.get(k) for k in ("statusInstance", "queueStalled", "deliverAs")
    )
    if status is not None and status not in ("online", "offline"):
        raise Invalid('statusInstance must be "online" or "offline"')
    if stalled is not None and not isinstance(stalled, bool):
        raise Invalid("queueStalled must be true or false")
    if deliver_as is not None and deliver_as not in outbox.FINAL_STATUSES:
        raise Invalid(f"deliverAs must be one of {', '.join(outbox.FINAL_STATUSES)}")
    if status is not None:
        instance.status_offline = status == "offline"
    if stalled is not None:
        instance.queue_stalled = stalled
    if deliver_as is not None:
        instance.deliver_as = deliver_as
    with transaction.atomic():
        instance.save(update_fields=["status_offline", "queue_stalled", "deliver_as"])
        outbox.pump(instance, timezone.now())  # switched back on: what waited goes out


def _outgoing(instance: EmulatedInstance) -> dict[str, Any]:
    rows = OutgoingMessage.objects.filter(id_instance=instance.id_instance).order_by("id")
    return {
        "idInstance": instance.id_instance,
        "statusInstance": "offline" if instance.status_offline else "online",
        "queueStalled": instance.queue_stalled,
        "deliverAs": instance.deliver_as,
        "messages": [
            {"idMessage": m.id_message, "chatId": m.body["chatId"], "status": m.status}
            for m in rows
        ],
    }


@control_endpoint("POST")
def message_status(request: HttpRequest, id_message: str) -> HttpResponse:
    """Move one sent message on (sent -> delivered -> read, or failed), with its webhook."""
    body = json_object(request)
    status = body.get("status")
    if set(body) != {"status"} or status not in outbox.FINAL_STATUSES:
        raise Invalid(f"give only a status, one of {', '.join(outbox.FINAL_STATUSES)}")
    now = timezone.now()
    with transaction.atomic():
        message = OutgoingMessage.objects.select_for_update().filter(id_message=id_message).first()
        if message is None:
            return control_error(404, "unknown message")
        if message.status == "pending":
            return control_error(409, "the message is still queued: nothing was sent")
        instance = EmulatedInstance.objects.get(pk=message.id_instance)
        outbox.advance(instance, message, status, now)
    return JsonResponse({"idMessage": message.id_message, "status": message.status})
