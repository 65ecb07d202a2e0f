"""`seed_sandbox` fills the emulator with `make run`'s demo instances, once."""

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from sandbox.models import EmulatedInstance
from sandbox.state import effective_state

pytestmark = pytest.mark.django_db


def test_seed_creates_the_demo_instances_in_their_states(settings: Any) -> None:
    settings.SANDBOX_CREATE_SECONDS = 60  # long enough to see the fresh one still being built

    call_command("seed_sandbox")

    now = timezone.now()
    seeded = {row.name: row for row in EmulatedInstance.objects.all()}
    states = {name: effective_state(row, now) for name, row in seeded.items()}
    assert states == {
        "Reseller A · Bakery orders": "authorized",
        "Reseller A · Bakery support": "notAuthorized",
        "Reseller A · Florist": None,
        "Reseller B · Car wash": "authorized",
        "Reseller B · Dentist reminders": "blocked",
        "Reseller B · Dentist Telegram": "notAuthorized",
        "Spare line": "notAuthorized",
    }
    assert seeded["Reseller B · Dentist Telegram"].type_instance == "telegram"
    assert str(seeded["Reseller B · Dentist Telegram"].id_instance).startswith("4100")
    assert seeded["Reseller A · Bakery orders"].phone is not None
    assert seeded["Reseller A · Bakery support"].phone is None
    # The others were created earlier, so only the Florist is still being built.
    assert seeded["Reseller A · Bakery orders"].created_at < now - timedelta(minutes=30)


def test_seed_twice_adds_nothing() -> None:
    call_command("seed_sandbox")
    first = dict(EmulatedInstance.objects.values_list("name", "id_instance"))

    call_command("seed_sandbox")

    assert dict(EmulatedInstance.objects.values_list("name", "id_instance")) == first
    assert EmulatedInstance.objects.count() == 7


def test_seed_replaces_only_a_demo_instance_that_was_deleted() -> None:
    call_command("seed_sandbox")
    gone = EmulatedInstance.objects.get(name="Spare line")
    gone.deleted_at = timezone.now()
    gone.save()

    call_command("seed_sandbox")

    assert EmulatedInstance.objects.filter(name="Spare line", deleted_at=None).count() == 1
    assert EmulatedInstance.objects.count() == 8
