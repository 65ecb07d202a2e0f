"""Shapes the API answers with, shared by its endpoint modules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ninja import Schema
from pydantic import Field

from instances.models import Instance


class InstanceOut(Schema):
    """An instance as the list page shows it, with its state and when the portal confirmed it."""

    id: int = Field(description="Green API's idInstance.", examples=[1101000001])
    name: str = Field(examples=["Shop support"])
    messenger: str = Field(description="whatsapp, telegram or v3 (MAX).", examples=["whatsapp"])
    state: str = Field(
        description="The last known state (getStateInstance's stateInstance); empty if unknown.",
        examples=["authorized"],
    )
    state_changed_at: datetime | None
    state_confirmed_at: datetime | None = Field(
        description="When Green API last confirmed the state (a check or its webhook)."
    )
    phone: str = Field(description="The linked phone number, if linked.", examples=["79001234567"])
    reseller_id: int | None
    reseller: str | None = Field(description="The reseller's name; null if unassigned.")
    created_at: datetime | None
    expires_at: datetime | None
    expired: bool
    deleted: bool

    @staticmethod
    def of(instance: Instance) -> InstanceOut:
        return InstanceOut(**instance_fields(instance))


def instance_fields(instance: Instance) -> dict[str, Any]:
    """InstanceOut's fields as a plain dict: the list encodes its rows straight from these
    (api/endpoints/instances.py), without a model per row."""
    return {
        "id": instance.id_instance,
        "name": instance.name,
        "messenger": instance.type_instance,
        "state": instance.state,
        "state_changed_at": instance.state_changed_at,
        "state_confirmed_at": instance.state_checked_at,
        "phone": instance.phone,
        "reseller_id": instance.reseller_id,
        "reseller": _reseller_name(instance),
        "created_at": instance.time_created,
        "expires_at": instance.expiration_date,
        "expired": instance.is_expired,
        "deleted": instance.deleted,
    }


def _reseller_name(instance: Instance) -> str | None:
    # A row of the list brings the name along (instances/selectors.py, LIST_FIELDS).
    if hasattr(instance, "reseller_name"):
        return instance.reseller_name  # type: ignore[no-any-return]
    return instance.reseller.name if instance.reseller is not None else None
