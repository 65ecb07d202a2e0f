"""Django's admin is for superusers only, and its login goes through the portal's login."""

from django.test import Client

from accounts.models import User


def test_superuser_uses_the_admin(db: None) -> None:
    superuser = User.objects.create_superuser("root", "root@example.com", "x-Pass-9911")
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/auditevent/").status_code == 200
    assert client.get("/admin/accounts/auditevent/add/").status_code == 403  # read-only


def test_partner_admins_who_are_not_superusers_are_refused(admin: User) -> None:
    client = Client()
    client.force_login(admin)
    response = client.get("/admin/", follow=True)
    assert response.status_code == 403


def test_anonymous_visitors_are_sent_to_the_portal_login(db: None) -> None:
    response = Client().get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/login/?next=/admin/"
    assert b"Log in" in response.content


def test_admin_login_does_not_redirect_off_site(db: None) -> None:
    response = Client().get("/admin/login/?next=https://evil.example/")
    assert response["Location"] == "/login/?next=/admin/"
