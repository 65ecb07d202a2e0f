"""Customer links on the staff side: issue, show once, list with status, revoke, who may."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, User
from instances.models import Instance, OnboardingLink
from tests.support.onboarding import decode_qr, logged_in, text
from tests.support.personas import PASSWORD

LINK = re.compile(r"http://testserver/l/([A-Za-z0-9_-]{43})/")


def issue(user: User, instance: Instance, hours: str = "24") -> Any:
    return logged_in(user).post(f"/instances/{instance.pk}/links/issue/", {"hours": hours})


def issued_token(response: Any) -> str:
    match = LINK.search(text(response))
    assert match, "the issue page shows no link"
    return match.group(1)


def test_issuing_shows_the_link_once_and_stores_only_its_hash(
    reseller_a_user: User, instance_a: Instance
) -> None:
    response = issue(reseller_a_user, instance_a)

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    token = issued_token(response)
    link = OnboardingLink.objects.get()
    assert link.token_hash == hashlib.sha256(token.encode()).hexdigest()
    stored = " ".join(str(value) for value in OnboardingLink.objects.values().get().values())
    assert token not in stored
    assert link.created_by == reseller_a_user
    assert abs(link.expires_at - (timezone.now() + timedelta(hours=24))) < timedelta(minutes=1)
    assert "shown only this once" in text(response)
    event = AuditEvent.objects.get(action="onboarding.link_issue")
    assert event.target_id == str(instance_a.pk)
    assert token not in event.detail
    # The instance page no longer shows the address: only its status.
    page = text(logged_in(reseller_a_user).get(f"/instances/{instance_a.pk}/connect/"))
    assert token not in page
    assert "Active" in page


def test_issue_page_shows_the_link_as_a_qr_code(admin: User, instance_a: Instance) -> None:
    response = issue(admin, instance_a)
    token = issued_token(response)
    data_uri = re.search(r'src="data:image/png;base64,([^"]+)"', text(response))
    assert data_uri

    assert decode_qr(base64.b64decode(data_uri.group(1))) == f"http://testserver/l/{token}/"


@pytest.mark.parametrize(("hours", "lasts"), [("1", 1), ("168", 168), (" 72 ", 72)])
def test_lifetime_can_be_chosen_within_limits(
    support: User, instance_a: Instance, hours: str, lasts: int
) -> None:
    assert issue(support, instance_a, hours).status_code == 200
    link = OnboardingLink.objects.get()
    assert link.expires_at - link.created_at == timedelta(hours=lasts)


@pytest.mark.parametrize(
    ("hours", "sentence"),
    [
        ("", "Say how many hours"),
        ("0", "at least 1 hour"),
        ("-5", "at least 1 hour"),
        ("169", "at most 168 hours"),
        ("1000000", "at most 168 hours"),
        ("9" * 5000, "whole number"),
        ("abc", "whole number"),
        ("1.5", "whole number"),
        ("1e3", "whole number"),
        ("24\x00", "whole number"),
        ("🕐", "whole number"),
    ],
)
def test_bad_lifetimes_are_refused_with_a_message(
    reseller_a_user: User, instance_a: Instance, hours: str, sentence: str
) -> None:
    client = logged_in(reseller_a_user)
    response = client.post(f"/instances/{instance_a.pk}/links/issue/", {"hours": hours})

    assert response.status_code == 302
    assert response["Location"] == f"/instances/{instance_a.pk}/connect/"
    assert not OnboardingLink.objects.exists()
    follow = text(client.get(response["Location"]))
    assert sentence in follow


def test_links_are_listed_with_their_status(
    reseller_a_user: User, instance_a: Instance, settings: Any
) -> None:
    tokens = [issued_token(issue(reseller_a_user, instance_a)) for _ in range(4)]
    links = list(OnboardingLink.objects.order_by("pk"))
    now = timezone.now()
    OnboardingLink.objects.filter(pk=links[1].pk).update(used_at=now)
    OnboardingLink.objects.filter(pk=links[2].pk).update(expires_at=now - timedelta(seconds=1))
    OnboardingLink.objects.filter(pk=links[3].pk).update(revoked_at=now)

    fragment = text(logged_in(reseller_a_user).get(f"/instances/{instance_a.pk}/"))

    for state in ("link-active", "link-used", "link-expired", "link-revoked"):
        assert state in fragment
    assert fragment.count(">Revoke</button>") == 1  # only the active one
    assert f'name="link" value="{links[0].pk}"' in fragment
    for token in tokens:
        assert token not in fragment


def test_revoking_stops_the_link_and_is_audited(
    reseller_a_user: User, instance_a: Instance
) -> None:
    token = issued_token(issue(reseller_a_user, instance_a))
    link = OnboardingLink.objects.get()
    client = logged_in(reseller_a_user)

    response = client.post(f"/instances/{instance_a.pk}/links/revoke/", {"link": link.pk})

    assert response.status_code == 302
    link.refresh_from_db()
    assert link.revoked_at is not None
    assert link.status == OnboardingLink.Status.REVOKED
    assert AuditEvent.objects.filter(action="onboarding.link_revoke").count() == 1
    assert "was revoked" in text(client.get(f"/l/{token}/"))
    again = client.post(f"/instances/{instance_a.pk}/links/revoke/", {"link": link.pk})
    assert "already revoked" in text(client.get(again["Location"]))
    assert AuditEvent.objects.filter(action="onboarding.link_revoke").count() == 1


@pytest.mark.parametrize("value", ["", "abc", "999999", "9" * 30, "٣", "-1", "1.0", "1\x00"])
def test_revoking_a_link_that_is_not_there_says_so(
    admin: User, instance_a: Instance, value: str
) -> None:
    client = logged_in(admin)
    response = client.post(f"/instances/{instance_a.pk}/links/revoke/", {"link": value})
    assert response.status_code == 302
    assert "does not exist" in text(client.get(response["Location"]))


def test_a_link_is_revoked_only_through_its_own_instance(
    admin: User, instance_a: Instance, instance_b: Instance
) -> None:
    issue(admin, instance_a)
    link = OnboardingLink.objects.get()

    logged_in(admin).post(f"/instances/{instance_b.pk}/links/revoke/", {"link": link.pk})

    link.refresh_from_db()
    assert link.revoked_at is None


def test_another_reseller_can_neither_issue_nor_revoke_nor_see(
    reseller_a_user: User, reseller_b_user: User, instance_a: Instance
) -> None:
    issue(reseller_a_user, instance_a)
    link = OnboardingLink.objects.get()
    other = logged_in(reseller_b_user)

    assert issue(reseller_b_user, instance_a).status_code == 404
    revoke = other.post(f"/instances/{instance_a.pk}/links/revoke/", {"link": link.pk})
    assert revoke.status_code == 404
    assert other.get(f"/instances/{instance_a.pk}/connect/").status_code == 404
    assert OnboardingLink.objects.count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None


def test_staff_may_issue_for_any_instance(
    admin: User, support: User, instance_b: Instance, instance_unassigned: Instance
) -> None:
    assert issue(support, instance_b).status_code == 200
    assert issue(admin, instance_unassigned).status_code == 200


def test_no_links_for_a_deleted_instance(admin: User, instance_a: Instance) -> None:
    instance_a.deleted = True
    instance_a.save(update_fields=["deleted"])
    response = issue(admin, instance_a)
    assert response.status_code == 302
    assert not OnboardingLink.objects.exists()


def test_issue_and_revoke_refuse_get(admin: User, instance_a: Instance) -> None:
    client = logged_in(admin)
    assert client.get(f"/instances/{instance_a.pk}/links/issue/").status_code == 405
    assert client.get(f"/instances/{instance_a.pk}/links/revoke/").status_code == 405


# --- Green API's hosted QR page ---------------------------------------------------------


def test_admin_sees_the_hosted_qr_address_only_after_a_password(
    admin: User, instance_a: Instance
) -> None:
    client = logged_in(admin)
    page = text(client.get(f"/instances/{instance_a.pk}/connect/"))
    assert "Green API's hosted QR page" in page
    assert instance_a.api_token not in page

    response = client.post(f"/instances/{instance_a.pk}/connect/hosted-qr/", {"password": PASSWORD})

    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    body = text(response)
    assert f"https://qr.green-api.com/waInstance{instance_a.pk}/{instance_a.api_token}" in body
    assert "contains the instance's API token and never expires" in body
    assert AuditEvent.objects.filter(action="instance.token_reveal", result="ok").count() == 1


def test_hosted_qr_address_needs_the_right_password(admin: User, instance_a: Instance) -> None:
    client = logged_in(admin)
    response = client.post(f"/instances/{instance_a.pk}/connect/hosted-qr/", {"password": "no"})
    assert response.status_code == 302
    assert instance_a.api_token not in text(client.get(response["Location"]))


def test_hosted_qr_is_for_admins_only(
    reseller_a_user: User, support: User, instance_a: Instance
) -> None:
    page = text(logged_in(reseller_a_user).get(f"/instances/{instance_a.pk}/connect/"))
    assert "hosted QR page" not in page
    for user in (reseller_a_user, support):
        response = logged_in(user).post(
            f"/instances/{instance_a.pk}/connect/hosted-qr/", {"password": PASSWORD}
        )
        assert response.status_code == 403


def test_instance_page_lists_the_links_with_their_status(
    reseller_a_user: User, instance_a: Instance
) -> None:
    client = Client()
    client.force_login(reseller_a_user)
    client.post(f"/instances/{instance_a.pk}/links/issue/", {"hours": "24"})
    client.post(f"/instances/{instance_a.pk}/links/issue/", {"hours": "24"})
    revoked = OnboardingLink.objects.filter(instance=instance_a).first()
    client.post(f"/instances/{instance_a.pk}/links/revoke/", {"link": revoked.pk})

    page = client.get(f"/instances/{instance_a.pk}/").content.decode()

    assert "Customer links" in page
    assert "Revoked" in page
    assert "Active" in page
    assert "Issue a customer link" in page


@pytest.mark.parametrize("state", ["authorized", "yellowCard", "blocked"])
def test_no_link_is_issued_for_an_instance_that_is_already_linked(
    reseller_a_user: User, instance_a: Instance, state: str
) -> None:
    Instance.objects.filter(pk=instance_a.pk).update(state=state)
    client = Client()
    client.force_login(reseller_a_user)

    response = client.post(f"/instances/{instance_a.pk}/links/issue/", {"hours": "24"}, follow=True)

    assert "Log out the phone first" in response.content.decode()
    assert not OnboardingLink.objects.exists()


def test_revoking_from_the_instance_page_goes_back_there(
    reseller_a_user: User, instance_a: Instance
) -> None:
    client = Client()
    client.force_login(reseller_a_user)
    client.post(f"/instances/{instance_a.pk}/links/issue/", {"hours": "24"})
    link = OnboardingLink.objects.get()
    back = f"/instances/{instance_a.pk}/"

    response = client.post(
        f"/instances/{instance_a.pk}/links/revoke/", {"link": link.pk, "next": back}
    )
    elsewhere = client.post(
        f"/instances/{instance_a.pk}/links/revoke/",
        {"link": link.pk, "next": "https://evil.example.com/"},
    )

    assert response["Location"] == back
    assert elsewhere["Location"] == f"/instances/{instance_a.pk}/connect/"


@pytest.mark.parametrize(
    "target", ["foo", "instances:list", "//evil.example/x", "https://evil.example/"]
)
def test_revoke_goes_back_only_to_local_paths(
    reseller_a_user: User, instance_a: Instance, target: str
) -> None:
    """A bare word was once read as a URL name: a 500 after the revoke had been committed."""
    issue(reseller_a_user, instance_a)
    link = OnboardingLink.objects.get()

    response = logged_in(reseller_a_user).post(
        f"/instances/{instance_a.pk}/links/revoke/", {"link": link.pk, "next": target}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/instances/{instance_a.pk}/connect/"
    link.refresh_from_db()
    assert link.revoked_at is not None


def test_revoke_returns_to_the_page_it_came_from(
    reseller_a_user: User, instance_a: Instance
) -> None:
    issue(reseller_a_user, instance_a)
    link = OnboardingLink.objects.get()
    here = f"/instances/{instance_a.pk}/"

    response = logged_in(reseller_a_user).post(
        f"/instances/{instance_a.pk}/links/revoke/", {"link": link.pk, "next": here}
    )

    assert response["Location"] == here
