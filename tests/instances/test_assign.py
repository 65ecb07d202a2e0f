"""Assigning instances to a reseller: admins only, all or nothing, one audit event per change."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import PermissionDenied

from accounts.models import AuditEvent, Reseller, User
from core.errors import ApplicationError
from instances.models import Instance
from instances.services.assign import instances_assign
from tests.support.personas import MISSING_ID, World

if TYPE_CHECKING:
    # What django.test.Client returns (django-stubs names it; Django does not).
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse


def messages_of(response: TestResponse) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def resellers_of(world: World) -> dict[int, int | None]:
    return dict(Instance.objects.values_list("pk", "reseller_id"))


def test_admin_assigns_many_at_once_with_one_event_each(world: World) -> None:
    Instance.objects.create(id_instance=1101000010, name="Extra")
    ids = [world.instance_b.pk, world.instance_unassigned.pk, 1101000010]

    response = world.client("admin").post(
        "/instances/assign/", {"ids": ids, "reseller": world.reseller_a.pk}
    )

    assert response.status_code == 302
    assert response["Location"] == "/instances/"
    assert messages_of(response) == ["3 instances assigned to Reseller A."]
    assert Instance.objects.filter(reseller=world.reseller_a).count() == 4
    events = AuditEvent.objects.filter(action="instance.assign").order_by("target_id")
    assert [(e.target_id, e.detail) for e in events] == [
        (str(world.instance_b.pk), "Reseller B → Reseller A"),
        (str(world.instance_unassigned.pk), "Unassigned → Reseller A"),
        ("1101000010", "Unassigned → Reseller A"),
    ]
    assert {e.actor_username for e in events} == {"admin"}
    # The events belong to the new owner, so reseller A's people can read how they came.
    assert {e.reseller_id for e in events} == {world.reseller_a.pk}


def test_single_assign_from_the_instance_page_goes_back_there(world: World) -> None:
    back = f"/instances/{world.instance_unassigned.pk}/"

    response = world.client("admin").post(
        "/instances/assign/",
        {"ids": world.instance_unassigned.pk, "reseller": world.reseller_b.pk, "next": back},
    )

    assert response["Location"] == back
    assert messages_of(response) == ["1 instance assigned to Reseller B."]
    world.instance_unassigned.refresh_from_db()
    assert world.instance_unassigned.reseller == world.reseller_b


def test_empty_reseller_unassigns(world: World) -> None:
    response = world.client("admin").post(
        "/instances/assign/", {"ids": [world.instance_a.pk], "reseller": ""}
    )

    assert messages_of(response) == ["1 instance unassigned."]
    world.instance_a.refresh_from_db()
    assert world.instance_a.reseller is None
    event = AuditEvent.objects.get(action="instance.assign")
    assert event.detail == "Reseller A → Unassigned"
    assert event.reseller == world.reseller_a  # the reseller it left


def test_already_assigned_changes_nothing_and_records_nothing(world: World) -> None:
    response = world.client("admin").post(
        "/instances/assign/", {"ids": [world.instance_a.pk], "reseller": world.reseller_a.pk}
    )

    assert messages_of(response) == [
        "Nothing to change: the selection was already assigned to Reseller A."
    ]
    assert not AuditEvent.objects.filter(action="instance.assign").exists()


def test_partly_assigned_says_how_many_already_were(world: World) -> None:
    response = world.client("admin").post(
        "/instances/assign/",
        {"ids": [world.instance_a.pk, world.instance_b.pk], "reseller": world.reseller_a.pk},
    )

    assert messages_of(response) == ["1 instance assigned to Reseller A (1 already were)."]
    assert AuditEvent.objects.filter(action="instance.assign").count() == 1


@pytest.mark.parametrize("persona", ["support", "reseller_a_user", "reseller_b_user"])
def test_only_admins_may_assign(world: World, persona: str) -> None:
    before = resellers_of(world)

    response = world.client(persona).post(
        "/instances/assign/",
        {"ids": [world.instance_a.pk, world.instance_b.pk], "reseller": world.reseller_a.pk},
    )

    assert response.status_code == 403
    assert resellers_of(world) == before


def test_get_is_refused(world: World) -> None:
    response = world.client("admin").get(
        "/instances/assign/", {"ids": world.instance_b.pk, "reseller": world.reseller_a.pk}
    )

    assert response.status_code == 405
    world.instance_b.refresh_from_db()
    assert world.instance_b.reseller == world.reseller_b


def test_anonymous_is_sent_to_login(world: World) -> None:
    response = world.client("anonymous").post("/instances/assign/", {"ids": 1, "reseller": ""})

    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_a_missing_id_assigns_nothing_at_all(world: World) -> None:
    before = resellers_of(world)

    response = world.client("admin").post(
        "/instances/assign/",
        {"ids": [world.instance_unassigned.pk, MISSING_ID], "reseller": world.reseller_a.pk},
    )

    assert response.status_code == 302
    assert messages_of(response) == [
        "1 of the selected instances could not be found; nothing was assigned."
    ]
    assert resellers_of(world) == before
    assert not AuditEvent.objects.filter(action="instance.assign").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"reseller": "1"}, "Select at least one instance."),
        ({"ids": "", "reseller": ""}, "Select at least one instance."),
        ({"ids": "abc", "reseller": ""}, "not an instance id"),
        ({"ids": "-5", "reseller": ""}, "not an instance id"),
        ({"ids": "1e3", "reseller": ""}, "not an instance id"),
        ({"ids": "٣٤", "reseller": ""}, "not an instance id"),
        ({"ids": "9" * 30, "reseller": ""}, "not an instance id"),
        ({"ids": "1101000001\x00", "reseller": ""}, "not an instance id"),
        ({"ids": [str(n) for n in range(1, 502)], "reseller": ""}, "at most 500"),
        ({"ids": "INSTANCE"}, "Choose a reseller, or Unassigned."),
        ({"ids": "INSTANCE", "reseller": str(MISSING_ID)}, "Choose one of the active resellers."),
        ({"ids": "INSTANCE", "reseller": "abc"}, "Choose one of the active resellers."),
        ({"ids": "INSTANCE", "reseller": "9" * 30}, "Choose one of the active resellers."),
        ({"ids": "INSTANCE", "reseller": "INACTIVE"}, "Choose one of the active resellers."),
    ],
)
def test_bad_input_gets_a_message_and_assigns_nothing(
    world: World, data: dict[str, Any], message: str
) -> None:
    inactive = Reseller.objects.create(name="Closed", is_active=False)
    data = {
        key: {"INSTANCE": str(world.instance_unassigned.pk), "INACTIVE": str(inactive.pk)}.get(
            value, value
        )
        if isinstance(value, str)
        else value
        for key, value in data.items()
    }
    before = resellers_of(world)

    response = world.client("admin").post("/instances/assign/", data)

    assert response.status_code == 302
    assert response["Location"] == "/instances/"
    [shown] = messages_of(response)
    assert shown.startswith("Nothing was assigned.")
    assert message in shown
    assert resellers_of(world) == before


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example/",
        "javascript:alert(1)",
        "instances:list",
        "",
    ],
)
def test_next_must_be_a_local_path(world: World, next_url: str) -> None:
    response = world.client("admin").post(
        "/instances/assign/",
        {"ids": world.instance_unassigned.pk, "reseller": world.reseller_a.pk, "next": next_url},
    )

    assert response.status_code == 302
    assert response["Location"] == "/instances/"


def test_next_keeps_the_list_query(world: World) -> None:
    back = "/instances/?q=shop&sort=name&page=2"

    response = world.client("admin").post(
        "/instances/assign/",
        {"ids": world.instance_unassigned.pk, "reseller": world.reseller_a.pk, "next": back},
    )

    assert response["Location"] == back


# The service, called directly (the detail page and future bulk tools share it).


def test_service_refuses_roles_without_the_right(world: World) -> None:
    for user in (world.support, world.reseller_a_user):
        with pytest.raises(PermissionDenied):
            instances_assign(user=user, ids=[world.instance_a.pk], reseller=world.reseller_b)
    world.instance_a.refresh_from_db()
    assert world.instance_a.reseller == world.reseller_a


def test_service_refuses_an_inactive_reseller(admin: User, world: World) -> None:
    world.reseller_b.is_active = False
    world.reseller_b.save()

    with pytest.raises(ApplicationError, match="inactive"):
        instances_assign(user=admin, ids=[world.instance_a.pk], reseller=world.reseller_b)


def test_service_counts_only_changed_rows_and_ignores_duplicates(world: World) -> None:
    changed = instances_assign(
        user=world.admin,
        ids=[world.instance_b.pk, world.instance_b.pk, world.instance_a.pk],
        reseller=world.reseller_a,
    )

    assert changed == 1
    assert AuditEvent.objects.filter(action="instance.assign").count() == 1


def test_deleted_instances_can_be_assigned_too(world: World) -> None:
    Instance.objects.filter(pk=world.instance_unassigned.pk).update(deleted=True)

    changed = instances_assign(
        user=world.admin, ids=[world.instance_unassigned.pk], reseller=world.reseller_b
    )

    assert changed == 1


def test_assign_cannot_take_a_reseller_over_its_quota(world: World) -> None:
    world.reseller_a.instance_quota = 2  # it already has instance_a
    world.reseller_a.save()
    Instance.objects.create(id_instance=1101000011, name="Extra one")
    Instance.objects.create(id_instance=1101000012, name="Extra two")

    response = world.client("admin").post(
        "/instances/assign/",
        {"ids": [1101000011, 1101000012], "reseller": world.reseller_a.pk},
    )

    assert messages_of(response) == [
        "Reseller A has room for 1 more of its quota of 2 instances; nothing was assigned. "
        "Raise its quota first."
    ]
    assert Instance.objects.filter(reseller=world.reseller_a).count() == 1
    assert not AuditEvent.objects.filter(action="instance.assign").exists()


def test_deleted_instances_do_not_count_against_the_quota(world: World) -> None:
    world.reseller_a.instance_quota = 1  # full with instance_a
    world.reseller_a.save()
    Instance.objects.create(id_instance=1101000013, name="Gone", deleted=True)

    world.client("admin").post(
        "/instances/assign/", {"ids": [1101000013], "reseller": world.reseller_a.pk}
    )

    assert Instance.objects.get(pk=1101000013).reseller == world.reseller_a
