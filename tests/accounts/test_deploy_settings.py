"""Production settings pass Django's deploy checks; cookies are __Host- names under HTTPS."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from cryptography.fernet import Fernet

ROOT = Path(__file__).resolve().parents[2]


def production_env(**overrides: str) -> dict[str, str]:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "GREEN_API_", "SANDBOX_", "FIELD_", "DATABASE_"))
    }
    return (
        environment
        | {
            "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
            "DJANGO_DEBUG": "false",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_ALLOWED_HOSTS": "portal.example.com",
            "FIELD_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
            "GREEN_API_PARTNER_TOKEN": "gac." + secrets.token_hex(16),
            "GREEN_API_SANDBOX": "false",
            "DATABASE_URL": "sqlite:///:memory:",
            "CACHE_URL": "dbcache://partnerportal_cache",
            "REDIS_URL": "redis://redis.example:6379/0",
            "METRICS_TOKEN": secrets.token_urlsafe(32),
            "PUBLIC_BASE_URL": "https://portal.example.com",
        }
        | overrides
    )


def run(args: list[str], **overrides: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603  (our own interpreter and fixed arguments)
        [sys.executable, *args],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_passes_with_production_settings() -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_the_catalogues_compile_with_the_images_throwaway_build_secrets() -> None:
    """The Dockerfile compiles them with placeholder secrets, which the deploy checks refuse."""
    result = run(["manage.py", "compile_catalogues"], FIELD_ENCRYPTION_KEYS="build")
    assert result.returncode == 0, result.stdout + result.stderr


def test_deploy_check_warns_when_alert_e_mails_would_have_no_links() -> None:
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PUBLIC_BASE_URL="")
    assert result.returncode == 1
    assert "alerts.W001" in result.stdout + result.stderr


PRINT_COOKIES = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps([s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SESSION_COOKIE_SECURE,
                  s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_AGE]))
"""


def test_cookies_are_host_prefixed_and_secure_under_https() -> None:
    result = run(["-c", PRINT_COOKIES])
    assert result.returncode == 0, result.stderr
    session, csrf, session_secure, csrf_secure, httponly, age = json.loads(result.stdout)
    assert (session, csrf) == ("__Host-sessionid", "__Host-csrftoken")
    assert session_secure
    assert csrf_secure
    assert httponly
    assert age == 12 * 3600


def test_plain_http_development_keeps_ordinary_cookie_names() -> None:
    result = run(["-c", PRINT_COOKIES], DJANGO_DEBUG="true", DJANGO_HTTPS="false")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)[:2] == ["sessionid", "csrftoken"]


def test_require_admin_2fa_parses_strictly() -> None:
    result = run(["-c", "import django; django.setup()"], REQUIRE_ADMIN_2FA="yes please")
    assert result.returncode != 0
    assert "REQUIRE_ADMIN_2FA must be true or false" in result.stderr


def test_deploy_check_fails_on_a_per_process_cache() -> None:
    # An error, not a warning: production runs the worker beside the web processes, so per-process
    # caches let them together call Green API faster than its per-instance limits allow.
    result = run(["manage.py", "check", "--deploy"], CACHE_URL="locmemcache://")
    assert result.returncode != 0
    assert "greenapi.E009" in result.stdout + result.stderr


def test_the_partner_time_zone_must_be_a_real_zone() -> None:
    result = run(["-c", "import django; django.setup()"], PARTNER_TIME_ZONE="Mars/Olympus")
    assert result.returncode != 0
    assert "PARTNER_TIME_ZONE must be a time zone name such as Europe/Moscow" in result.stderr
