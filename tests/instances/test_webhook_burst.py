"""A burst of 5,000 webhooks, shuffled, repeated and concurrent: no 500, the newest state kept."""

from __future__ import annotations

import itertools
import json
import random
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client

from core.crypto import token_digest
from instances.models import Instance, StateChange

URL = "/webhooks/green-api/"
INSTANCES = 50
UNIQUE_PER_INSTANCE = 90  # plus repeats of some of them: 5,000 events in all
TOTAL = 5_000
T0 = 1_900_000_000
STATES = ["authorized", "notAuthorized", "blocked", "starting", "yellowCard"]


def token(id_instance: int) -> str:
    return f"burst-token-{id_instance}"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_burst_of_5000_events_keeps_the_newest_state_and_never_fails() -> None:
    ids = [1101100000 + n for n in range(INSTANCES)]
    Instance.objects.bulk_create(
        Instance(id_instance=i, api_token="x" * 50, webhook_token_hash=token_digest(token(i)))
        for i in ids
    )
    rng = random.Random(9)  # the same shuffle every run
    events = [(i, T0 + 2 * n, rng.choice(STATES)) for i in ids for n in range(UNIQUE_PER_INSTANCE)]
    events += rng.choices(events, k=TOTAL - len(events))  # Green API's retries: repeats
    rng.shuffle(events)
    newest = {i: max((e for e in events if e[0] == i), key=lambda e: e[1]) for i in ids}

    def send(chunk: list[tuple[int, int, str]]) -> list[int]:
        client = Client()
        statuses = []
        for id_instance, timestamp, state in chunk:
            body = {
                "typeWebhook": "stateInstanceChanged",
                "instanceData": {"idInstance": id_instance, "wid": "", "typeInstance": "whatsapp"},
                "timestamp": timestamp,
                "stateInstance": state,
            }
            response = client.post(
                URL,
                data=json.dumps(body),
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Bearer {token(id_instance)}",
            )
            statuses.append(response.status_code)
        connection.close()
        return statuses

    threads = 1 if connection.vendor == "sqlite" else 8  # SQLite has one writer at a time
    chunks = [events[n::threads] for n in range(threads)]
    with ThreadPoolExecutor(threads) as pool:
        statuses = Counter(status for result in pool.map(send, chunks) for status in result)

    assert statuses == {200: TOTAL}
    for instance in Instance.objects.all():
        _, timestamp, state = newest[instance.pk]
        at = datetime.fromtimestamp(timestamp, UTC) + timedelta(microseconds=999_999)
        assert (instance.state, instance.state_checked_at) == (state, at)
        timeline = list(
            StateChange.objects.filter(instance=instance)
            .order_by("at", "id")
            .values_list("previous_state", "state")
        )
        # Each entry follows the one before it, and none repeats the state it left.
        assert all(before != after for before, after in timeline)
        assert all(a[1] == b[0] for a, b in itertools.pairwise(timeline))
        assert timeline[-1][1] == state
