"""System checks for the Green API settings, so a wrong value fails `manage.py check` early."""

import math
import os
from typing import Any
from urllib.parse import urlsplit

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.core.checks import Error, Warning, register

from greenapi.partner import check_token


def _is_http_url(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


@register("greenapi")
def check_green_api_settings(**kwargs: Any) -> list[Error | Warning]:
    problems: list[Error | Warning] = []
    partner_url = settings.GREEN_API_PARTNER_URL
    if not _is_http_url(partner_url):
        problems.append(
            Error(
                f"GREEN_API_PARTNER_URL must be an http(s) URL, not {partner_url!r}.",
                hint="Use https://api.green-api.com, or the partnerApiUrl from your console.",
                id="greenapi.E001",
            )
        )
    token = settings.GREEN_API_PARTNER_TOKEN
    # The token becomes a URL path segment: the client refuses anything else, so check the same.
    try:
        check_token(token, "partner token")
    except ValueError:
        problems.append(
            Error(
                "GREEN_API_PARTNER_TOKEN is empty or has characters that cannot go in a URL.",
                hint="Paste the partner token from the Green API console profile, unchanged.",
                id="greenapi.E002",
            )
        )
    instance_url = settings.GREEN_API_INSTANCE_URL
    if instance_url and not _is_http_url(instance_url):
        problems.append(
            Error(
                f"GREEN_API_INSTANCE_URL must be empty or an http(s) URL, not {instance_url!r}.",
                hint="Leave it empty to derive each instance's host from its id.",
                id="greenapi.E003",
            )
        )
    timeouts = {
        "GREEN_API_CONNECT_TIMEOUT": settings.GREEN_API_CONNECT_TIMEOUT,
        "GREEN_API_READ_TIMEOUT": settings.GREEN_API_READ_TIMEOUT,
        "GREEN_API_DEADLINE": settings.GREEN_API_DEADLINE,
        "GREEN_API_ACTION_DEADLINE": settings.GREEN_API_ACTION_DEADLINE,
    }
    for name, value in timeouts.items():
        if not math.isfinite(value) or value <= 0:
            problems.append(
                Error(f"{name} must be a positive number of seconds.", id="greenapi.E004")
            )
    if settings.GREEN_API_DEADLINE < settings.GREEN_API_CONNECT_TIMEOUT:
        problems.append(
            Error(
                "GREEN_API_DEADLINE is shorter than GREEN_API_CONNECT_TIMEOUT.",
                hint="The deadline bounds a whole call, retries included.",
                id="greenapi.E005",
            )
        )
    if settings.GREEN_API_GET_RETRIES < 0:
        problems.append(Error("GREEN_API_GET_RETRIES cannot be negative.", id="greenapi.E006"))
    try:
        MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEYS])
    except (ValueError, TypeError):
        problems.append(
            Error(
                "FIELD_ENCRYPTION_KEYS holds a value that is not a Fernet key.",
                hint="Each key is 32 url-safe base64-encoded bytes, from Fernet.generate_key().",
                id="greenapi.E007",
            )
        )
    if settings.GREEN_API_SANDBOX and "/sandbox" not in urlsplit(partner_url).path:
        problems.append(
            Warning(
                "GREEN_API_SANDBOX is on but GREEN_API_PARTNER_URL does not point at the emulator.",
                hint="In sandbox mode use http://127.0.0.1:<port>/sandbox.",
                id="greenapi.W001",
            )
        )
    if not settings.GREEN_API_SANDBOX and "/sandbox" in urlsplit(partner_url).path:
        problems.append(
            Warning(
                "GREEN_API_PARTNER_URL points at an emulator path but GREEN_API_SANDBOX is off.",
                id="greenapi.W002",
            )
        )
    return problems


@register("greenapi", deploy=True)
def check_green_api_over_https(**kwargs: Any) -> list[Error]:
    """Tokens travel in Green API's URL paths (docs/greenapi.md §1), so plain HTTP would show
    them to anyone on the way. Only the emulator, which never runs in production, uses http."""
    if settings.DEBUG:
        return []
    problems = []
    for name in ("GREEN_API_PARTNER_URL", "GREEN_API_INSTANCE_URL"):
        value = getattr(settings, name)
        if value and urlsplit(value).scheme != "https":
            problems.append(
                Error(
                    f"{name} is not an https:// URL while DJANGO_DEBUG is off.",
                    hint="The partner token and instance tokens travel in the URL path: use "
                    "https://api.green-api.com or your console's https URL.",
                    id="greenapi.E008",
                )
            )
    return problems


@register("greenapi", deploy=True)
def check_shared_cache(**kwargs: Any) -> list[Error]:
    """Production always runs several processes: the web processes (WEB_CONCURRENCY, as
    deploy/gunicorn.conf.py reads it) and the worker. With a per-process cache each keeps its own
    copy of the shared Green API answers and rate limits, and together they call qr and
    getStateInstance faster than Green API's per-instance limits allow (refusals, 429)."""
    backend = settings.CACHES["default"]["BACKEND"]
    if not backend.endswith(("LocMemCache", "DummyCache")):
        return []
    web = os.environ.get("WEB_CONCURRENCY", "2")
    return [
        Error(
            f"CACHE_URL is a per-process cache, but production runs {web} web processes and the "
            "worker: each would call Green API's qr and getStateInstance on its own, over the "
            "per-instance rate limits, and customer-link rate limits would multiply.",
            hint="Set CACHE_URL to redis://... (or dbcache://<table>, then run "
            "`manage.py createcachetable`).",
            id="greenapi.E009",
        )
    ]
