"""Send one request from many clients at the same moment, for tests of races."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

# SQLite lets one writer in at a time, so a race there proves nothing (and tends to deadlock).
postgres_only = pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs a database that allows concurrent writers"
)


def post_in_parallel(clients: list[Client], url: str, data: dict[str, Any]) -> list[int]:
    """POST `data` to `url` from every client at once, each in its own thread; sorted statuses."""
    # Django fills its URL resolver on first use, and twenty threads doing it at once trip up.
    reverse("login")
    barrier = threading.Barrier(len(clients))
    statuses: list[int] = []

    def post(client: Client) -> None:
        try:
            barrier.wait()
            statuses.append(client.post(url, data).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(client,)) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def count_password_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """From now on, every password checked against a user's hash, in order."""
    from accounts.models import User

    checked: list[str] = []
    check = User.check_password

    def counting(user: User, raw_password: str) -> bool:
        checked.append(raw_password)
        return check(user, raw_password)

    monkeypatch.setattr(User, "check_password", counting)
    return checked
