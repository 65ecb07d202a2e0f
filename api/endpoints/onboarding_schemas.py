"""The shapes of the onboarding and customer-link endpoints (api/endpoints/onboarding.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, cast

from django.utils import timezone
from ninja import Schema
from pydantic import Field

from instances.models import OnboardingLink
from instances.services.links import DEFAULT_HOURS, MAX_HOURS, MIN_HOURS, IssuedLink
from instances.services.onboarding import Onboarding, Step
from instances.services.onboarding_actions import PairingCode

LinkStatus = Literal["active", "used", "expired", "revoked"]
PAIRING_EXAMPLE = {"phone_number": "+7 900 123 45 67"}
ISSUE_EXAMPLE = {"hours": 24}


class OnboardingOut(Schema):
    """Where an instance is on the way to a linked phone."""

    step: Literal["creating", "ready", "linked", "problem"] = Field(
        description=(
            "creating: being built or starting; ready: waiting for a phone (scan the QR code "
            "or ask for a pairing code); linked: done; problem: see `message`."
        ),
        examples=["ready"],
    )
    state: str = Field(
        description="The last known state (getStateInstance's stateInstance); empty if unknown.",
        examples=["notAuthorized"],
    )
    messenger: str = Field(description="whatsapp, telegram or v3 (MAX).", examples=["whatsapp"])
    message: str = Field(
        description="What is in the way, if anything, in a sentence (English).",
        examples=[""],
    )
    linked: bool = Field(examples=[False])
    phone: str | None = Field(
        description="The linked phone number; null unless linked.", examples=["79001234567"]
    )
    qr_version: str | None = Field(
        description="Names the QR code shown now (it changes when the code rotates); null when "
        "no code shows.",
        examples=["3f2a9c0d1e7b6a54"],
    )
    qr_expires_in: int | None = Field(
        description="Seconds until this QR code rotates; null when no code shows.",
        examples=[17],
    )
    qr_url: str | None = Field(
        None,
        description="The PNG of this QR code (GET it with the same token); null when no code "
        "shows or it is inline.",
        examples=[
            "https://portal.example.com/api/v1/instances/1101000001/onboarding/qr.png?v=3f2a9c0d1e7b6a54"
        ],
    )
    qr_png_base64: str | None = Field(
        None,
        description="The PNG of this QR code, base64; only with ?qr=inline (and then "
        "`qr_url` is null, except in the moment a code rotates).",
    )
    pairing_by_code: bool = Field(
        description="Whether a pairing code may be asked instead (WhatsApp).", examples=[True]
    )
    waiting_seconds: int = Field(
        description="While creating: how long the instance has been built or starting.",
        examples=[0],
    )
    offer_reboot: bool = Field(
        description="Creating for over 5 minutes: a reboot may help.", examples=[False]
    )
    offer_logout: bool = Field(
        description="Green API holds an old login: log the instance out, then link again.",
        examples=[False],
    )
    poll_seconds: float = Field(
        description="When to ask again; polling faster is answered from the same shared answer.",
        examples=[2],
    )

    @staticmethod
    def of(status: Onboarding) -> OnboardingOut:
        linked = status.step == Step.LINKED
        return OnboardingOut(
            step=status.step.value,
            state=status.state,
            messenger=status.messenger,
            message=status.message,
            linked=linked,
            phone=(status.phone or None) if linked else None,
            qr_version=status.qr_version or None,
            qr_expires_in=status.rotates_in if status.qr_version else None,
            qr_url=None,
            qr_png_base64=None,
            pairing_by_code=status.pairing_by_code,
            waiting_seconds=status.waiting_seconds,
            offer_reboot=status.offer_reboot,
            offer_logout=status.offer_logout,
            poll_seconds=status.poll_seconds if status.polling else 0,
        )


class StateQuery(Schema):
    qr: Literal["url", "inline"] = Field(
        "url", description="How to send the QR code: its URL, or the PNG inline (base64)."
    )


class QrQuery(Schema):
    v: str = Field(
        "",
        max_length=64,
        description="The `qr_version` the state's answer gave.",
        examples=["3f2a9c0d1e7b6a54"],
    )


class PairingIn(Schema):
    phone_number: str | int = Field(
        description="The WhatsApp account's number with the country code: digits, or written "
        "with +, spaces, dashes or brackets.",
        examples=["+7 900 123 45 67", 79001234567],
        json_schema_extra={"maxLength": 32},
    )


class PairingCodeOut(Schema):
    code: str = Field(description="The code to type on the phone.", examples=["ABCD1234"])
    display: str = Field(description="The code as WhatsApp shows it.", examples=["ABCD-1234"])
    expires_at: datetime
    expires_in: int = Field(description="Seconds the code stays valid.", examples=[150])

    @staticmethod
    def of(code: PairingCode) -> PairingCodeOut:
        seconds = max(0, int((code.expires_at - timezone.now()).total_seconds()))
        return PairingCodeOut(
            code=code.code, display=code.display, expires_at=code.expires_at, expires_in=seconds
        )


class LinkIn(Schema):
    hours: int = Field(
        DEFAULT_HOURS,
        description=f"How long the link works: {MIN_HOURS} to {MAX_HOURS} hours.",
        examples=[DEFAULT_HOURS],
        json_schema_extra={"minimum": MIN_HOURS, "maximum": MAX_HOURS},
    )


class LinkOut(Schema):
    """A customer link, without its address (shown only when issued)."""

    id: int = Field(examples=[42])
    status: LinkStatus = Field(examples=["active"])
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = Field(description="When the customer's phone was linked.")
    revoked_at: datetime | None
    last_opened_at: datetime | None = Field(description="When the customer last opened it.")

    @staticmethod
    def of(link: OnboardingLink) -> LinkOut:
        return LinkOut(
            id=link.pk,
            status=cast(LinkStatus, str(link.status)),
            created_at=link.created_at,
            expires_at=link.expires_at,
            used_at=link.used_at,
            revoked_at=link.revoked_at,
            last_opened_at=link.last_opened_at,
        )


class IssuedLinkOut(Schema):
    """A link just issued: the only answer that ever holds its address."""

    id: int = Field(examples=[42])
    url: str = Field(
        description="The link to give the customer. Shown this once: only a hash is kept.",
        examples=["https://portal.example.com/l/Vx3…/"],
    )
    created_at: datetime
    expires_at: datetime

    @staticmethod
    def of(issued: IssuedLink) -> IssuedLinkOut:
        return IssuedLinkOut(
            id=issued.link.pk,
            url=issued.url,
            created_at=issued.link.created_at,
            expires_at=issued.link.expires_at,
        )
