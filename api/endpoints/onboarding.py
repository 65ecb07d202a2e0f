"""/api/v1/instances/{id}/onboarding and /links: link a phone, from a reseller's own code.

The same services as the onboarding page (instances/views/onboarding.py, views/links.py): the
state comes from `onboarding_check` through the shared per-instance cache, so any number of
API pollers and open pages together cost Green API no more calls than the pages alone.
"""

from __future__ import annotations

import base64

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import translation
from ninja import Query, Router, Status

from accounts.models import User
from accounts.permissions import Action, require
from api.auth import TokenAuth
from api.endpoints.onboarding_schemas import (
    ISSUE_EXAMPLE,
    PAIRING_EXAMPLE,
    IssuedLinkOut,
    LinkIn,
    LinkOut,
    OnboardingOut,
    PairingCodeOut,
    PairingIn,
    QrQuery,
    StateQuery,
)
from api.models import Scope
from api.problems import Problem, answers
from api.validation import form_problem
from instances.models import Instance
from instances.onboarding_forms import LinkIssueForm, PairingForm
from instances.selectors import get_instance_for_user_or_404, get_polled_instance_for_user_or_404
from instances.services.links import (
    onboarding_link_issue,
    onboarding_link_of,
    onboarding_link_revoke,
    onboarding_links_of,
)
from instances.services.onboarding import onboarding_check, onboarding_qr_png
from instances.services.onboarding_actions import onboarding_pairing_code

router = Router(tags=["Onboarding"])

# Instance ids are 64-bit keys: a longer number is no instance (and would overflow the query).
LARGEST_ID = 2**63 - 1


def user_of(request: HttpRequest) -> User:
    """The token's user (api/auth.py set it)."""
    user: User = request.user  # type: ignore[assignment]
    return user


def _instance(request: HttpRequest, id_instance: int, *, polled: bool = False) -> Instance:
    """The instance if the token's user may see it (else 404) and onboard it (else 403)."""
    if not 0 < id_instance <= LARGEST_ID:
        raise Http404
    user = user_of(request)
    if polled:  # the instance row alone, as the page's polled URLs read it
        instance = get_polled_instance_for_user_or_404(user, id_instance)
    else:
        instance = get_instance_for_user_or_404(user, id_instance)
    require(user, Action.ONBOARD, instance)
    return instance


def _no_store(response: HttpResponse) -> None:
    # A QR code, a pairing code or a customer link links a phone: nobody may keep one.
    response["Cache-Control"] = "no-store"


# --- state and QR code ---------------------------------------------------------------------


@router.get(
    "/{int:id_instance}/onboarding",
    response=answers(OnboardingOut, 404),
    auth=TokenAuth(Scope.ONBOARDING),
    summary="Onboarding state",
    description=(
        "Where the instance is on the way to a linked phone: `creating` (being built or "
        "starting), `ready` (a QR code shows, or a pairing code may be asked), `linked` (with "
        "the phone) or `problem` (with a message). Poll it every `poll_seconds`; answers are "
        "shared with every other poller of the instance, so polling faster costs Green API "
        "nothing more. The QR code comes as a URL of its PNG (`qr_url`, named by its "
        "`qr_version`) or, with `?qr=inline`, inline as base64 (`qr_png_base64`). A code "
        "rotates about every 20 s: `qr_expires_in` says when."
    ),
    operation_id="onboarding_get",
)
def onboarding_get(
    request: HttpRequest,
    response: HttpResponse,
    id_instance: int,
    query: Query[StateQuery],
) -> OnboardingOut:
    instance = _instance(request, id_instance, polled=True)
    with translation.override("en"):  # API answers are English, whatever Accept-Language says
        status = onboarding_check(instance=instance)
    _no_store(response)
    answer = OnboardingOut.of(status)
    if not status.qr_version:
        return answer
    if query.qr == "inline":
        # Served from the answer the check just read: no second call to Green API.
        image = onboarding_qr_png(instance=instance, version=status.qr_version)
        # Not the named code (it rotated a moment ago): the URL below serves the current one.
        if image is not None and image.named:
            answer.qr_png_base64 = base64.b64encode(image.png).decode("ascii")
            return answer
    path = reverse("api-v1:onboarding_qr", kwargs={"id_instance": instance.pk})
    answer.qr_url = request.build_absolute_uri(f"{path}?v={status.qr_version}")
    return answer


