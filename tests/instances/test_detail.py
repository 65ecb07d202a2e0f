"""The instance page: what it shows, which actions it offers to whom, and its timeline."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import AuditEvent, Reseller, User
from instances.models import Instance, StateChange
from instances.timeline import instance_timeline
from tests.instances.live import logged_in, page_text
from tests.support.personas import MISSING_ID, World

WHEN = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def url(instance: Instance) -> str:
    return f"/instances/{instance.pk}/"


def test_page_shows_the_instance_facts(reseller_a_user: User, instance_a: Instance) -> None:
    Instance.objects.filter(pk=instance_a.pk).update(
        tariff="PARTNER_23",
        time_created=WHEN,
        expiration_date=WHEN + timedelta(days=1),
        is_expired=True,
        state=Instance.State.AUTHORIZED,
        state_changed_at=WHEN,
        state_checked_at=WHEN + timedelta(minutes=5),
        phone="79001234567",
    )

    text = page_text(logged_in(reseller_a_user).get(url(instance_a)))

    for fact in (
        "Instance 1101000001",
        "WhatsApp",
        "PARTNER_23",
        "2026-03-01 12:00",
        "2026-03-02 12:00",
        "(expired)",
        "Linked",
        "since 2026-03-01 12:00 UTC",
        "last confirmed 2026-03-01 12:05:00 UTC",
        "+79001234567",
        "Reseller A",
    ):
        assert fact in text
    # In sandbox mode apiUrl and mediaUrl are the emulator's.
    assert text.count("<code>http://127.0.0.1:9/sandbox</code>") == 2


def test_api_and_media_urls_follow_the_instance_id(
    admin: User, instance_a: Instance, settings: Any
) -> None:
    settings.GREEN_API_SANDBOX = False
    settings.GREEN_API_INSTANCE_URL = ""

    text = page_text(logged_in(admin).get(url(instance_a)))

    assert "https://1101.api.green-api.com" in text
    assert "https://1101.media.green-api.com" in text


def test_new_instance_says_it_is_being_created(admin: User, instance_a: Instance) -> None:
    Instance.objects.filter(pk=instance_a.pk).update(state=Instance.State.CREATING)

    text = page_text(logged_in(admin).get(url(instance_a)))

    assert "This instance is still being created: try again in a few minutes." in text


@pytest.mark.parametrize(
    ("persona", "offered", "hidden"),
    [
        ("admin", {"settings", "reboot", "logout", "delete", "token"}, set()),
        ("support", {"reboot", "logout"}, {"settings", "delete", "token"}),
        ("reseller_a_user", {"settings", "reboot", "logout", "delete", "token"}, set()),
    ],
)
def test_actions_are_offered_only_to_those_who_may(
    world: World, persona: str, offered: set[str], hidden: set[str]
) -> None:
    instance = world.instance_a

    text = page_text(world.client(persona).get(url(instance)))

    for action in offered:
        assert f"/instances/{instance.pk}/{action}/" in text
    for action in hidden:
        assert f"/instances/{instance.pk}/{action}/" not in text
    assert f"/instances/{instance.pk}/state/refresh/" in text


def test_assign_form_is_for_admins_only(world: World) -> None:
    assign_url = reverse("instances:assign")
    instance = world.instance_a

    admin_page = page_text(world.client("admin").get(url(instance)))
    support_page = page_text(world.client("support").get(url(instance)))

    assert f'action="{assign_url}"' in admin_page
    assert f'name="ids" value="{instance.pk}"' in admin_page
    assert f'name="next" value="/instances/{instance.pk}/"' in admin_page
    assert "Reseller B" in admin_page
    assert f'action="{assign_url}"' not in support_page


def test_assign_form_moves_the_instance_and_comes_back(
    admin: User, instance_a: Instance, reseller_b: Reseller
) -> None:
    assign_url = reverse("instances:assign")
    client = logged_in(admin)

    response = client.post(
        assign_url,
        {"ids": str(instance_a.pk), "reseller": str(reseller_b.pk), "next": url(instance_a)},
    )

    assert response["Location"] == url(instance_a)
    instance_a.refresh_from_db()
    assert instance_a.reseller == reseller_b


def test_other_tenant_and_missing_and_huge_ids_are_404(
    reseller_b_user: User, instance_a: Instance
) -> None:
    client = logged_in(reseller_b_user)
    for id_text in (str(instance_a.pk), str(MISSING_ID), "99999999999999999999", "0"):
        for suffix in ("", "settings/", "reboot/", "logout/", "delete/"):
            assert client.get(f"/instances/{id_text}/{suffix}").status_code == 404
        for suffix in ("token/", "state/refresh/"):
            assert client.post(f"/instances/{id_text}/{suffix}").status_code == 404


def test_huge_ids_are_404_for_staff_too(admin: User) -> None:
    client = logged_in(admin)
    for id_text in ("99999999999999999999", "9223372036854775808", "1" * 300):
        assert client.get(f"/instances/{id_text}/").status_code == 404
        assert client.get(f"/instances/{id_text}/delete/").status_code == 404
        assert client.post(f"/instances/{id_text}/token/", {"password": "x"}).status_code == 404
    for text in ("-1", "abc", "1.5", "%F0%9F%98%80"):
        assert client.get(f"/instances/{text}/").status_code == 404


def _events(instance: Instance, actor: User, count: int) -> None:
    for n in range(count):
        StateChange.objects.create(
            instance=instance,
            state=Instance.State.AUTHORIZED if n % 2 else Instance.State.NOT_AUTHORIZED,
            source=StateChange.Source.CHECK,
            at=WHEN + timedelta(minutes=2 * n),
        )
        event = audit_record(action="instance.reboot", actor=actor, target=instance)
        AuditEvent.objects.filter(pk=event.pk).update(
            created_at=WHEN + timedelta(minutes=2 * n + 1)
        )


def test_timeline_merges_state_changes_and_audit_events_newest_first(
    reseller_a_user: User, instance_a: Instance
) -> None:
    _events(instance_a, reseller_a_user, 40)

    entries = instance_timeline(user=reseller_a_user, instance=instance_a)

    assert len(entries) == 50
    assert [e.at for e in entries] == sorted((e.at for e in entries), reverse=True)
    assert (entries[0].title, entries[0].who) == ("Instance rebooted", "reseller-a")
    assert entries[1].title.startswith("State: ")
    assert entries[-1].at == WHEN + timedelta(minutes=2 * 15)


def test_timeline_takes_the_same_queries_for_few_and_many_events(
    reseller_a_user: User, instance_a: Instance, instance_b: Instance
) -> None:
    client = logged_in(reseller_a_user)
    client.get(url(instance_a))  # warm the session
    _events(instance_a, reseller_a_user, 2)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(instance_a)).status_code == 200
    _events(instance_a, reseller_a_user, 80)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(instance_a)).status_code == 200

    assert len(few.captured_queries) == len(many.captured_queries)


def test_timeline_hides_other_tenants_events(
    reseller_a_user: User, reseller_b_user: User, instance_a: Instance
) -> None:
    audit_record(action="instance.reboot", actor=reseller_a_user, target=instance_a)
    instance_a.reseller = reseller_b_user.reseller
    instance_a.save(update_fields=["reseller"])
    audit_record(action="instance.logout", actor=reseller_b_user, target=instance_a)

    for_b = instance_timeline(user=reseller_b_user, instance=instance_a)

    assert [e.title for e in for_b] == ["Phone logged out of the instance"]
    assert "reseller-a" not in page_text(logged_in(reseller_b_user).get(url(instance_a)))


def test_timeline_shows_failures(admin: User, instance_a: Instance) -> None:
    audit_record(
        action="instance.delete",
        actor=admin,
        target=instance_a,
        result=AuditEvent.Result.FAILED,
        detail="Could not log out the phone: Green API is not answering.",
    )

    text = page_text(logged_in(admin).get(url(instance_a)))

    assert "Instance deleted (failed)" in text
    assert "Could not log out the phone" in text


def test_page_never_shows_the_token(admin: User, instance_a: Instance) -> None:
    token = "ab" * 25
    Instance.objects.filter(pk=instance_a.pk).update(api_token=token)

    assert token not in logged_in(admin).get(url(instance_a)).content.decode()
