"""`make run` seeds demo people and emulator instances, and only in development."""

import pytest
from django.core.management import CommandError, call_command

from accounts.models import User
from instances.models import Instance
from sandbox.models import EmulatedInstance


@pytest.fixture(autouse=True)
def _development_mode(settings) -> None:  # type: ignore[no-untyped-def]
    # pytest-django runs tests with DEBUG off; `make run` has it on.
    settings.DEBUG = True


@pytest.mark.django_db
def test_seed_creates_the_demo_logins_and_instances(settings, capsys) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_PASSWORD = "demo-pass-123"

    call_command("seed_demo", port=8123)

    output = capsys.readouterr().out
    assert "http://127.0.0.1:8123/login/" in output
    assert "demo-pass-123" in output
    for username in ("admin", "support", "reseller-a", "reseller-b"):
        assert User.objects.get(username=username).check_password("demo-pass-123")
    assert User.objects.get(username="reseller-a").reseller.name == "Reseller A"
    assert Instance.objects.filter(reseller__name="Reseller A").count() >= 1
    assert Instance.objects.filter(reseller__name="Reseller B").count() >= 1
    assert Instance.objects.filter(reseller=None).count() == 1
    assert EmulatedInstance.objects.count() == Instance.objects.count()
    states = set(EmulatedInstance.objects.values_list("state", flat=True))
    assert {"authorized", "notAuthorized", "blocked"} <= states


@pytest.mark.django_db
def test_seed_twice_does_not_duplicate(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_PASSWORD = "demo-pass-123"
    call_command("seed_demo")
    call_command("seed_demo")
    assert Instance.objects.count() == EmulatedInstance.objects.count()
    assert User.objects.filter(username="admin").count() == 1


@pytest.mark.django_db
def test_random_password_is_printed_when_none_is_set(settings, capsys) -> None:  # type: ignore[no-untyped-def]
    settings.DEMO_PASSWORD = ""
    call_command("seed_demo")
    output = capsys.readouterr().out
    password = output.split("password:")[1].strip()
    assert len(password) >= 12
    assert User.objects.get(username="admin").check_password(password)


@pytest.mark.django_db
def test_seed_refuses_to_run_with_debug_off(settings) -> None:  # type: ignore[no-untyped-def]
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only runs with DJANGO_DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()
