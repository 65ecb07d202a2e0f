"""The audit trail: what an event holds, who may read which, filters, paging, and no secrets."""

import logging
import re
from base64 import b32encode
from binascii import unhexlify
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from accounts.audit import audit_record
from accounts.models import AuditEvent, TOTPDevice, User
from tests.accounts.test_twofactor import code
from tests.support.personas import PASSWORD, World


def test_an_event_keeps_who_what_when_and_where(world: World) -> None:
    request = RequestFactory().post("/x", REMOTE_ADDR="203.0.113.9")
    request.user = world.reseller_a_user
    with time_machine.travel(datetime(2026, 5, 1, 12, 0, tzinfo=UTC), tick=False):
        event = audit_record(
            action="instance.reboot",
            actor=world.reseller_a_user,
            request=request,
            target=world.instance_a,
        )
    event.refresh_from_db()
    assert (event.actor, event.actor_username, event.actor_role) == (
        world.reseller_a_user,
        "reseller-a",
        "reseller",
    )
    assert (event.actor_reseller, event.reseller) == (world.reseller_a, world.reseller_a)
    assert (event.target_type, event.target_id) == ("instance", str(world.instance_a.pk))
    assert event.target_label == str(world.instance_a)
    assert (event.result, event.ip_address) == ("ok", "203.0.113.9")
    assert event.created_at == datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_the_snapshot_outlives_later_changes(world: World) -> None:
    event = audit_record(action="user.update", actor=world.support, target=world.admin)
    User.objects.filter(pk=world.support.pk).update(username="renamed", role="admin")
    event.refresh_from_db()
    assert (event.actor_username, event.actor_role) == ("support", "support")


@pytest.mark.parametrize(
    ("actor", "target", "tenant"),
    [
        ("admin", "instance_b", "reseller_b"),  # the target's reseller
        ("admin", "reseller_a", "reseller_a"),  # a reseller is its own tenant
        ("admin", "reseller_b_user", "reseller_b"),
        ("reseller_a_user", None, "reseller_a"),  # else the actor's
        ("admin", "instance_unassigned", None),  # staff only
        ("admin", None, None),
    ],
)
def test_an_event_belongs_to_the_right_tenant(
    world: World, actor: str, target: str | None, tenant: str | None
) -> None:
    event = audit_record(
        action="user.update",
        actor=getattr(world, actor),
        target=getattr(world, target) if target else None,
    )
    assert event.reseller == (getattr(world, tenant) if tenant else None)


def test_green_api_tokens_are_redacted_from_details(world: World) -> None:
    token = "ab12" * 12 + "cd"
    event = audit_record(action="instance.create", actor=world.admin, detail=f"token {token}")
    assert token not in event.detail
    assert "[redacted]" in event.detail


@pytest.fixture
def events(world: World) -> None:
    audit_record(action="login.success", actor=world.admin)
    audit_record(action="reseller.update", actor=world.admin, target=world.reseller_a)
    audit_record(action="instance.reboot", actor=world.support, target=world.instance_b)
    audit_record(action="instance.reboot", actor=world.reseller_a_user, target=world.instance_a)
    audit_record(action="login.success", actor=world.reseller_b_user)


def page_actions(client: Client, query: str = "") -> list[tuple[str, str]]:
    response = client.get("/audit/" + query)
    assert response.status_code == 200
    return [(e.actor_username, e.action) for e in response.context["page"]]


@pytest.mark.usefixtures("events")
@pytest.mark.parametrize("persona", ["admin", "support"])
def test_staff_read_every_event(world: World, persona: str) -> None:
    assert len(page_actions(world.client(persona))) == 5


@pytest.mark.usefixtures("events")
def test_a_reseller_user_reads_only_their_resellers_events(world: World) -> None:
    assert page_actions(world.client("reseller_a_user")) == [
        ("reseller-a", "instance.reboot"),
        ("admin", "reseller.update"),
    ]
    assert page_actions(world.client("reseller_b_user")) == [
        ("reseller-b", "login.success"),
        ("support", "instance.reboot"),
    ]


