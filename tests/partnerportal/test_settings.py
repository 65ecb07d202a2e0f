"""Start-up refuses unsafe or broken settings with a message that names the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "s" * 60,
    "DJANGO_ALLOWED_HOSTS": "portal.example.com",
    "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "GREEN_API_PARTNER_TOKEN": "gac." + "ab" * 16,
    "GREEN_API_SANDBOX": "false",
    "GREEN_API_PARTNER_URL": "https://api.green-api.com",
    "DATABASE_URL": "sqlite:///:memory:",
}


def start_django(
    script: str = "import django; django.setup(); print('started')", **overrides: str
) -> subprocess.CompletedProcess[str]:
    """Run `script` in a new interpreter with the production settings and `overrides`."""
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GREEN_API_", "SANDBOX_", "FIELD_", "CACHE_"))
    }
    environment |= PRODUCTION | overrides
    environment["DJANGO_SETTINGS_MODULE"] = "partnerportal.settings"
    return subprocess.run(  # noqa: S603  (our own interpreter and a fixed script)
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_production_settings_start() -> None:
    result = start_django()
    assert result.returncode == 0, result.stderr
    assert "started" in result.stdout


@pytest.mark.parametrize(
    "variable", ["DJANGO_SECRET_KEY", "GREEN_API_PARTNER_TOKEN", "FIELD_ENCRYPTION_KEYS"]
)
def test_missing_secret_stops_start_up_naming_the_variable(variable: str) -> None:
    result = start_django(**{variable: ""})
    assert result.returncode != 0
    assert f"{variable} is not set" in result.stderr


def test_sandbox_with_debug_off_stops_start_up() -> None:
    result = start_django(GREEN_API_SANDBOX="true")
    assert result.returncode != 0
    assert "GREEN_API_SANDBOX is on while DJANGO_DEBUG is off" in result.stderr


def test_booleans_parse_strictly() -> None:
    result = start_django(DJANGO_DEBUG="flase")
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_debug_mode_needs_no_secrets() -> None:
    result = start_django(
        DJANGO_DEBUG="true",
        DJANGO_SECRET_KEY="",
        GREEN_API_PARTNER_TOKEN="",
        FIELD_ENCRYPTION_KEYS="",
    )
    assert result.returncode == 0, result.stderr


SANDBOX_PROBE = """
import django
django.setup()
from django.conf import settings
from django.urls import Resolver404, resolve
try:
    mounted = resolve("/sandbox/partner/getInstances/gac.0123").func.__module__
except Resolver404:
    mounted = "not-mounted"
print("sandbox" in settings.INSTALLED_APPS, mounted)
"""


def run_probe(**overrides: str) -> str:
    result = start_django(SANDBOX_PROBE, **{"DJANGO_DEBUG": "true", **overrides})
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_emulator_is_not_mounted_when_the_sandbox_is_off() -> None:
    assert run_probe(GREEN_API_SANDBOX="false") == "False not-mounted"


def test_emulator_is_mounted_when_the_sandbox_is_on() -> None:
    assert run_probe(GREEN_API_SANDBOX="true") == "True sandbox.views_partner"


SESSION_PROBE = """
import django
django.setup()
from django.conf import settings
print(settings.SESSION_ENGINE.rsplit(".", 1)[1], settings.CACHES["default"]["BACKEND"])
"""


@pytest.mark.parametrize(
    ("cache_url", "engine", "backend"),
    [
        # Redis through Django's backend with one client per pool (core/cache.py).
        ("redis://127.0.0.1:6379/1", "cached_db", "core.cache.RedisCache"),
        ("dbcache://cache_table", "cached_db", "django.core.cache.backends.db.DatabaseCache"),
        # Per process: another process's logout would not reach it.
        ("locmemcache://", "db", "django.core.cache.backends.locmem.LocMemCache"),
    ],
)
def test_sessions_are_read_from_the_cache_only_when_it_is_shared(
    cache_url: str, engine: str, backend: str
) -> None:
    result = start_django(SESSION_PROBE, CACHE_URL=cache_url)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [engine, backend]


def test_an_empty_database_url_means_the_default_sqlite_file() -> None:
    script = "import django; django.setup(); from django.conf import settings; "
    script += "print(settings.DATABASES['default']['ENGINE'])"
    result = start_django(script, DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert "django.db.backends.sqlite3" in result.stdout


@pytest.mark.parametrize("url", ["foo://db.example.com/portal", "postgres//no-scheme"])
def test_a_database_url_that_is_not_one_stops_start_up_naming_it(url: str) -> None:
    result = start_django(DATABASE_URL=url)
    assert result.returncode != 0
    assert "DATABASE_URL is not a database URL" in result.stderr


PG_OPTIONS_PROBE = (
    "import django; django.setup(); from django.conf import settings; "
    "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', '(none)'))"
)
POSTGRES_URL = "postgres://portal@db.example.com:5432/portal"


@pytest.mark.parametrize(
    ("cost", "options"),
    [
        (None, "-c random_page_cost=1.1"),  # the default: tables in memory or on SSDs
        ("2.5", "-c random_page_cost=2.5"),
        ("", "(none)"),  # the server's own, e.g. behind PgBouncer, which refuses options
    ],
)
def test_postgresql_connections_tell_the_planner_what_a_random_read_costs(
    cost: str | None, options: str
) -> None:
    overrides = {"DATABASE_URL": POSTGRES_URL}
    if cost is not None:
        overrides["DATABASE_RANDOM_PAGE_COST"] = cost

    result = start_django(PG_OPTIONS_PROBE, **overrides)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == options


@pytest.mark.parametrize("cost", ["fast", "0", "-1", "1.1 -c work_mem=1TB", "nan"])
def test_a_random_page_cost_that_is_no_positive_number_stops_start_up(cost: str) -> None:
    result = start_django(DATABASE_URL=POSTGRES_URL, DATABASE_RANDOM_PAGE_COST=cost)

    assert result.returncode != 0
    assert "DATABASE_RANDOM_PAGE_COST must be a positive number" in result.stderr
