"""What an API call changes is audited with the token's name: `audit_record` reads it from the
request (`request.api_token`, set by the API's authentication), and the audit log shows it."""

from __future__ import annotations

from django.test import RequestFactory

from accounts.audit import audit_detail_label, audit_record
from accounts.models import AuditEvent, User
from accounts.services import user_time_zone_set
from api.models import Scope
from api.tokens import api_token_create
from tests.support.pages import logged_in, page_text


def test_a_service_called_with_a_tokens_request_records_the_tokens_name(
    reseller_a_user: User,
) -> None:
    issued = api_token_create(user=reseller_a_user, name="CRM", scopes=[Scope.INSTANCES_WRITE])
    request = RequestFactory().post("/api/v1/anything")
    request.user = reseller_a_user
    request.api_token = issued.token  # type: ignore[attr-defined]  # as api/auth.py sets it

    user_time_zone_set(request=request, user=reseller_a_user, time_zone="Europe/Berlin")

    event = AuditEvent.objects.get(action="account.time_zone")
    assert event.via_token == "CRM"
    assert event.actor == reseller_a_user
    assert issued.secret not in event.via_token
    page = page_text(logged_in(reseller_a_user).get("/audit/"))
    assert "via API token “CRM”" in page


def test_a_pages_request_records_no_token(reseller_a_user: User) -> None:
    request = RequestFactory().post("/account/time-zone/")
    request.user = reseller_a_user

    user_time_zone_set(request=request, user=reseller_a_user, time_zone="")
    audit_record(action="logout", actor=reseller_a_user)

    assert set(AuditEvent.objects.values_list("via_token", flat=True)) == {""}
    assert "via API token" not in page_text(logged_in(reseller_a_user).get("/audit/"))


def test_the_new_token_note_is_read_in_words() -> None:
    assert (
        audit_detail_label("scopes: instances:read onboarding; 1 days")
        == "scopes: instances:read onboarding; valid for 1 day"
    )
    assert audit_detail_label("scopes: nonsense!; x days") == "scopes: nonsense!; x days"
