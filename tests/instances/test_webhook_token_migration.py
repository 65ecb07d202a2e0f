"""Migration 0010: webhook tokens stored before it keep working, as their digest."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from core.crypto import token_digest

BEFORE = [("instances", "0009_webhooks")]
AFTER = [("instances", "0010_webhook_token_hash")]


@pytest.fixture
def executor() -> Iterator[MigrationExecutor]:
    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    try:
        yield executor
    finally:
        executor = MigrationExecutor(connection)  # the graph as the test left it
        executor.migrate(latest)


@pytest.mark.django_db(transaction=True)
def test_stored_tokens_become_their_digest(executor: MigrationExecutor) -> None:
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    old.get_model("instances", "Instance").objects.create(
        id_instance=1101000070, api_token="x" * 50, webhook_token="hook-one"
    )
    old.get_model("instances", "Instance").objects.create(
        id_instance=1101000071, api_token="x" * 50, webhook_token=""
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)

    new = executor.loader.project_state(AFTER).apps.get_model("instances", "Instance")
    digests = dict(new.objects.values_list("id_instance", "webhook_token_hash"))
    assert digests == {1101000070: token_digest("hook-one"), 1101000071: ""}
