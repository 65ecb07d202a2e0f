"""Settings for the test suite: the real settings, fed a test environment.

Only variables the caller has not set are filled in, so CI can point DATABASE_URL at PostgreSQL.
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "true")
os.environ.setdefault("GREEN_API_SANDBOX", "true")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-" + "k" * 20)
os.environ.setdefault("GREEN_API_PARTNER_TOKEN", "gac.5e1f0a0b2c3d4e5f60718293a4b5c6d7")
# Tests point the client at the live emulator; until then, a closed local port.
os.environ.setdefault("GREEN_API_PARTNER_URL", "http://127.0.0.1:9/sandbox")
os.environ.setdefault("SANDBOX_CREATE_SECONDS", "0")
os.environ.setdefault("SANDBOX_REBOOT_SECONDS", "0")
os.environ.setdefault("LOG_LEVEL", "WARNING")

from partnerportal.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests never run collectstatic; static files come from the finders.
STATIC_ROOT = None

# Retries of GETs against a dead address (no emulator in the test) should not slow the suite.
GREEN_API_BACKOFF = 0.05

# Tests run tasks where they are enqueued (huey's immediate mode keeps its queue in memory), so
# no test shares a queue file with another; worker tests call the jobs themselves.
HUEY = {**HUEY, "immediate": True}  # noqa: F405

# On in-memory SQLite the live emulator serves every request through one shared connection, so
# the worker's parallel state checks run one at a time there; PostgreSQL runs test them in
# parallel (tests/instances/test_state_refresh_parallel.py).
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    STATE_REFRESH_CONCURRENCY = 1

# Commits need not wait for the disk in tests: a crash would lose only test data, and the live
# server tests commit on every request.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":  # noqa: F405
    _options = DATABASES["default"].setdefault("OPTIONS", {})  # noqa: F405
    _options["options"] = f"{_options.get('options', '')} -c synchronous_commit=off".strip()
