"""Each API token has its own budget of calls a minute; past it, 429 with Retry-After."""

from __future__ import annotations

from datetime import UTC, datetime

import time_machine
from django.test import override_settings

from accounts.models import User
from tests.support.api import api_as

LIST = "/api/v1/instances"
# Ten seconds into a minute: the fixed window ends in 50 s.
MOMENT = datetime(2026, 12, 2, 10, 15, 10, tzinfo=UTC)


@override_settings(API_RATE_LIMIT_PER_MINUTE=3)
def test_a_token_past_its_limit_waits_and_another_token_does_not(admin: User) -> None:
    with time_machine.travel(MOMENT, tick=False):
        busy, calm = api_as(admin), api_as(admin)
        assert [busy.get(LIST).status_code for _ in range(3)] == [200, 200, 200]

        refused = busy.get(LIST)

        assert refused.status_code == 429
        assert refused["Retry-After"] == "50"
        assert refused["Content-Type"] == "application/problem+json"
        body = refused.json()
        assert body["type"] == "urn:partnerportal:problem:rate-limited"
        assert body["status"] == 429
        assert "ppat_" not in refused.content.decode()
        assert calm.get(LIST).status_code == 200

    # The next minute the token may call again.
    with time_machine.travel(MOMENT.replace(minute=16), tick=False):
        assert busy.get(LIST).status_code == 200


@override_settings(API_RATE_LIMIT_PER_MINUTE=2)
def test_calls_refused_for_a_missing_scope_count_too(admin: User) -> None:
    with time_machine.travel(MOMENT, tick=False):
        onboarding_only = api_as(admin, ["onboarding"])
        assert [onboarding_only.get(LIST).status_code for _ in range(2)] == [403, 403]
        assert onboarding_only.get(LIST).status_code == 429


@override_settings(API_RATE_LIMIT_PER_MINUTE=1)
def test_a_bad_token_is_never_counted_or_told_apart(admin: User) -> None:
    bad = api_as(admin)
    bad.headers = {"Authorization": "Bearer ppat_not-a-token"}
    assert [bad.get(LIST).status_code for _ in range(3)] == [401, 401, 401]
