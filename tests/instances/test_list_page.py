"""The instance list page: sync and freshness, htmx fragments, links, and who sees what."""

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client
from django.utils import timezone

from accounts.models import Reseller, User
from greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.jobs import SYNC, job_run
from instances.models import Instance, SyncState
from tests.support.personas import World
from tests.support.sandbox import SandboxControl


@pytest.fixture
def admin_client(db: None) -> Client:
    user = User.objects.create_user("boss", password="pw-123-long", role=User.Role.ADMIN)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.usefixtures("greenapi_settings")
def test_list_shows_what_the_worker_synced(admin_client: Client, sandbox: SandboxControl) -> None:
    created = partner_client().create_instance(CreateInstanceParams(name="Bakery bot"))
    job_run(SYNC)

    response = admin_client.get("/instances/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Bakery bot" in html
    assert str(created.id_instance) in html
    assert "Synced with Green API" in html
    assert created.api_token not in html


OLD = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.usefixtures("greenapi_settings")
def test_list_says_plainly_when_green_api_is_down(
    admin_client: Client, sandbox: SandboxControl
) -> None:
    Instance.objects.create(id_instance=1101000042, name="Cached shop", api_token="a" * 50)
    sandbox.add_fault("getInstances", "http500")
    job_run(SYNC)

    response = admin_client.get("/instances/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "The last sync with Green API failed" in html
    assert "Cached shop" in html  # the mirror still serves the page


@pytest.mark.usefixtures("greenapi_settings")
def test_list_says_when_an_incomplete_answer_was_refused(
    admin_client: Client, sandbox: SandboxControl
) -> None:
    Instance.objects.create(
        id_instance=1101000042, name="Cached shop", api_token="a" * 50, time_created=OLD
    )
    sandbox.add_fault("getInstances", "error200", body=[])
    job_run(SYNC)

    html = admin_client.get("/instances/").content.decode()

    assert "The last sync with Green API failed. Kept the mirror: Green API listed 0 of 1" in html
    assert "Cached shop" in html
    assert Instance.objects.get(pk=1101000042).deleted is False


@pytest.mark.django_db
def test_reseller_sees_only_its_own_instances() -> None:
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


# htmx, links and the page without JavaScript


@pytest.fixture
def fresh_mirror(db: None) -> None:
    SyncState.objects.create(pk=1, last_success_at=timezone.now())


HTMX = {"HX-Request": "true"}


@pytest.mark.usefixtures("fresh_mirror")
def test_full_page_has_a_plain_get_form_that_htmx_enhances(world: World) -> None:
    html = world.client("admin").get("/instances/?q=shop").content.decode()

    assert html.startswith("<!doctype html>")
    form = re.search(r'<form id="instance-filters"[^>]*>', html)
    assert form is not None
    tag = form.group(0)
    # Without JavaScript this is an ordinary GET form with a button.
    assert 'method="get"' in tag
    assert 'action="/instances/"' in tag
    assert '<button type="submit" class="btn">Apply</button>' in html
    # With htmx: the results swap in place and the address bar keeps the query.
    assert 'hx-get="/instances/"' in tag
    assert 'hx-target="#instance-results"' in tag
    assert 'hx-push-url="true"' in tag
    assert "input changed delay:" in tag
    assert '<div id="instance-results"' in html


@pytest.mark.usefixtures("fresh_mirror")
def test_htmx_request_gets_the_results_fragment_only(world: World) -> None:
    client = world.client("admin")

    full = client.get("/instances/?q=1101")
    fragment = client.get("/instances/?q=1101", headers=HTMX)

    body = fragment.content.decode()
    assert "<html" not in body
    assert "<table" in body
    assert 'class="state-counts"' in body
    assert "Synced with Green API" in body
    assert str(world.instance_a.pk) in body
    assert "<html" in full.content.decode()
    # One URL, two answers: caches must key on the header.
    assert "HX-Request" in fragment["Vary"]
    assert "HX-Request" in full["Vary"]


@pytest.mark.usefixtures("fresh_mirror")
def test_htmx_answer_pushes_the_canonical_query(world: World) -> None:
    url = "/instances/?q=shop&state=&messenger=&show=active&expired=&sort=-created"

    response = world.client("admin").get(url, headers=HTMX)

    assert response["HX-Push-Url"] == "/instances/?q=shop"


@pytest.mark.usefixtures("fresh_mirror")
def test_a_shared_link_opens_with_the_same_filters(world: World) -> None:
    url = f"/instances/?q=1101&state=unknown&reseller={world.reseller_a.pk}&sort=name"

    html = world.client("support").get(url).content.decode()

    assert 'value="1101"' in html
    assert '<option value="unknown" selected>' in html
    assert f'<option value="{world.reseller_a.pk}" selected>' in html
    assert '<option value="name" selected>' in html


@pytest.mark.usefixtures("fresh_mirror")
def test_history_restore_gets_the_whole_page(world: World) -> None:
    headers = {**HTMX, "HX-History-Restore-Request": "true"}

    response = world.client("admin").get("/instances/?q=shop", headers=headers)

    assert "<html" in response.content.decode()


@pytest.mark.usefixtures("fresh_mirror")
def test_links_refresh_the_filter_form_but_typing_does_not(world: World) -> None:
    client = world.client("admin")

    from_link = client.get("/instances/?state=unknown", headers=HTMX).content.decode()
    from_form = client.get(
        "/instances/?q=11", headers={**HTMX, "HX-Trigger": "instance-filters"}
    ).content.decode()

    # A count link changed the state: the form outside the swap is replaced out of band.
    assert 'hx-swap-oob="true"' in from_link
    assert '<option value="unknown" selected>' in from_link
    # While someone types, their search box is left alone.
    assert "hx-swap-oob" not in from_form


@pytest.mark.usefixtures("fresh_mirror")
def test_page_has_no_inline_script_or_style(world: World) -> None:
    html = world.client("admin").get("/instances/").content.decode()

    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts
    assert all(" src=" in tag and " defer" in tag for tag in scripts)
    assert "/static/vendor/htmx.min.js" in html
    assert "<style" not in html
    assert " style=" not in html
    assert not re.search(r"\son[a-z]+=", html)
    assert '"includeIndicatorStyles": false' in html


def test_vendored_htmx_is_version_2() -> None:
    path = finders.find("vendor/htmx.min.js")
    assert path is not None
    source = Path(path).read_text()
    assert 'version:"2.' in source


@pytest.mark.usefixtures("fresh_mirror")
def test_rows_link_to_the_instance_page(world: World) -> None:
    html = world.client("reseller_a_user").get("/instances/").content.decode()

    assert f'href="/instances/{world.instance_a.pk}/"' in html


@pytest.mark.usefixtures("fresh_mirror")
@pytest.mark.parametrize("persona", ["admin", "support", "reseller_a_user"])
def test_new_instance_button_for_those_who_may_create(world: World, persona: str) -> None:
    html = world.client(persona).get("/instances/").content.decode()

    assert 'href="/instances/new/"' in html


@pytest.mark.usefixtures("fresh_mirror")
def test_only_admins_get_the_assign_form(world: World) -> None:
    inactive = Reseller.objects.create(name="Closed reseller", is_active=False)
    Instance.objects.create(id_instance=1101000077, reseller=inactive)

    admin_html = world.client("admin").get("/instances/?show=all").content.decode()

    assert 'action="/instances/assign/"' in admin_html
    assert f'name="ids" value="{world.instance_a.pk}" form="assign-form"' in admin_html
    assert 'name="next" value="/instances/?show=all"' in admin_html
    assign_form = admin_html[admin_html.index('id="assign-form"') :]
    assign_form = assign_form[: assign_form.index("</form>")]
    assert "Reseller A" in assign_form
    assert "Unassigned (no reseller)" in assign_form
    assert "Closed reseller" not in assign_form  # only active resellers take instances
    for persona in ("support", "reseller_a_user"):
        html = world.client(persona).get("/instances/").content.decode()
        # Rows can be ticked for the bulk actions their role allows, but not assigned.
        assert "/instances/assign/" not in html
        assert 'id="assign-reseller"' not in html
        assert 'value="reboot">Reboot…' in html


@pytest.mark.usefixtures("fresh_mirror")
def test_list_refuses_post(world: World) -> None:
    assert world.client("admin").post("/instances/").status_code == 405


@pytest.mark.usefixtures("fresh_mirror")
def test_empty_result_says_so(world: World) -> None:
    html = world.client("admin").get("/instances/?q=nothing-like-this").content.decode()

    assert "No instances match these filters." in html


@pytest.mark.parametrize("kind", ["http429", "hang", "malformed", "error200", "http502"])
def test_list_stays_up_from_the_mirror_whatever_green_api_does(
    admin_client: Client,
    sandbox: SandboxControl,
    greenapi_settings: Any,
    kind: str,
) -> None:
    settings = greenapi_settings
    settings.GREEN_API_READ_TIMEOUT = 0.3
    settings.GREEN_API_DEADLINE = 0.6
    Instance.objects.create(id_instance=1101000042, name="Cached shop", api_token="a" * 50)
    sandbox.add_fault("getInstances", kind, seconds=1)
    job_run(SYNC)

    response = admin_client.get("/instances/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "The last sync with Green API failed" in html
    assert "Cached shop" in html
    assert Instance.objects.get(pk=1101000042).deleted is False


@pytest.mark.usefixtures("fresh_mirror")
def test_column_headers_sort_and_the_expiry_shows(admin_client: Client) -> None:
    Instance.objects.create(
        id_instance=1101000099, name="Expiring", expiration_date=datetime(2026, 12, 24, tzinfo=UTC)
    )

    newest = admin_client.get("/instances/").content.decode()
    by_name = admin_client.get("/instances/?sort=name").content.decode()

    assert "<th>Expires (UTC)</th>" in newest
    assert "2026-12-24" in newest
    # Newest first is the default: the Created header offers oldest first, and says it is on.
    assert '<th aria-sort="descending"><a href="/instances/?sort=created"' in newest
    assert '<a href="/instances/?sort=name"' in newest
    # Sorted by name, its header turns the order round.
    assert '<th aria-sort="ascending"><a href="/instances/?sort=-name"' in by_name