@router.get(
    "/{int:id_instance}/onboarding/qr.png",
    response=answers(None, 404, 422),
    auth=TokenAuth(Scope.ONBOARDING),
    summary="QR code image",
    description=(
        "The QR code to scan, as a PNG. With `v` (the `qr_version` of the state's answer) the "
        "very code that answer named, served without a new call to Green API; without it, or "
        "once that code is gone, the current one. 404 when no QR code shows now (the instance "
        "is being created, is linked, or has a problem): ask the state."
    ),
    operation_id="onboarding_qr",
    url_name="onboarding_qr",
    openapi_extra={
        "responses": {
            200: {
                "description": "The QR code (never to be cached).",
                "content": {"image/png": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def onboarding_qr(request: HttpRequest, id_instance: int, query: Query[QrQuery]) -> HttpResponse:
    instance = _instance(request, id_instance, polled=True)
    image = onboarding_qr_png(instance=instance, version=query.v)
    if image is None:
        raise Problem(404, "not-found", "No QR code shows now: ask the onboarding state.")
    response = HttpResponse(image.png, content_type="image/png")
    _no_store(response)
    return response


# --- pairing code ----------------------------------------------------------------------------


@router.post(
    "/{int:id_instance}/onboarding/pairing-code",
    response=answers(PairingCodeOut, 404, 409, 422),
    auth=TokenAuth(Scope.ONBOARDING),
    summary="Ask for a pairing code",
    description=(
        "Link with a phone number instead of a QR code (WhatsApp only): Green API makes an "
        "8-character code that the phone's owner types in WhatsApp (Settings → Linked devices "
        "→ Link a device → Link with phone number instead). Valid about 2.5 minutes; each new "
        "code voids the one before. 409 when none can be made now (not WhatsApp, deleted, "
        "linked already, or a code was asked a moment ago); 422 for a number that is not one."
    ),
    operation_id="onboarding_pairing_code",
    openapi_extra={"requestBody": {"content": {"application/json": {"example": PAIRING_EXAMPLE}}}},
)
def onboarding_pairing(
    request: HttpRequest, response: HttpResponse, id_instance: int, body: PairingIn
) -> PairingCodeOut:
    instance = _instance(request, id_instance)
    with translation.override("en"):
        form = PairingForm({"phone_number": str(body.phone_number)})
        if not form.is_valid():
            raise form_problem(form)
        code = onboarding_pairing_code(
            instance=instance,
            phone_number=form.cleaned_data["phone_number"],
            user=user_of(request),
            request=request,
        )
    _no_store(response)
    return PairingCodeOut.of(code)


# --- customer links --------------------------------------------------------------------------


@router.get(
    "/{int:id_instance}/links",
    response=answers(list[LinkOut], 404),
    auth=TokenAuth(Scope.ONBOARDING),
    summary="List customer links",
    description=(
        "The instance's customer links, newest first, with their status. A link's address is "
        "shown only once, when it is issued: never here."
    ),
    operation_id="links_list",
)
def links_list(request: HttpRequest, id_instance: int) -> list[LinkOut]:
    instance = _instance(request, id_instance)
    return [LinkOut.of(link) for link in onboarding_links_of(instance=instance)]


@router.post(
    "/{int:id_instance}/links",
    response=answers(IssuedLinkOut, 404, 409, 422, status=201),
    auth=TokenAuth(Scope.ONBOARDING),
    summary="Issue a customer link",
    description=(
        "A link that lets the customer link their own phone to this instance without an "
        "account: one instance, no ids or tokens shown, valid 1 to 168 hours (24 by default), "
        "used up once linked, revocable. Its `url` is in this answer only: keep it or issue "
        "another. 409 when the instance is deleted, linked or blocked."
    ),
    operation_id="links_issue",
    openapi_extra={"requestBody": {"content": {"application/json": {"example": ISSUE_EXAMPLE}}}},
)
def links_issue(
    request: HttpRequest, response: HttpResponse, id_instance: int, body: LinkIn
) -> Status[IssuedLinkOut]:
    instance = _instance(request, id_instance)
    with translation.override("en"):
        form = LinkIssueForm({"hours": str(body.hours)})
        if not form.is_valid():
            raise form_problem(form)
        if instance.deleted:
            raise Problem(409, "conflict", "This instance was deleted: no phone can be linked.")
        issued = onboarding_link_issue(
            instance=instance,
            user=user_of(request),
            hours=form.cleaned_data["hours"],
            request=request,
        )
    _no_store(response)
    return Status(201, IssuedLinkOut.of(issued))


@router.delete(
    "/{int:id_instance}/links/{int:link_id}",
    response=answers(None, 404, status=204),
    auth=TokenAuth(Scope.ONBOARDING),
    summary="Revoke a customer link",
    description=(
        "The link stops working at once. Revoking a revoked link again changes nothing (204); "
        "a link of another instance, or none, is a 404."
    ),
    operation_id="links_revoke",
)
def links_revoke(request: HttpRequest, id_instance: int, link_id: int) -> Status[None]:
    instance = _instance(request, id_instance)
    link = onboarding_link_of(instance=instance, link_id=link_id)
    if link is None:
        raise Http404
    onboarding_link_revoke(link=link, user=user_of(request), request=request)
    return Status(204, None)
