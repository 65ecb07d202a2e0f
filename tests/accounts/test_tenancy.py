"""One tenancy rule for every model: staff see all, a reseller user its own, others nothing."""

import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db.models import Model
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Reseller, User
from instances.models import CreateOrder, Instance, OnboardingLink
from tests.support.personas import PERSONAS, World


def _rows(world: World) -> dict[str, dict[str, Model]]:
    """One row of each tenant-owned model per tenant ("a", "b", and "none" where it exists)."""
    now = timezone.now()
    rows: dict[str, dict[str, Model]] = {}
    for tenant, reseller, instance in (
        ("a", world.reseller_a, world.instance_a),
        ("b", world.reseller_b, world.instance_b),
        ("none", None, world.instance_unassigned),
    ):
        rows[tenant] = {
            "instance": instance,
            "order": CreateOrder.objects.create(key=uuid.uuid4(), name=tenant, reseller=reseller),
            "link": OnboardingLink.objects.create(
                instance=instance,
                token_hash=uuid.uuid4().hex,
                created_at=now,
                expires_at=now,
            ),
            "event": audit_record(action="instance.reboot", actor=None, target=instance),
        }
        if reseller is not None:
            rows[tenant]["reseller"] = reseller
    return rows


VISIBLE = {
    "admin": {"a", "b", "none"},
    "support": {"a", "b", "none"},
    "reseller_a_user": {"a"},
    "reseller_b_user": {"b"},
    "anonymous": set(),
}
MODELS = {
    "instance": Instance,
    "order": CreateOrder,
    "link": OnboardingLink,
    "event": AuditEvent,
    "reseller": Reseller,
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("kind", MODELS)
def test_visible_to_applies_one_rule_to_every_model(world: World, persona: str, kind: str) -> None:
    rows = _rows(world)
    user = world.persona(persona) or AnonymousUser()
    expected = {rows[t][kind].pk for t in VISIBLE[persona] if kind in rows[t]}
    mine = set(
        MODELS[kind]
        .objects.visible_to(user)
        .filter(pk__in=[row[kind].pk for row in rows.values() if kind in row])
        .values_list("pk", flat=True)
    )
    assert mine == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_users_see_the_people_of_their_tenant(world: World, persona: str) -> None:
    user = world.persona(persona) or AnonymousUser()
    seen = set(User.objects.visible_to(user).values_list("username", flat=True))
    expected = {
        "admin": {"admin", "support", "reseller-a", "reseller-b"},
        "support": {"admin", "support", "reseller-a", "reseller-b"},
        "reseller_a_user": {"reseller-a"},
        "reseller_b_user": {"reseller-b"},
        "anonymous": set(),
    }[persona]
    assert seen == expected


def test_a_deactivated_reseller_sees_nothing(world: World) -> None:
    world.reseller_a.is_active = False
    world.reseller_a.save()
    user = User.objects.get(pk=world.reseller_a_user.pk)
    assert not Instance.objects.visible_to(user).exists()
    assert not Reseller.objects.visible_to(user).exists()


def test_templates_ask_the_permission_matrix_not_a_role() -> None:
    templates = Path(settings.BASE_DIR, "templates").rglob("*.html")
    offenders = [
        str(path)
        for path in templates
        if ".role" in path.read_text() or "is_staff_role" in path.read_text()
    ]
    assert offenders == []
