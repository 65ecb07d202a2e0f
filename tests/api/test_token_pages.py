"""The API token pages: a user creates a token (its secret shown once), lists and revokes their
own; partner admins list, search and revoke everyone's. Each create and revoke is audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, User
from api.models import ApiToken, Scope
from api.tokens import api_token_create, token_hash
from tests.support.api import ApiClient
from tests.support.pages import logged_in, page_text

NEW = "/account/api-tokens/new/"
OWN = "/account/api-tokens/"
ALL = "/api-tokens/"
INSTANCES = "/api/v1/instances"


def _form_data(client: Client, **changes: Any) -> dict[str, Any]:
    """What the create form sends when filled in, with its one-time key as rendered."""
    form = client.get(NEW).context["form"]
    data = {
        "name": "CRM",
        "days": "30",
        "scopes": [Scope.INSTANCES_READ, Scope.ONBOARDING],
        "once": str(form.initial["once"]),
    }
    return data | changes


def _offered(client: Client) -> list[str]:
    return [value for value, _label in client.get(NEW).context["form"].fields["scopes"].choices]


def test_the_account_page_leads_to_the_tokens(reseller_a_user: User) -> None:
    assert f'href="{OWN}"' in logged_in(reseller_a_user).get("/account/").content.decode()


def test_a_new_tokens_secret_is_shown_once_and_only_its_hash_kept(reseller_a_user: User) -> None:
    client = logged_in(reseller_a_user)
    data = _form_data(client)

    created = client.post(NEW, data)

    assert created.status_code == 200
    assert created["Cache-Control"].split(", ")[0] == "no-store"
    secret = created.context["issued"].secret
    assert secret.startswith("ppat_")
    assert secret in page_text(created)
    token = ApiToken.objects.get()
    assert (token.user, token.name, token.token_hash) == (
        reseller_a_user,
        "CRM",
        token_hash(secret),
    )
    assert token.scopes == [Scope.INSTANCES_READ, Scope.ONBOARDING]
    assert timedelta(days=29, hours=23) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert ApiClient(secret).get(INSTANCES).status_code == 200
    # Sending the same form again (reload, back and resubmit) shows no secret and makes none.
    again = client.post(NEW, data, follow=True)
    assert again.redirect_chain == [(OWN, 302)]
    assert secret not in page_text(again)
    assert "shown only once" in page_text(again)
    assert ApiToken.objects.count() == 1
    listed = page_text(client.get(OWN))
    assert token.prefix + "…" in listed
    assert secret not in listed


def test_creating_a_token_is_audited_without_its_secret(reseller_a_user: User) -> None:
    client = logged_in(reseller_a_user)
    secret = client.post(NEW, _form_data(client)).context["issued"].secret
    token = ApiToken.objects.get()

    event = AuditEvent.objects.get(action="api_token.create")
    assert (event.actor, event.reseller, event.target_type, event.target_id) == (
        reseller_a_user,
        reseller_a_user.reseller,
        "apitoken",
        str(token.pk),
    )
    assert event.detail == "scopes: instances:read onboarding; 30 days"
    stored = " ".join(str(value) for value in AuditEvent.objects.values_list().get())
    assert secret not in stored
    assert secret[len("ppat_") :] not in stored
    page = page_text(client.get("/audit/"))
    assert "API token created" in page
    assert "scopes: instances:read onboarding; valid for 30 days" in page


def test_a_role_is_offered_only_the_scopes_it_can_use(
    admin: User, support: User, reseller_a_user: User
) -> None:
    assert _offered(logged_in(admin)) == list(Scope.values)
    assert _offered(logged_in(reseller_a_user)) == list(Scope.values)
    offered_to_support = _offered(logged_in(support))
    assert Scope.INSTANCES_DELETE not in offered_to_support
    assert Scope.INSTANCES_REVEAL not in offered_to_support
    assert Scope.INSTANCES_READ in offered_to_support

    client = logged_in(support)
    refused = client.post(NEW, _form_data(client, scopes=[Scope.INSTANCES_DELETE]))

    assert refused.status_code == 200
    assert refused.context["form"].errors["scopes"]
    assert not ApiToken.objects.exists()
    assert 'value="instances:delete"' not in refused.content.decode()


@pytest.mark.parametrize(
    "changes",
    [
        {"name": ""},
        {"name": "   "},
        {"name": "x" * 101},
        {"days": "0"},
        {"days": "366"},
        {"days": "-5"},
        {"days": "ninety"},
        {"days": "1e400"},
        {"scopes": []},
        {"scopes": ["instances:everything"]},
        {"once": ""},
        {"once": "not-a-key"},
        {"name": "CRM\x00"},
    ],
    ids=repr,
)
def test_bad_input_is_a_form_error_never_a_500(reseller_a_user: User, changes: Any) -> None:
    client = logged_in(reseller_a_user)

    response = client.post(NEW, _form_data(client, **changes))

    assert response.status_code == 200
    assert response.context["form"].errors
    assert not ApiToken.objects.exists()
    assert "ppat_" not in response.content.decode()


def test_a_year_is_the_longest_and_ninety_days_the_default(reseller_a_user: User) -> None:
    client = logged_in(reseller_a_user)
    assert client.get(NEW).context["form"]["days"].value() == 90

    assert client.post(NEW, _form_data(client, days="365")).status_code == 200
    token = ApiToken.objects.get()
    assert token.expires_at - token.created_at == timedelta(days=365)


def test_the_list_shows_ones_own_tokens_with_their_use_and_status(
    reseller_a_user: User, reseller_b_user: User
) -> None:
    now = timezone.now()
    used = api_token_create(user=reseller_a_user, name="CRM", scopes=[Scope.INSTANCES_READ]).token
    ApiToken.objects.filter(pk=used.pk).update(last_used_at=now, last_used_ip="203.0.113.7")
    expired = api_token_create(user=reseller_a_user, name="Old shop", scopes=[Scope.ONBOARDING])
    ApiToken.objects.filter(pk=expired.token.pk).update(expires_at=now - timedelta(days=1))
    revoked = api_token_create(user=reseller_a_user, name="Leaked", scopes=[Scope.ONBOARDING])
    ApiToken.objects.filter(pk=revoked.token.pk).update(revoked_at=now)
    api_token_create(user=reseller_b_user, name="B's bot", scopes=[Scope.ONBOARDING])

    response = logged_in(reseller_a_user).get(OWN)

    page = page_text(response)
    rows = {token.name: token.status for token in response.context["page"]}
    assert rows == {"CRM": "active", "Old shop": "expired", "Leaked": "revoked"}
    assert "from 203.0.113.7" in page
    assert "Read instances" in page  # the scopes, by their labels
    assert used.prefix + "…" in page
    assert "B's bot" not in page
    # Only tokens still standing can be revoked.
    assert f"/account/api-tokens/{used.pk}/revoke/" in page
    assert f"/account/api-tokens/{revoked.token.pk}/revoke/" not in page


def test_revoking_asks_first_then_stops_the_token_and_is_audited(
    reseller_a_user: User, reseller_b_user: User
) -> None:
    issued = api_token_create(user=reseller_a_user, name="CRM", scopes=[Scope.INSTANCES_READ])
    url = f"/account/api-tokens/{issued.token.pk}/revoke/"
    client = logged_in(reseller_a_user)

    question = client.get(url)
    assert question.status_code == 200
    assert "Revoke the token" in page_text(question)
    assert ApiClient(issued.secret).get(INSTANCES).status_code == 200  # asking changed nothing

    assert client.post(url).url == OWN
    assert ApiClient(issued.secret).get(INSTANCES).status_code == 401
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert (event.actor, event.target_id, event.reseller) == (
        reseller_a_user,
        str(issued.token.pk),
        reseller_a_user.reseller,
    )
    # Again: nothing more happens.
    assert client.post(url).status_code == 302
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1
    # Another user's token is not theirs to revoke: the same 404 as a missing one.
    other = api_token_create(user=reseller_b_user, name="B", scopes=[Scope.ONBOARDING])
    assert client.post(f"/account/api-tokens/{other.token.pk}/revoke/").status_code == 404
    assert ApiClient(other.secret).get(INSTANCES).status_code == 403  # usable, lacks read


def test_admins_search_page_and_revoke_every_users_tokens(
    admin: User, reseller_a_user: User, reseller_b_user: User, support: User
) -> None:
    crm = api_token_create(user=reseller_a_user, name="CRM", scopes=[Scope.INSTANCES_READ])
    api_token_create(user=reseller_b_user, name="Chatbot", scopes=[Scope.ONBOARDING])
    for n in range(50):
        api_token_create(user=support, name=f"script {n}", scopes=[Scope.INSTANCES_READ])
    client = logged_in(admin)

    first = client.get(ALL)
    assert first.context["page"].paginator.count == 52
    assert len(first.context["page"]) == 50
    assert "Page 1 of 2" in page_text(first)
    by_reseller = client.get(ALL, {"q": "Reseller B"})
    assert [token.name for token in by_reseller.context["page"]] == ["Chatbot"]
    assert "reseller-b" in page_text(by_reseller)
    by_prefix = client.get(ALL, {"q": crm.token.prefix})
    assert [token.name for token in by_prefix.context["page"]] == ["CRM"]
    assert client.get(ALL, {"status": "bogus"}).context["page"].paginator.count == 0

    assert client.post(f"/api-tokens/{crm.token.pk}/revoke/").url == ALL
    assert ApiClient(crm.secret).get(INSTANCES).status_code == 401
    revoked = client.get(ALL, {"status": "revoked"})
    assert [token.name for token in revoked.context["page"]] == ["CRM"]
    # The reseller reads in its own audit log that its token was revoked, and by whom.
    log = page_text(logged_in(reseller_a_user).get("/audit/"))
    assert "API token revoked" in log
    assert "admin" in log


def test_only_admins_see_everyones_tokens_in_the_menu(admin: User, support: User) -> None:
    assert f'href="{ALL}"' in logged_in(admin).get("/account/").content.decode()
    assert f'href="{ALL}"' not in logged_in(support).get("/account/").content.decode()
    assert logged_in(support).get(ALL).status_code == 403
