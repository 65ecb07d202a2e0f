"""The first instance list: read from the emulator through the client, scoped to the user."""

import pytest
from django.test import Client

from accounts.models import Reseller, User
from instances.greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.models import Instance, SyncState


@pytest.fixture
def admin_client(db) -> Client:  # type: ignore[no-untyped-def]
    user = User.objects.create_user("boss", password="pw-123-long", role=User.Role.ADMIN)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.usefixtures("greenapi_settings")
def test_list_syncs_from_green_api_and_shows_the_instances(admin_client, sandbox) -> None:  # type: ignore[no-untyped-def]
    created = partner_client().create_instance(CreateInstanceParams(name="Bakery bot"))

    response = admin_client.get("/instances/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Bakery bot" in html
    assert str(created.id_instance) in html
    assert "Synced with Green API" in html
    assert created.api_token not in html


@pytest.mark.usefixtures("greenapi_settings")
def test_list_says_plainly_when_green_api_is_down(admin_client, sandbox) -> None:  # type: ignore[no-untyped-def]
    Instance.objects.create(id_instance=1101000042, name="Cached shop", api_token="a" * 50)
    sandbox.add_fault("getInstances", "http500")

    response = admin_client.get("/instances/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Green API could not be reached" in html
    assert "Cached shop" in html  # the mirror still serves the page


@pytest.mark.django_db
def test_reseller_sees_only_its_own_instances(settings) -> None:  # type: ignore[no-untyped-def]
    settings.INSTANCE_SYNC_MAX_AGE = 10**6
    SyncState.objects.create(pk=1, last_success_at="2026-01-01T00:00:00Z")
    mine, theirs = Reseller.objects.create(name="Mine"), Reseller.objects.create(name="Theirs")
    Instance.objects.create(id_instance=1101000001, name="Own shop", reseller=mine)
    Instance.objects.create(id_instance=1101000002, name="Other shop", reseller=theirs)
    Instance.objects.create(id_instance=1101000003, name="Unassigned shop")
    user = User.objects.create_user("r", password="pw-123-long", reseller=mine)
    client = Client()
    client.force_login(user)

    html = client.get("/instances/").content.decode()

    assert "Own shop" in html
    assert "Other shop" not in html
    assert "Unassigned shop" not in html


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login() -> None:
    response = Client().get("/instances/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
