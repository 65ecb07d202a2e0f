"""`make run`'s demo: logins, and the emulator's instances mirrored by the portal's own sync."""

from typing import Any

import pytest
import requests
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent, User
from instances.models import Instance
from tests.support.sandbox import SandboxControl

PASSWORD = "demo-pass-123"


@pytest.fixture(autouse=True)
def _development_mode(settings: Any) -> None:
    # pytest-django runs tests with DEBUG off; `make run` has it on.
    settings.DEBUG = True
    settings.DEMO_PASSWORD = PASSWORD


@pytest.fixture
def emulator(greenapi_settings: Any, sandbox: SandboxControl) -> SandboxControl:
    """The live emulator holding the demo instances, as `make run` seeds it before serving."""
    greenapi_settings.SANDBOX_RATE_LIMITS = False  # the tests seed twice within a second
    call_command("seed_sandbox")
    sandbox.reset_calls()
    return sandbox


def wire_listing(sandbox: SandboxControl) -> dict[int, dict[str, Any]]:
    url = f"{sandbox.base_url}/partner/getInstances/{sandbox.partner_token}"
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    return {item["idInstance"]: item for item in response.json()}


def owners() -> dict[str, str | None]:
    return {
        row.name: row.reseller.name if row.reseller else None
        for row in Instance.objects.select_related("reseller")
    }


DEMO_OWNERS = {
    "Reseller A · Bakery orders": "Reseller A",
    "Reseller A · Bakery support": "Reseller A",
    "Reseller A · Florist": "Reseller A",
    "Reseller B · Car wash": "Reseller B",
    "Reseller B · Dentist reminders": "Reseller B",
    "Reseller B · Dentist Telegram": "Reseller B",
    "Spare line": None,
}


def test_seed_mirrors_the_emulator_and_assigns_by_name(
    emulator: SandboxControl, capsys: pytest.CaptureFixture[str]
) -> None:
    call_command("seed_demo", port=8123)

    output = capsys.readouterr().out
    assert "Log in at http://127.0.0.1:8123/login/" in output
    assert f"password: {PASSWORD}" in output
    for username in ("admin", "support", "reseller-a", "reseller-b"):
        assert User.objects.get(username=username).check_password(PASSWORD)
    assert User.objects.get(username="reseller-a").reseller.name == "Reseller A"
    assert owners() == DEMO_OWNERS
    # Every mirror row came from getInstances: same ids, same tokens as the emulator lists.
    listed = wire_listing(emulator)
    assert {row.pk: row.api_token for row in Instance.objects.all()} == {
        id_instance: item["apiTokenInstance"] for id_instance, item in listed.items()
    }
    assert emulator.calls()["getInstances"] >= 1
    states = dict(Instance.objects.values_list("name", "state"))
    assert states["Reseller A · Bakery orders"] == Instance.State.AUTHORIZED
    assert states["Reseller B · Dentist reminders"] == Instance.State.BLOCKED
    assert states["Spare line"] == Instance.State.NOT_AUTHORIZED
    events = AuditEvent.objects.filter(action="instance.assign", actor__username="admin")
    assert events.count() == 6


def test_seed_twice_changes_nothing(emulator: SandboxControl) -> None:
    call_command("seed_demo")
    first = list(Instance.objects.values_list("pk", "reseller_id", "state"))
    events = AuditEvent.objects.count()

    call_command("seed_demo")

    assert list(Instance.objects.values_list("pk", "reseller_id", "state")) == first
    assert AuditEvent.objects.count() == events
    assert User.objects.filter(username="admin").count() == 1


def test_seed_leaves_an_instance_someone_reassigned(emulator: SandboxControl) -> None:
    call_command("seed_demo")
    moved = Instance.objects.get(name="Reseller A · Florist")
    moved.reseller = User.objects.get(username="reseller-b").reseller
    moved.save()

    call_command("seed_demo")

    assert owners()["Reseller A · Florist"] == "Reseller B"


def test_random_password_is_printed_when_none_is_set(
    emulator: SandboxControl, settings: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    settings.DEMO_PASSWORD = ""
    call_command("seed_demo")
    output = capsys.readouterr().out
    password = output.split("password:")[1].strip()
    assert len(password) >= 12
    assert User.objects.get(username="admin").check_password(password)


@pytest.mark.django_db
def test_seed_says_so_when_the_emulator_does_not_answer() -> None:
    # GREEN_API_PARTNER_URL is a closed port until a test points it at the live server.
    with pytest.raises(CommandError, match="is the server running there"):
        call_command("seed_demo")
    assert not Instance.objects.exists()


@pytest.mark.django_db
def test_seed_refuses_to_run_with_debug_off(settings: Any) -> None:
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DJANGO_DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()
