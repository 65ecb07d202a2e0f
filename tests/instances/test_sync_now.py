"""The list reads the mirror only; "Sync now" asks the worker, and the page polls until done."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from accounts.models import User
from core.models import Job
from greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.jobs import SYNC, job_run
from instances.models import Instance, SyncState
from instances.sync_freshness import sync_marker
from tests.support.personas import World
from tests.support.sandbox import SandboxControl

HTMX = {"HX-Request": "true"}


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def poll_url(after: str, asked: str) -> str:
    return "/instances/sync/status/?" + urlencode({"after": after, "asked": asked})


@pytest.mark.usefixtures("greenapi_settings")
@pytest.mark.parametrize("method", ["get", "head"])
def test_the_list_calls_no_green_api_and_writes_nothing_however_stale(
    world: World, sandbox: SandboxControl, method: str
) -> None:
    partner_client().create_instance(CreateInstanceParams(name="Not mirrored yet"))
    sandbox.reset_calls()

    for client in (world.client("admin"), world.client("reseller_a_user")):
        response = getattr(client, method)("/instances/")
        fragment = getattr(client, method)("/instances/?q=shop", headers=HTMX)
        assert response.status_code == fragment.status_code == 200

    assert sandbox.calls() == {}
    assert not SyncState.objects.exists()  # not even the freshness row is created by a GET
    assert not Job.objects.exists()
    assert not Instance.objects.filter(name="Not mirrored yet").exists()


@pytest.mark.django_db
def test_the_list_shows_the_mirrors_age_and_says_when_it_is_stale(
    world: World, settings: Any
) -> None:
    settings.INSTANCE_SYNC_PERIOD = 60
    client = world.client("admin")
    never = client.get("/instances/").content.decode()
    now = timezone.now()
    SyncState.objects.create(pk=1, last_attempt_at=now, last_success_at=now - timedelta(minutes=1))
    fresh = client.get("/instances/").content.decode()
    SyncState.objects.filter(pk=1).update(last_success_at=now - timedelta(minutes=5))
    stale = client.get("/instances/").content.decode()

    assert "Not synced with Green API yet" in never
    assert "Synced with Green API a minute ago." in fresh
    assert "out of date" not in fresh
    assert "Synced with Green API 5\xa0minutes ago. The list may be out of date" in stale
    for html in (never, fresh, stale):
        assert '<form method="post" action="/instances/sync/"' in html
        assert ">Sync now</button>" in html
        # The results reload themselves when a sync they waited for is done.
        assert 'hx-trigger="instances-synced from:body"' in html


@pytest.mark.usefixtures("greenapi_settings")
def test_sync_now_from_htmx_syncs_and_tells_the_results_to_reload(
    support: User, sandbox: SandboxControl
) -> None:
    created = partner_client().create_instance(CreateInstanceParams(name="Fresh shop"))

    # In tests huey runs the task where it is enqueued; the worker would run it in production.
    response = logged_in(support).post(
        "/instances/sync/", {"next": "/instances/?q=fresh"}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="sync-status"')
    assert "Synced with Green API" in html
    assert "failed" not in html
    assert "every 2s" not in html  # done: no more polling
    assert json.loads(response["HX-Trigger"]).keys() == {"instances-synced"}
    assert Instance.objects.filter(pk=created.id_instance).exists()
    assert 'name="next" value="/instances/?q=fresh"' in html


@pytest.mark.usefixtures("greenapi_settings")
def test_sync_now_without_javascript_redirects_back_with_a_message(
    reseller_a_user: User, sandbox: SandboxControl
) -> None:
    client = logged_in(reseller_a_user)

    response = client.post("/instances/sync/", {"next": "/instances/?q=x"})
    elsewhere = client.post("/instances/sync/", {"next": "https://evil.example/"})

    assert response.status_code == 302
    assert response["Location"] == "/instances/?q=x"
    assert elsewhere["Location"] == "/instances/"
    page = client.get(response["Location"]).content.decode()
    assert "Sync requested" in page


@pytest.mark.usefixtures("greenapi_settings")
def test_many_clicks_make_one_sync(admin: User, sandbox: SandboxControl) -> None:
    client = logged_in(admin)
    client.post("/instances/sync/", headers=HTMX)
    sandbox.reset_calls()
    marker = sync_marker()

    # A second click whose marker is already passed by a newer sync calls nobody.
    client.get(poll_url(marker, timezone.now().isoformat()), headers=HTMX)

    assert sandbox.calls() == {}


@pytest.mark.django_db
def test_sync_now_is_post_only_and_for_logged_in_users(world: World) -> None:
    assert world.client("admin").get("/instances/sync/").status_code == 405
    anonymous = Client().post("/instances/sync/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")
    assert Client().get("/instances/sync/status/").status_code == 302
    assert world.client("admin").post("/instances/sync/status/").status_code == 405
    assert not SyncState.objects.exists()


@pytest.mark.django_db
def test_the_status_polls_while_the_asked_for_sync_has_not_run(world: World) -> None:
    started = timezone.now() - timedelta(minutes=3)
    SyncState.objects.create(pk=1, last_attempt_at=started, last_success_at=started)
    marker, asked = sync_marker(), timezone.now()
    client = world.client("admin")

    waiting = client.get(poll_url(marker, asked.isoformat()), headers=HTMX)
    with time_machine.travel(asked + timedelta(seconds=31)):
        late = client.get(poll_url(marker, asked.isoformat()), headers=HTMX)
        SyncState.objects.filter(pk=1).update(running_since=timezone.now())
        running = client.get(poll_url(marker, asked.isoformat()), headers=HTMX)
        SyncState.objects.filter(pk=1).update(
            running_since=None, last_attempt_at=timezone.now(), last_success_at=timezone.now()
        )
        done = client.get(poll_url(marker, asked.isoformat()), headers=HTMX)

    html = waiting.content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert "/instances/sync/status/?after=" in html
    assert "Syncing with Green API" in html
    assert "HX-Trigger" not in waiting
    assert "The worker has not started yet" in late.content.decode()
    assert "The worker has not started yet" not in running.content.decode()
    assert 'hx-trigger="every 2s"' in running.content.decode()
    assert 'hx-trigger="every 2s"' not in done.content.decode()
    assert json.loads(done["HX-Trigger"]).keys() == {"instances-synced"}


@pytest.mark.django_db
def test_a_status_without_a_valid_ask_just_shows_the_status(world: World) -> None:
    client = world.client("admin")

    for query in ("", "?after=yesterday&asked=soon", "?after=&asked="):
        response = client.get(f"/instances/sync/status/{query}", headers=HTMX)
        assert response.status_code == 200
        assert "every 2s" not in response.content.decode()
        assert "HX-Trigger" not in response


@pytest.mark.usefixtures("greenapi_settings")
def test_the_status_poll_calls_no_green_api(admin: User, sandbox: SandboxControl) -> None:
    job_run(SYNC)
    sandbox.reset_calls()

    logged_in(admin).get(poll_url("", timezone.now().isoformat()), headers=HTMX)

    assert sandbox.calls() == {}
