"""The admins' reseller and user pages: validation, scoping, sessions, e-mail and audit."""

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from accounts.models import AuditEvent, Reseller, User
from tests.support.personas import PASSWORD, World


@pytest.fixture
def admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def user_data(**overrides: object) -> dict[str, object]:
    data = {
        "username": "new-person",
        "email": "new.person@example.com",
        "first_name": "New",
        "last_name": "Person",
        "role": "support",
        "reseller": "",
        "is_active": "on",
    }
    return data | overrides


def reseller_data(**overrides: object) -> dict[str, object]:
    data = {"name": "Reseller C", "contact_email": "c@example.com", "instance_quota": "5"}
    return data | {"is_active": "on"} | overrides


def test_admin_creates_a_reseller(admin_client: Client) -> None:
    response = admin_client.post("/resellers/new/", reseller_data())
    assert response["Location"] == "/resellers/"
    reseller = Reseller.objects.get(name="Reseller C")
    assert (reseller.instance_quota, reseller.is_active) == (5, True)
    event = AuditEvent.objects.get()
    assert (event.action, event.target_label, event.reseller) == (
        "reseller.create",
        "Reseller C",
        reseller,
    )


def test_reseller_names_are_unique_in_any_case(admin_client: Client, reseller_a: Reseller) -> None:
    response = admin_client.post("/resellers/new/", reseller_data(name="reseller a"))
    assert response.status_code == 200
    assert b"already exists" in response.content


def test_editing_a_reseller_records_which_fields_changed(
    admin_client: Client, reseller_a: Reseller
) -> None:
    data = reseller_data(name="Reseller A", contact_email="a@example.com", instance_quota="25")
    assert admin_client.post(f"/resellers/{reseller_a.pk}/", data).status_code == 302
    reseller_a.refresh_from_db()
    assert reseller_a.instance_quota == 25
    assert AuditEvent.objects.get().detail == "changed: instance_quota"


def test_reseller_deactivation_locks_its_users_out(
    admin_client: Client, reseller_a: Reseller, reseller_a_user: User
) -> None:
    assert admin_client.post(f"/resellers/{reseller_a.pk}/deactivate/").status_code == 302
    login = Client().post("/login/", {"username": "reseller-a", "password": PASSWORD})
    assert login.status_code == 200  # refused, with the usual message
    assert AuditEvent.objects.filter(action="reseller.deactivate").count() == 1


def test_admin_creates_a_user_who_gets_an_invitation(admin_client: Client) -> None:
    response = admin_client.post("/users/new/", user_data())
    assert response["Location"] == "/users/"
    user = User.objects.get(username="new-person")
    assert (user.role, user.reseller, user.has_usable_password()) == ("support", None, False)
    [message] = mail.outbox
    assert message.to == ["new.person@example.com"]
    link = re.search(r"http://testserver(/password-reset/\S+/)", message.body).group(1)
    client = Client()
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    new = "Invited-Pass-2207"
    done = client.post(
        form_page.redirect_chain[-1][0], {"new_password1": new, "new_password2": new}
    )
    assert done["Location"] == "/password-reset/done/"
    assert Client().post("/login/", {"username": "new-person", "password": new}).status_code == 302
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True))[:2] == [
        "user.create",
        "password.reset",
    ]


def test_a_reseller_user_needs_a_reseller(admin_client: Client) -> None:
    response = admin_client.post("/users/new/", user_data(role="reseller"))
    assert response.status_code == 200
    assert b"A reseller user must belong to a reseller." in response.content


def test_staff_cannot_belong_to_a_reseller(admin_client: Client, reseller_a: Reseller) -> None:
    response = admin_client.post("/users/new/", user_data(role="admin", reseller=reseller_a.pk))
    assert response.status_code == 200
    assert b"Only reseller users belong to a reseller" in response.content


def test_reseller_choices_are_active_resellers_and_the_users_own(
    admin_client: Client, world: World
) -> None:
    world.reseller_b.is_active = False
    world.reseller_b.save()
    new_form = admin_client.get("/users/new/").context["form"]
    assert list(new_form.fields["reseller"].queryset) == [world.reseller_a]
    edit_form = admin_client.get(f"/users/{world.reseller_b_user.pk}/").context["form"]
    assert list(edit_form.fields["reseller"].queryset) == [world.reseller_a, world.reseller_b]
    # Posting the inactive reseller's id for a new user is refused.
    response = admin_client.post(
        "/users/new/", user_data(role="reseller", reseller=world.reseller_b.pk)
    )
    assert b"Select a valid choice" in response.content


