"""The people pages: search, filters and paging; destructive buttons on each person's page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import Reseller, User
from accounts.people_forms import PAGE_SIZE


@pytest.fixture
def admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


def usernames(html: str) -> list[str]:
    return re.findall(r'<a href="/users/\d+/">([^<]+)</a>', html)


def reseller_names(html: str) -> list[str]:
    return re.findall(r'<a href="/resellers/\d+/">([^<]+)</a>', html)


@pytest.mark.django_db
def test_users_are_found_by_name_email_or_username(admin_client: Client) -> None:
    User.objects.create_user("olga", email="olga@shop.example", first_name="Olga", role="support")
    User.objects.create_user("pavel", email="p@cafe.example", last_name="Smirnov", role="support")

    assert usernames(admin_client.get("/users/?q=OLGA").content.decode()) == ["olga"]
    assert usernames(admin_client.get("/users/?q=cafe.ex").content.decode()) == ["pavel"]
    assert usernames(admin_client.get("/users/?q=smirn").content.decode()) == ["pavel"]


@pytest.mark.django_db
def test_users_filter_by_role_and_status(admin_client: Client, reseller_a: Reseller) -> None:
    User.objects.create_user("agent", role="support")
    User.objects.create_user("gone", role="support", is_active=False)
    User.objects.create_user("seller", role="reseller", reseller=reseller_a)

    support = usernames(admin_client.get("/users/?role=support").content.decode())
    inactive = usernames(admin_client.get("/users/?status=inactive").content.decode())

    assert support == ["agent", "gone"]
    assert inactive == ["gone"]


@pytest.mark.django_db
def test_resellers_are_found_and_filtered(admin_client: Client) -> None:
    Reseller.objects.create(name="North shops", contact_email="n@north.example")
    Reseller.objects.create(name="South cafes", is_active=False)

    assert reseller_names(admin_client.get("/resellers/?q=north").content.decode()) == [
        "North shops"
    ]
    assert reseller_names(admin_client.get("/resellers/?status=inactive").content.decode()) == [
        "South cafes"
    ]


@pytest.mark.django_db
def test_people_pages_are_paged_and_the_filters_survive_paging(admin_client: Client) -> None:
    User.objects.bulk_create(
        User(username=f"agent-{n:03d}", role="support") for n in range(PAGE_SIZE + 5)
    )

    first = admin_client.get("/users/?role=support").content.decode()
    second = admin_client.get("/users/?role=support&page=2").content.decode()

    assert len(usernames(first)) == PAGE_SIZE
    assert usernames(second) == [f"agent-{n:03d}" for n in range(PAGE_SIZE, PAGE_SIZE + 5)]
    assert "role=support&amp;page=2" in first


@pytest.mark.django_db
@pytest.mark.parametrize("page", ["abc", "-3", "99999", "1.5"])
def test_any_page_number_gets_a_page(admin_client: Client, page: str) -> None:
    for path in ("/users/", "/resellers/"):
        assert admin_client.get(f"{path}?page={page}").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/users/", "role=wizard"),
        ("/users/", "status=zombie"),
        ("/users/", "q=" + "x" * 500),
        ("/resellers/", "status=zombie"),
        ("/resellers/", "q=" + "x" * 500),
    ],
)
def test_bad_filters_get_a_clear_message(admin_client: Client, path: str, query: str) -> None:
    response = admin_client.get(f"{path}?{query}")

    assert response.status_code == 200
    assert 'class="errorlist' in response.content.decode()


@pytest.mark.django_db
def test_destructive_buttons_are_on_the_persons_page_not_in_every_row(
    admin_client: Client, reseller_a: Reseller, reseller_a_user: User
) -> None:
    users = admin_client.get("/users/").content.decode()
    resellers = admin_client.get("/resellers/").content.decode()
    person = admin_client.get(f"/users/{reseller_a_user.pk}/").content.decode()
    company = admin_client.get(f"/resellers/{reseller_a.pk}/").content.decode()

    assert "Deactivate" not in users
    assert "Send password link" not in users
    assert "Deactivate" not in resellers
    assert f'action="/users/{reseller_a_user.pk}/deactivate/"' in person
    assert f'action="/users/{reseller_a_user.pk}/password-link/"' in person
    assert f'action="/resellers/{reseller_a.pk}/deactivate/"' in company


@pytest.mark.django_db
def test_an_admin_sees_no_deactivate_button_for_themselves(
    admin_client: Client, admin: User
) -> None:
    page = admin_client.get(f"/users/{admin.pk}/").content.decode()

    assert f'action="/users/{admin.pk}/deactivate/"' not in page
