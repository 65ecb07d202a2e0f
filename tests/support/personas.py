"""Fixed personas for view and permission tests, imported as fixtures by tests/conftest.py.

Two resellers (A and B), one user of each, an admin, a support agent, and three instances:
one of A, one of B and one unassigned. Every persona's password is PASSWORD.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client

from accounts.models import Reseller, User
from instances.models import Instance

PASSWORD = "persona-Pass-7431"
INSTANCE_A, INSTANCE_B, INSTANCE_UNASSIGNED = 1101000001, 1101000002, 1101000003
# An id no instance has: its pages must answer exactly like another tenant's instance.
MISSING_ID = 1109999999


def _user(username: str, role: str, reseller: Reseller | None = None) -> User:
    return User.objects.create_user(
        username=username,
        email=f"{username}@example.com",
        password=PASSWORD,
        role=role,
        reseller=reseller,
    )


def _instance(id_instance: int, reseller: Reseller | None) -> Instance:
    return Instance.objects.create(
        id_instance=id_instance,
        name=f"Instance {id_instance}",
        api_token="x" * 50,
        reseller=reseller,
    )


@pytest.fixture
def reseller_a(db: None) -> Reseller:
    return Reseller.objects.create(name="Reseller A", contact_email="a@example.com")


@pytest.fixture
def reseller_b(db: None) -> Reseller:
    return Reseller.objects.create(name="Reseller B", contact_email="b@example.com")


@pytest.fixture
def admin(db: None) -> User:
    return _user("admin", User.Role.ADMIN)


@pytest.fixture
def support(db: None) -> User:
    return _user("support", User.Role.SUPPORT)


@pytest.fixture
def reseller_a_user(reseller_a: Reseller) -> User:
    return _user("reseller-a", User.Role.RESELLER, reseller_a)


@pytest.fixture
def reseller_b_user(reseller_b: Reseller) -> User:
    return _user("reseller-b", User.Role.RESELLER, reseller_b)


@pytest.fixture
def anonymous() -> AnonymousUser:
    return AnonymousUser()


@pytest.fixture
def instance_a(reseller_a: Reseller) -> Instance:
    return _instance(INSTANCE_A, reseller_a)


@pytest.fixture
def instance_b(reseller_b: Reseller) -> Instance:
    return _instance(INSTANCE_B, reseller_b)


@pytest.fixture
def instance_unassigned(db: None) -> Instance:
    return _instance(INSTANCE_UNASSIGNED, None)


@dataclass
class World:
    """Every persona and object at once, for tests that loop over them."""

    admin: User
    support: User
    reseller_a_user: User
    reseller_b_user: User
    reseller_a: Reseller
    reseller_b: Reseller
    instance_a: Instance
    instance_b: Instance
    instance_unassigned: Instance

    def persona(self, name: str) -> User | None:
        """The user behind a persona name; None for "anonymous"."""
        return None if name == "anonymous" else getattr(self, name)

    def client(self, name: str) -> Client:
        """A test client logged in as the persona (anonymous: not logged in)."""
        client = Client()
        user = self.persona(name)
        if user is not None:
            client.force_login(user)
        return client


PERSONAS = ("admin", "support", "reseller_a_user", "reseller_b_user", "anonymous")


@pytest.fixture
def world(
    admin: User,
    support: User,
    reseller_a_user: User,
    reseller_b_user: User,
    reseller_a: Reseller,
    reseller_b: Reseller,
    instance_a: Instance,
    instance_b: Instance,
    instance_unassigned: Instance,
) -> World:
    return World(
        admin=admin,
        support=support,
        reseller_a_user=reseller_a_user,
        reseller_b_user=reseller_b_user,
        reseller_a=reseller_a,
        reseller_b=reseller_b,
        instance_a=instance_a,
        instance_b=instance_b,
        instance_unassigned=instance_unassigned,
    )