def test_usernames_and_emails_are_unique_across_both(admin_client: Client, world: World) -> None:
    for data in (
        user_data(username="ADMIN"),
        user_data(email="Support@Example.com"),
        user_data(username="reseller-a@example.com"),
        user_data(email="admin"),
    ):
        assert admin_client.post("/users/new/", data).status_code == 200
    assert not User.objects.filter(username="new-person").exists()


def test_editing_a_user_moves_them_to_another_reseller(admin_client: Client, world: World) -> None:
    subject = world.reseller_a_user
    data = user_data(username=subject.username, email=subject.email, role="reseller")
    data["reseller"] = world.reseller_b.pk
    assert admin_client.post(f"/users/{subject.pk}/", data).status_code == 302
    subject.refresh_from_db()
    assert subject.reseller == world.reseller_b
    assert AuditEvent.objects.get().detail.startswith("changed: ")


def test_admins_cannot_demote_or_deactivate_themselves(admin_client: Client, admin: User) -> None:
    data = user_data(username="admin", email=admin.email, role="support")
    response = admin_client.post(f"/users/{admin.pk}/", data)
    assert b"cannot change your own role" in response.content
    response = admin_client.post(f"/users/{admin.pk}/deactivate/", follow=True)
    assert b"cannot deactivate yourself" in response.content
    admin.refresh_from_db()
    assert (admin.role, admin.is_active) == ("admin", True)
    assert not AuditEvent.objects.exists()


def test_admin_sends_a_password_link(admin_client: Client, reseller_a_user: User) -> None:
    response = admin_client.post(f"/users/{reseller_a_user.pk}/password-link/")
    assert response["Location"] == "/users/"
    [message] = mail.outbox
    assert message.to == [reseller_a_user.email]
    assert "/password-reset/" in message.body
    event = AuditEvent.objects.get()
    assert (event.action, event.reseller) == ("user.password_reset_send", reseller_a_user.reseller)
    assert "/password-reset/" not in event.detail


def test_a_failed_password_e_mail_is_reported(
    settings: Any, admin_client: Client, support: User
) -> None:
    settings.EMAIL_BACKEND = "tests.accounts.test_people.BrokenEmailBackend"
    response = admin_client.post(f"/users/{support.pk}/password-link/", follow=True)
    assert b"could not be sent" in response.content
    assert AuditEvent.objects.get().result == "failed"


class BrokenEmailBackend:
    def __init__(self, **kwargs: object) -> None:
        pass

    def send_messages(self, messages: object) -> int:
        raise OSError("connection refused")


def test_public_password_reset_works_for_invited_users_in_any_case(admin_client: Client) -> None:
    admin_client.post("/users/new/", user_data())
    mail.outbox.clear()
    response = Client().post("/password-reset/", {"email": "NEW.Person@example.com"})
    assert response["Location"] == "/password-reset/sent/"
    assert len(mail.outbox) == 1


def test_public_password_reset_does_not_tell_whether_an_address_exists(db: None) -> None:
    response = Client().post("/password-reset/", {"email": "nobody@example.com"})
    assert response["Location"] == "/password-reset/sent/"
    assert mail.outbox == []


# (url, data) for every mutating POST of the people pages; the ids are filled per test.
MUTATIONS = [
    ("/resellers/new/", reseller_data()),
    ("/resellers/{reseller}/", reseller_data(name="Reseller A2")),
    ("/resellers/{reseller}/deactivate/", {}),
    ("/users/new/", user_data()),
    ("/users/{user}/", user_data(username="renamed", email="renamed@example.com")),
    ("/users/{user}/deactivate/", {}),
    ("/users/{user}/password-link/", {}),
]


@pytest.mark.parametrize(("url", "data"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_every_change_writes_exactly_one_event(
    admin_client: Client, world: World, url: str, data: dict[str, object]
) -> None:
    url = url.format(reseller=world.reseller_a.pk, user=world.support.pk)
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content[:500]
    assert AuditEvent.objects.count() == 1
    event = AuditEvent.objects.get()
    assert (event.actor, event.actor_role, event.result) == (world.admin, "admin", "ok")


@pytest.mark.parametrize(("url", "data"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
@pytest.mark.parametrize("persona", ["support", "reseller_a_user"])
def test_other_roles_cannot_change_people_by_posting_ids(
    world: World, persona: str, url: str, data: dict[str, object]
) -> None:
    client = world.client(persona)
    before = snapshot()
    url = url.format(reseller=world.reseller_b.pk, user=world.reseller_b_user.pk)
    assert client.post(url, data).status_code == 403
    assert snapshot() == before
    assert not AuditEvent.objects.exists()
    assert mail.outbox == []


def snapshot() -> list[dict[str, object]]:
    return list(User.objects.order_by("pk").values()) + list(
        Reseller.objects.order_by("pk").values()
    )
