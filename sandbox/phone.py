"""The virtual phone: scanning a QR code or typing a pairing code links an instance."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone

from sandbox import transitions
from sandbox.auth import control_endpoint
from sandbox.models import EmulatedInstance
from sandbox.responses import control_error
from sandbox.state import parse_qr_payload
from sandbox.transitions import Refused
from sandbox.validation import Invalid, is_int, json_object, parse_id, parse_phone


@control_endpoint("POST")
def scan(request: HttpRequest) -> HttpResponse:
    body = json_object(request)
    payload = body.get("payload")
    if not isinstance(payload, str) or not payload:
        raise Invalid("payload (the text inside the QR code) is required")
    phone = parse_phone(body.get("phoneNumber"))
    scanned = parse_qr_payload(payload)
    if scanned is None:
        return control_error(404, "unknown QR code")
    return _linked(lambda: transitions.link_by_qr(scanned, phone, timezone.now()))


@control_endpoint("POST")
def pair(request: HttpRequest) -> HttpResponse:
    body = json_object(request)
    raw_id, code = body.get("idInstance"), body.get("code")
    if not is_int(raw_id):
        raise Invalid("idInstance is required and must be an integer")
    if not isinstance(code, str) or not code:
        raise Invalid("code (the pairing code shown by getAuthorizationCode) is required")
    id_instance = parse_id(raw_id)
    if id_instance is None:
        return control_error(404, "unknown instance")
    return _linked(lambda: transitions.link_by_code(id_instance, code, timezone.now()))


def _linked(link: Callable[[], EmulatedInstance]) -> HttpResponse:
    try:
        instance = link()
    except Refused as refused:
        return control_error(refused.status, str(refused))
    return JsonResponse({"idInstance": instance.id_instance, "stateInstance": instance.state})
