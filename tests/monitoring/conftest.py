from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from core.models import Heartbeat
from instances.models import Instance, SyncState
from monitoring import readiness


@pytest.fixture(autouse=True)
def _migrations_checked_afresh() -> Iterator[None]:
    # The check remembers a success for the process; each test starts from nothing known.
    readiness.forget_migrations_checked()
    yield
    readiness.forget_migrations_checked()


def add_instance(
    id_instance: int,
    *,
    state: str = Instance.State.AUTHORIZED,
    type_instance: str = Instance.Type.WHATSAPP,
    checked_at: datetime | None = None,
    **fields: object,
) -> Instance:
    now = timezone.now()
    fields.setdefault("time_created", now - timedelta(days=30))
    fields.setdefault("state_changed_at", now - timedelta(days=7))
    fields.setdefault("api_token", "t" * 50)
    return Instance.objects.create(
        id_instance=id_instance,
        name=f"Instance {id_instance}",
        type_instance=type_instance,
        state=state,
        state_checked_at=checked_at,
        **fields,
    )


@pytest.fixture
def healthy(db: None) -> datetime:
    """A service doing its job: the worker beat, the mirror synced, every state confirmed."""
    now = timezone.now()
    Heartbeat.objects.create(name="worker", at=now)
    Heartbeat.objects.create(name="sync", at=now)
    SyncState.objects.create(pk=1, last_attempt_at=now, last_success_at=now)
    add_instance(1101000001, checked_at=now)
    add_instance(1101000002, state=Instance.State.BLOCKED, checked_at=now)
    return now
