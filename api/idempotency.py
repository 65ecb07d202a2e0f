"""`Idempotency-Key` on the API's create: a retry gets the first answer, another body a 422.

The create order's UNIQUE key (instances/services/create.py) already makes every retry of one
form reuse one order; here a caller's key becomes that order key (a uuid5 of the user and the
key, so two users' keys never meet), and a row per key keeps the body's hash and the first
final answer. A pending order's 202 is not kept: each retry looks at the order again.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any, Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.http import HttpResponse

from accounts.models import User
from api.models import ApiIdempotencyKey
from instances.models import CreateOrder

HEADER: Final = "Idempotency-Key"
MAX_LENGTH: Final = 255
# Fixed for ever: changing it would give every stored key a new order key.
_NAMESPACE: Final = uuid.UUID("6f1d8a52-3c3e-4b8e-9a57-1b2f0c9d4e71")


@dataclass(frozen=True)
class Answer:
    """An HTTP answer as kept for replay."""

    status: int
    body: str
    content_type: str
    location: str = ""

    def response(self) -> HttpResponse:
        response = HttpResponse(self.body, status=self.status, content_type=self.content_type)
        if self.location:
            response["Location"] = self.location
        return response


def key_is_valid(key: str) -> bool:
    """1 to 255 visible ASCII characters (a UUID is the usual choice)."""
    return 0 < len(key) <= MAX_LENGTH and all("!" <= ch <= "~" for ch in key)


def body_hash(body: dict[str, Any]) -> str:
    """The SHA-256 of the body as canonical JSON, defaults filled in."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def order_key(user: User, key: str) -> uuid.UUID:
    """The create order's key for this user's idempotency key."""
    return uuid.uuid5(_NAMESPACE, f"{user.pk}:{key}")


def key_find(*, user: User, key: str) -> ApiIdempotencyKey | None:
    return ApiIdempotencyKey.objects.filter(user=user, key=key).first()


def key_claim(*, user: User, key: str, digest: str) -> ApiIdempotencyKey:
    """This user's row for `key`, made now with `digest` unless a concurrent call made it."""
    try:
        with transaction.atomic():
            return ApiIdempotencyKey.objects.create(user=user, key=key, body_hash=digest)
    except IntegrityError:
        return ApiIdempotencyKey.objects.get(user=user, key=key)


def stored_answer(row: ApiIdempotencyKey) -> Answer | None:
    if row.response_status is None:
        return None
    return Answer(row.response_status, row.response_body, row.response_type, row.response_location)


def answer_keep(row: ApiIdempotencyKey, answer: Answer, order: CreateOrder) -> Answer:
    """Keep `answer` as the key's answer unless one was kept first; returns the kept one, so
    every call with the key answers alike."""
    ApiIdempotencyKey.objects.filter(pk=row.pk, response_status__isnull=True).update(
        response_status=answer.status,
        response_body=answer.body,
        response_type=answer.content_type,
        response_location=answer.location,
        order=order,
    )
    row.refresh_from_db()
    kept = stored_answer(row)
    assert kept is not None
    return kept


def order_link(row: ApiIdempotencyKey, order: CreateOrder) -> None:
    if row.order_id is None:
        ApiIdempotencyKey.objects.filter(pk=row.pk, order__isnull=True).update(order=order)


def order_wait(order: CreateOrder) -> CreateOrder:
    """Wait while another request's createInstance for this order is under way.

    That request holds the order "claimed" for at most one Green API call (GREEN_API_DEADLINE);
    the database is the only thing server processes share, so it is polled, backing off.
    """
    end = time.monotonic() + settings.GREEN_API_DEADLINE + 5
    pause = 0.02
    while order.status == CreateOrder.Status.CLAIMED and time.monotonic() < end:
        time.sleep(pause)
        pause = min(pause * 2, 0.5)
        order.refresh_from_db()
    return order
