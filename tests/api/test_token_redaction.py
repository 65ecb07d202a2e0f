"""An API token pasted where it should not be (a log line, an audit note) is redacted there."""

from __future__ import annotations

from accounts.audit import audit_record
from accounts.models import User
from api.models import Scope
from core.redaction import redact
from tests.support.api import token_for


def test_a_token_is_redacted_from_text_and_audit_notes_its_prefix_kept(admin: User) -> None:
    secret = token_for(admin, [Scope.INSTANCES_READ])

    assert redact(f"GET /api/v1/instances Bearer {secret} failed") == (
        "GET /api/v1/instances Bearer ppat_[redacted] failed"
    )
    event = audit_record(action="logout", actor=admin, detail=f"pasted {secret}")
    assert secret[len("ppat_") :] not in event.detail
    # The short prefix that tells tokens apart is no secret and stays readable.
    assert redact("CRM (ppat_AbCd…)") == "CRM (ppat_AbCd…)"