@pytest.mark.usefixtures("events")
def test_a_reseller_user_cannot_filter_their_way_to_another_tenant(world: World) -> None:
    client = world.client("reseller_a_user")
    response = client.get(f"/audit/?user={world.reseller_b_user.pk}")
    assert response.context["form"].errors["user"]
    assert list(response.context["page"]) == []
    # The reseller filter does not exist for them; passing it changes nothing.
    assert len(page_actions(client, f"?reseller={world.reseller_b.pk}")) == 2
    choices = response.context["form"].fields["user"].queryset
    assert list(choices) == [world.reseller_a_user]
    assert b"reseller-b" not in response.content


@pytest.mark.usefixtures("events")
def test_filters_by_user_reseller_action_and_date(world: World) -> None:
    client = world.client("admin")
    assert page_actions(client, f"?user={world.support.pk}") == [("support", "instance.reboot")]
    assert len(page_actions(client, f"?reseller={world.reseller_b.pk}")) == 2
    assert len(page_actions(client, "?action=login.success")) == 2
    assert page_actions(client, "?action=reseller.update") == [("admin", "reseller.update")]
    today = datetime.now(UTC).date()
    assert len(page_actions(client, f"?date_from={today}&date_to={today}")) == 5
    assert page_actions(client, f"?date_to={today - timedelta(days=1)}") == []


def test_the_user_filter_also_finds_changes_to_that_user(world: World) -> None:
    audit_record(action="user.update", actor=world.admin, target=world.support)
    assert page_actions(world.client("admin"), f"?user={world.support.pk}") == [
        ("admin", "user.update")
    ]


def test_an_inverted_date_range_is_a_form_error(world: World) -> None:
    response = world.client("admin").get("/audit/?date_from=2026-05-02&date_to=2026-05-01")
    assert "before the start" in str(response.context["form"].errors)


def test_the_log_is_paged_with_a_fixed_number_of_queries(world: World) -> None:
    client = world.client("admin")
    client.get("/audit/")  # the first request stamps the new session's clock

    def queries(page: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/audit/?page={page}&action=instance.reboot").status_code == 200
        return len(captured)

    # Targets become links: telling which may be opened must not cost a query per row.
    on_a = {"target_type": "instance", "target_id": str(world.instance_a.pk)}
    on_b = {"target_type": "instance", "target_id": str(world.instance_b.pk)}

    AuditEvent.objects.bulk_create(
        AuditEvent(
            action="instance.reboot", actor_username=f"u{i}", reseller=world.reseller_a, **on_a
        )
        for i in range(10)
    )
    small = queries(1)
    AuditEvent.objects.bulk_create(
        AuditEvent(
            action="instance.reboot", actor_username=f"v{i}", reseller=world.reseller_b, **on_b
        )
        for i in range(200)
    )
    assert queries(1) == queries(3) == small
    response = client.get("/audit/?page=2&action=instance.reboot")
    assert response.context["page"].paginator.num_pages == 5
    assert b"?action=instance.reboot&amp;page=3" in response.content


def test_an_htmx_filter_request_gets_only_the_table(world: World) -> None:
    response = world.client("admin").get(
        "/audit/?action=login.success", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert b"<table" in response.content


def test_no_event_log_line_or_page_shows_a_secret(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker_password = "Marker-Secret-Password-4471"
    marker_typo = "Marker-Typed-In-Username-7719"
    token = "5e" * 25  # an instance API token
    world.instance_a.api_token = token
    world.instance_a.save()

    client = Client()
    client.post("/login/", {"username": "admin", "password": marker_password})
    client.post("/login/", {"username": marker_typo, "password": marker_password})
    client.post("/login/", {"username": "admin", "password": PASSWORD})
    client.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": marker_password,
            "new_password2": marker_password,
        },
    )
    client.post("/account/2fa/start/")
    device = TOTPDevice.objects.get(user=world.admin)
    client.post("/account/2fa/setup/", {"token": code(device)})
    secrets = {
        "password": marker_password,
        "typo": marker_typo,
        "token": token,
        "totp hex": device.key,
        "totp base32": b32encode(unhexlify(device.key)).decode().rstrip("="),
    }
    audit_record(action="instance.token_reveal", actor=world.admin, target=world.instance_a)

    events = str(list(AuditEvent.objects.values()))
    pages = b"".join(client.get(url).content for url in ("/audit/", "/account/", "/users/"))
    for name, secret in secrets.items():
        assert secret not in events, name
        assert secret not in caplog.text, name
        assert secret.encode() not in pages, name
    assert AuditEvent.objects.filter(action="totp.enable").exists()
    assert re.search(r"login\.failed", events)
