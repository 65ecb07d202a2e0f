"""Two server processes with one Redis cache share one Green API answer: one upstream call."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import redis

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

# One "server process": waits for the go, then asks for the shared answer. Its fetch stands for
# the upstream call and counts itself in Redis, where the test can see every process's calls.
POLLER = """
import sys
import django
django.setup()
import redis
from instances.services.shared_calls import shared_call

key, counter, redis_url = sys.argv[1:4]
counts = redis.Redis.from_url(redis_url)

def fetch(previous):
    number = counts.incr(counter)
    return f"answer {number}", 60.0

print("ready", flush=True)
sys.stdin.readline()
print(shared_call(key, fetch, wait=10), flush=True)
"""


@pytest.fixture
def shared_redis() -> redis.Redis:
    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


def test_two_processes_with_one_redis_make_one_upstream_call(shared_redis: redis.Redis) -> None:
    key, counter = f"test-shared-{uuid.uuid4().hex}", f"test-calls-{uuid.uuid4().hex}"
    environment = os.environ | {
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings_test",
        "CACHE_URL": REDIS_URL,
    }
    pollers = [
        subprocess.Popen(  # noqa: S603  (a fixed command line)
            [sys.executable, "-c", POLLER, key, counter, REDIS_URL],
            cwd=ROOT,
            env=environment,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for poller in pollers:  # both set up, so they ask at about the same moment
            assert poller.stdout is not None
            assert poller.stdout.readline().strip() == "ready"
        for poller in pollers:
            assert poller.stdin is not None
            poller.stdin.write("go\n")
            poller.stdin.flush()
        answers = [poller.communicate(timeout=60)[0].strip() for poller in pollers]
    finally:
        for poller in pollers:
            poller.kill()
        # Django's cache keys carry a version prefix (":1:<key>").
        shared_redis.delete(f":1:{key}", f":1:{key}:lock", counter)

    assert answers == ["answer 1", "answer 1"]
