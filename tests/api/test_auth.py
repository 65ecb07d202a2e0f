"""Bearer tokens: a bad, expired or revoked token, or a deactivated user, is one 401; a token
without the scope a call needs is a 403 naming the scope; a good one acts as its user."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from accounts.models import User
from api.models import ApiToken, Scope
from api.tokens import api_token_revoke, token_hash
from instances.models import Instance
from tests.support.api import ApiClient, api_as, token_for

LIST = "/api/v1/instances"


def _is_the_one_401(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    body = response.json()
    assert body["type"] == "urn:partnerportal:problem:unauthorized"
    assert body["status"] == 401
    assert body["detail"] == "Send a valid API token: Authorization: Bearer <token>."


@pytest.mark.django_db
def test_no_token_a_wrong_token_and_a_malformed_header_are_the_same_401() -> None:
    _is_the_one_401(ApiClient(None).get(LIST))
    _is_the_one_401(ApiClient("ppat_not-a-token").get(LIST))
    _is_the_one_401(ApiClient("gac.partner-token").get(LIST))
    _is_the_one_401(ApiClient(None).get(LIST, headers={"Authorization": "Basic eDp5"}))


def test_an_expired_a_revoked_token_and_a_deactivated_user_are_the_same_401(
    admin: User, instance_a: Instance
) -> None:
    expired, revoked, deactivated = token_for(admin), token_for(admin), token_for(admin)
    api_token_revoke(token=ApiToken.objects.get(token_hash=token_hash(revoked)))
    assert ApiClient(expired).get(LIST).status_code == 200

    with time_machine.travel(timezone.now() + timedelta(days=91)):
        _is_the_one_401(ApiClient(expired).get(LIST))
    _is_the_one_401(ApiClient(revoked).get(LIST))
    admin.is_active = False
    admin.save()
    _is_the_one_401(ApiClient(deactivated).get(LIST))


def test_a_token_without_the_scope_is_refused_naming_it(admin: User, instance_a: Instance) -> None:
    response = api_as(admin, [Scope.ONBOARDING]).get(LIST)

    assert response.status_code == 403
    assert response.json()["type"] == "urn:partnerportal:problem:insufficient-scope"
    assert response.json()["scope"] == "instances:read"


def test_a_resellers_token_sees_its_own_instances_only(
    reseller_a_user: User, instance_a: Instance, instance_b: Instance, instance_unassigned: Instance
) -> None:
    api = api_as(reseller_a_user, [Scope.INSTANCES_READ])

    listed = api.get(LIST).json()
    assert [item["id"] for item in listed["items"]] == [instance_a.pk]
    assert api.get(f"{LIST}/{instance_a.pk}").json()["reseller"] == "Reseller A"
    other, missing = api.get(f"{LIST}/{instance_b.pk}"), api.get(f"{LIST}/1109999999")
    assert other.status_code == missing.status_code == 404
    assert other.json() | {"instance": ""} == missing.json() | {"instance": ""}


def test_only_the_hash_is_stored_and_the_use_is_noted(admin: User, instance_a: Instance) -> None:
    secret = token_for(admin)
    token = ApiToken.objects.get()
    assert secret not in (token.token_hash, token.prefix)
    assert secret.startswith(token.prefix)
    assert token.last_used_at is None

    ApiClient(secret).get(LIST)

    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_ip == "127.0.0.1"


def test_bad_query_values_are_a_422_problem(admin: User) -> None:
    api = api_as(admin)
    for query in ("limit=7", "sort=sideways", "state=sleeping", "cursor=%%%", "reseller_id=x"):
        response = api.get(f"{LIST}?{query}")
        assert response.status_code == 422, query
        assert response.json()["type"] == "urn:partnerportal:problem:validation", query


def test_the_openapi_document_is_3_1_and_names_the_bearer_scheme(db: None) -> None:
    from django.test import Client

    document = Client().get("/api/v1/openapi.json").json()

    assert document["openapi"].startswith("3.1")
    assert "/api/v1/instances" in document["paths"]
    assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"


def test_whoami_answers_any_token_with_its_user_and_scopes(reseller_a_user: User) -> None:
    response = api_as(reseller_a_user, [Scope.ONBOARDING]).get("/api/v1/whoami")

    assert response.status_code == 200
    body = response.json()
    assert (body["username"], body["role"], body["reseller"]) == (
        "reseller-a",
        "reseller",
        "Reseller A",
    )
    assert body["token"]["scopes"] == ["onboarding"]
    _is_the_one_401(ApiClient(None).get("/api/v1/whoami"))


def test_a_listed_instance_is_the_same_as_the_instance_read_alone(
    admin: User, instance_a: Instance
) -> None:
    instance_a.phone = "79001234567"
    instance_a.state_changed_at = timezone.now()
    instance_a.save()
    api = api_as(admin, [Scope.INSTANCES_READ])

    listed = api.get(LIST)

    assert listed["Content-Type"] == "application/json; charset=utf-8"
    assert listed.json()["items"] == [api.get(f"{LIST}/{instance_a.pk}").json()]
