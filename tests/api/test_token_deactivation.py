"""Deactivating a user, or the reseller it belongs to, stops its API tokens at once: the next
call is the one 401, with nothing else to do (no token to find and revoke)."""

from __future__ import annotations

from accounts.models import Reseller, User
from accounts.services import reseller_deactivate, user_deactivate, user_update
from api.models import ApiToken
from instances.models import Instance
from tests.support.api import ApiClient, token_for

LIST = "/api/v1/instances"


def test_a_deactivated_users_tokens_stop_at_once(
    admin: User, reseller_a_user: User, instance_a: Instance
) -> None:
    secret = token_for(reseller_a_user)
    assert ApiClient(secret).get(LIST).status_code == 200

    user_deactivate(actor=admin, user=reseller_a_user)

    refused = ApiClient(secret).get(LIST)
    assert refused.status_code == 401
    assert refused.json()["type"] == "urn:partnerportal:problem:unauthorized"
    assert not ApiToken.objects.usable().exists()


def test_a_deactivated_resellers_users_tokens_stop_and_others_go_on(
    admin: User, reseller_a_user: User, reseller_b_user: User, reseller_a: Reseller
) -> None:
    a_secret, b_secret = token_for(reseller_a_user), token_for(reseller_b_user)

    reseller_deactivate(actor=admin, reseller=reseller_a)

    assert ApiClient(a_secret).get(LIST).status_code == 401
    assert ApiClient(b_secret).get(LIST).status_code == 200


def test_a_reactivated_user_gets_the_unrevoked_tokens_back(
    admin: User, support: User, instance_a: Instance
) -> None:
    # Deactivation stops tokens without revoking them; an admin who wants them gone for good
    # revokes them on the API tokens page.
    secret = token_for(support)
    user_deactivate(actor=admin, user=support)
    assert ApiClient(secret).get(LIST).status_code == 401

    user_update(
        actor=admin,
        user=support,
        username=support.username,
        email=support.email,
        first_name="",
        last_name="",
        role=support.role,
        reseller=None,
        is_active=True,
    )

    assert ApiClient(secret).get(LIST).status_code == 200
