"""The permission matrix, exhaustively: every persona x action x own/other/unassigned instance."""

import uuid

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from accounts.models import Reseller, User
from accounts.permissions import (
    Action,
    can,
    can_create_instance_for,
    require,
)
from instances.models import CreateOrder, Instance
from instances.quota import quota_room
from instances.selectors import get_instance_for_user_or_404
from tests.support.personas import MISSING_ID, World

# The table, written out again independently of accounts/permissions.py.
# "all": on any instance; "own": only on the own reseller's; "no": never.
EXPECTED = {
    Action.VIEW_INSTANCES: {"admin": "all", "support": "all", "reseller": "own"},
    Action.CREATE_INSTANCE: {"admin": "all", "support": "all", "reseller": "own"},
    Action.ONBOARD: {"admin": "all", "support": "all", "reseller": "own"},
    Action.REBOOT_LOGOUT: {"admin": "all", "support": "all", "reseller": "own"},
    Action.EDIT_SETTINGS: {"admin": "all", "support": "no", "reseller": "own"},
    Action.DELETE_INSTANCE: {"admin": "all", "support": "no", "reseller": "own"},
    Action.REVEAL_TOKEN: {"admin": "all", "support": "no", "reseller": "own"},
    Action.ASSIGN_RESELLER: {"admin": "all", "support": "no", "reseller": "no"},
    Action.MANAGE_PEOPLE: {"admin": "all", "support": "no", "reseller": "no"},
    Action.READ_AUDIT: {"admin": "all", "support": "all", "reseller": "own"},
    Action.HOSTED_QR: {"admin": "all", "support": "no", "reseller": "no"},
    Action.SEE_ALL_TENANTS: {"admin": "all", "support": "all", "reseller": "no"},
    Action.CHECK_ORDER: {"admin": "all", "support": "all", "reseller": "no"},
    Action.HANDLE_ATTENTION: {"admin": "all", "support": "all", "reseller": "own"},
    Action.VIEW_USAGE: {"admin": "all", "support": "no", "reseller": "own"},
    Action.EDIT_BRAND: {"admin": "all", "support": "no", "reseller": "own"},
    Action.MANAGE_EVENTS: {"admin": "all", "support": "no", "reseller": "own"},
}
ROLE_OF = {
    "admin": "admin",
    "support": "support",
    "reseller_a_user": "reseller",
    "reseller_b_user": "reseller",
}


def _objects(world: World, persona: str) -> dict[str, Instance | None]:
    own, other = world.instance_a, world.instance_b
    if persona == "reseller_b_user":
        own, other = other, own
    return {
        "none": None,
        "own": own,
        "other": other,
        "unassigned": world.instance_unassigned,
    }


def _expected(rule: str, variant: str) -> bool:
    if rule == "all":
        return True
    if rule == "own":
        return variant in {"none", "own"}
    return False


def test_every_action_has_a_row() -> None:
    assert set(EXPECTED) == set(Action)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("persona", list(ROLE_OF))
def test_can_follows_the_matrix(world: World, persona: str, action: Action) -> None:
    user = world.persona(persona)
    rule = EXPECTED[action][ROLE_OF[persona]]
    for variant, instance in _objects(world, persona).items():
        assert can(user, action, instance) is _expected(rule, variant), (persona, action, variant)


@pytest.mark.parametrize("action", list(Action))
def test_anonymous_can_do_nothing(world: World, anonymous: object, action: Action) -> None:
    for instance in (None, world.instance_a, world.instance_unassigned):
        assert can(anonymous, action, instance) is False


@pytest.mark.parametrize("action", list(Action))
def test_inactive_users_and_users_of_inactive_resellers_can_do_nothing(
    world: World, action: Action
) -> None:
    world.admin.is_active = False
    world.reseller_a.is_active = False
    world.reseller_a.save()
    reseller_user = User.objects.select_related("reseller").get(pk=world.reseller_a_user.pk)
    assert can(world.admin, action) is False
    assert can(reseller_user, action, world.instance_a) is False


def test_require_raises_permission_denied_only_when_can_says_no(world: World) -> None:
    require(world.support, Action.REBOOT_LOGOUT, world.instance_b)
    with pytest.raises(PermissionDenied):
        require(world.support, Action.DELETE_INSTANCE, world.instance_b)
    with pytest.raises(PermissionDenied):
        require(world.reseller_a_user, Action.REBOOT_LOGOUT, world.instance_b)


@pytest.mark.parametrize(
    ("persona", "visible"),
    [
        ("admin", {"a", "b", "unassigned"}),
        ("support", {"a", "b", "unassigned"}),
        ("reseller_a_user", {"a"}),
        ("reseller_b_user", {"b"}),
        ("anonymous", set()),
    ],
)
def test_get_instance_for_user_or_404_hides_other_tenants_like_missing_ones(
    world: World, anonymous: object, persona: str, visible: set[str]
) -> None:
    user = anonymous if persona == "anonymous" else world.persona(persona)
    instances = {
        "a": world.instance_a,
        "b": world.instance_b,
        "unassigned": world.instance_unassigned,
    }
    for key, instance in instances.items():
        if key in visible:
            assert get_instance_for_user_or_404(user, str(instance.pk)) == instance
        else:
            with pytest.raises(Http404) as hidden:
                get_instance_for_user_or_404(user, instance.pk)
            with pytest.raises(Http404) as missing:
                get_instance_for_user_or_404(user, MISSING_ID)
            assert str(hidden.value) == str(missing.value)
    for junk in ("abc", "", None, "1e3"):
        with pytest.raises(Http404):
            get_instance_for_user_or_404(user, junk)


def test_create_for_a_reseller_follows_the_matrix(world: World) -> None:
    a, b = world.reseller_a, world.reseller_b
    assert [can_create_instance_for(world.admin, r) for r in (a, b, None)] == [True, True, True]
    assert [can_create_instance_for(world.support, r) for r in (a, b, None)] == [True, True, False]
    reseller_user = world.reseller_a_user
    assert [can_create_instance_for(reseller_user, r) for r in (a, b, None)] == [
        True,
        False,
        False,
    ]


def test_nobody_creates_for_an_inactive_reseller(world: World) -> None:
    world.reseller_b.is_active = False
    world.reseller_b.save()
    assert can_create_instance_for(world.admin, world.reseller_b) is False
    assert can_create_instance_for(world.support, world.reseller_b) is False


def test_quota_counts_non_deleted_instances_and_pending_creates(reseller_a: Reseller) -> None:
    reseller_a.instance_quota = 2
    reseller_a.save()
    assert quota_room(reseller_a) == 2
    Instance.objects.create(id_instance=1, reseller=reseller_a, api_token="x" * 50)
    Instance.objects.create(id_instance=2, reseller=reseller_a, api_token="x" * 50, deleted=True)
    assert quota_room(reseller_a) == 1
    order = CreateOrder.objects.create(key=uuid.uuid4(), name="Pending", reseller=reseller_a)
    assert quota_room(reseller_a) == 0
    order.status = CreateOrder.Status.FAILED
    order.save()
    assert quota_room(reseller_a) == 1
    Instance.objects.create(id_instance=3, reseller=reseller_a, api_token="x" * 50)
    assert quota_room(reseller_a) == 0
