"""Customer links: a long random link that opens one instance's onboarding without a login.

The token travels in the link's path and is the whole capability, so only its SHA-256 is
stored: whoever reads the database cannot use a link. The token is shown once, when issued.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.audit import audit_record
from accounts.models import User
from core.errors import ApplicationError
from core.qr import qr_data_uri
from instances.lifecycle import LINK_USED, lifecycle_send
from instances.models import LINKED_STATES, Instance, OnboardingLink

DEFAULT_HOURS = 24
MIN_HOURS = 1
MAX_HOURS = 7 * 24
# token_urlsafe(32) gives 43 characters; anything far from that shape is not a link of ours.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{32,64}")
# ASCII digits only, short enough for a 64-bit key: int() would take "٣" and overflow bigint.
LINK_ID_SHAPE = re.compile(r"[0-9]{1,18}")
OPENED_SESSION_KEY = "onboarding_links_opened"


@dataclass(frozen=True)
class IssuedLink:
    """A link just issued: the only moment its full address exists."""

    link: OnboardingLink
    url: str = ""

    def qr_data_uri(self) -> str:
        """The address as a QR code (PNG data: URI), for a phone camera."""
        return qr_data_uri(self.url)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def onboarding_link_issue(
    *,
    instance: Instance,
    user: User,
    hours: int = DEFAULT_HOURS,
    request: HttpRequest | None = None,
) -> IssuedLink:
    """Make a link valid for `hours` (1 h to 7 days) and return its address, once."""
    if not MIN_HOURS <= hours <= MAX_HOURS:
        raise ApplicationError(
            _("A link lasts %(min)s to %(max)s hours.") % {"min": MIN_HOURS, "max": MAX_HOURS}
        )
    # A link to a linked instance would be used up the moment the customer opened it.
    if instance.state in LINKED_STATES or instance.state == Instance.State.BLOCKED:
        raise ApplicationError(
            _(
                "This instance is %(state)s, so a customer link would have nothing to do. Log "
                "out the phone first if the customer needs to link another."
            )
            % {"state": instance.get_state_display().lower()}
        )
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    link = OnboardingLink.objects.create(
        instance=instance,
        token_hash=token_hash(token),
        created_by=user,
        created_at=now,
        expires_at=now + timedelta(hours=hours),
    )
    audit_record(
        action="onboarding.link_issue",
        request=request,
        actor=user,
        target=instance,
        detail=f"link {link.pk}, valid for {hours} h",
    )
    path = f"/l/{token}/"
    url = request.build_absolute_uri(path) if request is not None else path
    return IssuedLink(link=link, url=url)


def onboarding_link_revoke(
    *, link: OnboardingLink, user: User, request: HttpRequest | None = None
) -> bool:
    """Stop the link from working; False when it was already revoked."""
    now = timezone.now()
    revoked = bool(
        OnboardingLink.objects.filter(pk=link.pk, revoked_at__isnull=True).update(revoked_at=now)
    )
    if revoked:
        link.revoked_at = now
        audit_record(
            action="onboarding.link_revoke",
            request=request,
            actor=user,
            target=link.instance,
            detail=f"link {link.pk}",
        )
    return revoked


def onboarding_link_open(*, link: OnboardingLink, request: HttpRequest) -> None:
    """Note that the customer opened the link; audited once per browser session."""
    now = timezone.now()
    OnboardingLink.objects.filter(pk=link.pk).update(last_opened_at=now)
    link.last_opened_at = now
    opened = request.session.get(OPENED_SESSION_KEY, [])
    if link.pk in opened:
        return
    request.session[OPENED_SESSION_KEY] = [*opened[-19:], link.pk]
    audit_record(
        action="onboarding.link_open",
        request=request,
        actor=None,
        target=link.instance,
        detail=f"link {link.pk}, {link.status_at(now)}",
    )


def onboarding_link_use(*, link: OnboardingLink, request: HttpRequest | None = None) -> bool:
    """Mark the link used once its instance is linked; True (and audited) the first time."""
    now = timezone.now()
    with transaction.atomic():
        used = bool(
            OnboardingLink.objects.filter(
                pk=link.pk, used_at__isnull=True, revoked_at__isnull=True
            ).update(used_at=now)
        )
        if used:
            lifecycle_send(
                LINK_USED,
                id_instance=link.instance_id,
                reseller_id=link.instance.reseller_id,
                new_state=link.instance.state,
                at=now,
                extra={"link_id": link.pk},
            )
    if used:
        link.used_at = now
        audit_record(
            action="onboarding.linked",
            request=request,
            actor=None,
            target=link.instance,
            detail=f"through customer link {link.pk}",
        )
    return used


# --- reads ----------------------------------------------------------------------------------


def onboarding_link_for_token(token: str) -> OnboardingLink | None:
    """The link this token opens, whatever its status; None for a token of no link."""
    if not TOKEN_SHAPE.fullmatch(token):
        return None
    return (
        OnboardingLink.objects.select_related("instance")
        .filter(token_hash=token_hash(token))
        .first()
    )


def onboarding_links_of(*, instance: Instance) -> QuerySet[OnboardingLink]:
    """The instance's links, newest first (the caller has checked the user may see it)."""
    return OnboardingLink.objects.filter(instance=instance).select_related("created_by")


def onboarding_link_of(*, instance: Instance, link_id: object) -> OnboardingLink | None:
    """One link of the instance, or None (also for an id that is not a number)."""
    text = str(link_id)
    if not LINK_ID_SHAPE.fullmatch(text):
        return None
    return onboarding_links_of(instance=instance).filter(pk=int(text)).first()
