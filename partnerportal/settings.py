"""Settings, read from the environment (see `.env.example` for every variable)."""

import base64
import hashlib
import ipaddress
import math
import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# A `.env` file beside manage.py is optional; real environment variables win over it.
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)


def _bool(name: str, default: bool) -> bool:
    """Parse a boolean strictly: a typo must not silently mean "off"."""
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}.")


def _positive_int(name: str, default: int) -> int:
    value: int = env.int(name, default=default)
    if value < 1:
        raise ImproperlyConfigured(f"{name} must be a whole number of at least 1, not {value}.")
    return value


def _positive_number(name: str, default: str) -> float | None:
    """A number above 0 (math.inf and nan refused); None when set empty."""
    raw = env.str(name, default=default).strip()
    if raw == "":
        return None
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (0 < value < math.inf):
        raise ImproperlyConfigured(
            f"{name} must be a positive number such as 1.1, or empty, not {raw!r}."
        )
    return value


def _day_price(name: str) -> Decimal | None:
    """A price per instance-day: empty for none, else 0 or more with at most 4 decimals."""
    raw = env.str(name, default="").strip()
    if raw == "":
        return None
    try:
        value = Decimal(raw)
    except InvalidOperation:
        value = Decimal("NaN")
    if not (value.is_finite() and 0 <= value < 10**6 and value == round(value, 4)):
        raise ImproperlyConfigured(
            f"{name} must be a price such as 0.45 (0 or more, at most 4 decimals), not {raw!r}."
        )
    return value


def _time_zone(name: str, default: str) -> str:
    raw = env.str(name, default="").strip() or default
    try:
        ZoneInfo(raw)
    except (ZoneInfoNotFoundError, ValueError):
        raise ImproperlyConfigured(
            f"{name} must be a time zone name such as Europe/Moscow or UTC, not {raw!r}."
        ) from None
    return raw


def _required_secret(name: str, dev_default: str) -> str:
    value: str = env.str(name, default="")
    if value:
        return value
    if DEBUG:
        return dev_default
    raise ImproperlyConfigured(f"{name} is not set. It is required when DJANGO_DEBUG is off.")


DEBUG = _bool("DJANGO_DEBUG", default=False)
SECRET_KEY = _required_secret("DJANGO_SECRET_KEY", dev_default="insecure-dev-key-" + "x" * 40)
ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)

# --- Green API -------------------------------------------------------------------------------
GREEN_API_SANDBOX = _bool("GREEN_API_SANDBOX", default=False)
if GREEN_API_SANDBOX and not DEBUG:
    raise ImproperlyConfigured(
        "GREEN_API_SANDBOX is on while DJANGO_DEBUG is off. The emulator must never run in "
        "production: set GREEN_API_SANDBOX=false."
    )
GREEN_API_PARTNER_URL = env.str("GREEN_API_PARTNER_URL", default="https://api.green-api.com")
GREEN_API_PARTNER_TOKEN = _required_secret(
    "GREEN_API_PARTNER_TOKEN", dev_default="gac.0123456789abcdef0123456789abcdef"
)
# Empty: derive each instance's host from the first four digits of its id
# (https://7105.api.greenapi.com). A URL: use that universal host for every instance.
# In sandbox mode every call goes to the emulator at GREEN_API_PARTNER_URL.
GREEN_API_INSTANCE_URL = env.str("GREEN_API_INSTANCE_URL", default="")
GREEN_API_CONNECT_TIMEOUT = env.float("GREEN_API_CONNECT_TIMEOUT", default=3.05)
GREEN_API_READ_TIMEOUT = env.float("GREEN_API_READ_TIMEOUT", default=10.0)
GREEN_API_DEADLINE = env.float("GREEN_API_DEADLINE", default=15.0)
GREEN_API_GET_RETRIES = env.int("GREEN_API_GET_RETRIES", default=2)
# All the calls of one request together, in seconds: within gunicorn's 30 s worker timeout.
GREEN_API_ACTION_DEADLINE = env.float("GREEN_API_ACTION_DEADLINE", default=20.0)
# getInstances lists every instance (about 420 bytes each) and is read as a stream: its size
# limit only stops a runaway answer, and the worker's sync gives it a deadline of its own.
GREEN_API_LISTING_MAX_BYTES = env.int("GREEN_API_LISTING_MAX_BYTES", default=1024**3)
GREEN_API_LISTING_DEADLINE = env.float("GREEN_API_LISTING_DEADLINE", default=120.0)

# The portal's address as Green API reaches it (https://portal.example.com). When set, instances
# created without a webhook URL of their own get the portal's (PUBLIC_BASE_URL +
# /webhooks/green-api/), a fresh token and stateWebhook on: state changes then arrive at once
# instead of at the next poll. Empty: states come from polling alone.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="").strip().rstrip("/")
if PUBLIC_BASE_URL:
    _public = urlsplit(PUBLIC_BASE_URL)
    if _public.scheme not in {"http", "https"} or not _public.netloc:
        raise ImproperlyConfigured(
            "PUBLIC_BASE_URL must be an address such as https://portal.example.com."
        )
    if _public.query or _public.fragment:
        raise ImproperlyConfigured("PUBLIC_BASE_URL cannot have a query or a fragment (? or #).")
    if _public.scheme == "http" and not DEBUG:
        raise ImproperlyConfigured(
            "PUBLIC_BASE_URL must start with https:// when DJANGO_DEBUG is off: Green API sends "
            "each instance's webhook token to it."
        )

# Fernet keys for tokens at rest, newest first, comma-separated. Generate one with
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
FIELD_ENCRYPTION_KEYS = env.list("FIELD_ENCRYPTION_KEYS", default=[])
if not FIELD_ENCRYPTION_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS is not set. It is required when DJANGO_DEBUG is off."
        )
    # Development only: a key derived from SECRET_KEY, so `make run` needs no setup.
    FIELD_ENCRYPTION_KEYS = [
        base64.urlsafe_b64encode(hashlib.sha256(SECRET_KEY.encode()).digest()).decode()
    ]

# The worker's jobs (instances/jobs.py), each run at most once per period, in seconds: the
# mirror from getInstances; create orders whose outcome is unknown (only when one waits); the
# deletion of data whose time is over; rounds of state checks (which instances a round asks
# about follows STATE_MAX_AGE and state_due_at). A job that fails waits one period, then twice
# as long each time, up to WORKER_BACKOFF_MAX.
INSTANCE_SYNC_PERIOD = _positive_int("INSTANCE_SYNC_PERIOD", default=60)
ORDER_SETTLE_PERIOD = _positive_int("ORDER_SETTLE_PERIOD", default=15)
DATA_EXPIRE_PERIOD = _positive_int("DATA_EXPIRE_PERIOD", default=3600)
STATE_REFRESH_PERIOD = _positive_int("STATE_REFRESH_PERIOD", default=1)
# "Looks connected but isn't": the worker asks each linked instance's socket status and outgoing
# queue every SIGNALS_EVERY seconds, SIGNALS_BATCH instances a run (instances/services/signals.py).
SIGNALS_CHECK_PERIOD = _positive_int("SIGNALS_CHECK_PERIOD", default=30)
SIGNALS_EVERY = _positive_int("SIGNALS_EVERY", default=300)
SIGNALS_BATCH = _positive_int("SIGNALS_BATCH", default=50)
WORKER_BACKOFF_MAX = _positive_int("WORKER_BACKOFF_MAX", default=600)
# Alerts by e-mail (alerts/): seconds between the worker's looks for transitions and mail due;
# a failed e-mail is tried again after ALERT_RETRY_BASE seconds, doubling up to ALERT_RETRY_MAX,
# ALERT_MAX_ATTEMPTS times in all; digests go at ALERT_DIGEST_HOUR in each person's time zone.
ALERT_PERIOD = _positive_int("ALERT_PERIOD", default=15)
ALERT_RETRY_BASE = _positive_int("ALERT_RETRY_BASE", default=60)
ALERT_RETRY_MAX = _positive_int("ALERT_RETRY_MAX", default=3600)
ALERT_MAX_ATTEMPTS = _positive_int("ALERT_MAX_ATTEMPTS", default=6)
ALERT_DIGEST_HOUR = env.int("ALERT_DIGEST_HOUR", default=8)
if not 0 <= ALERT_DIGEST_HOUR <= 23:
    raise ImproperlyConfigured("ALERT_DIGEST_HOUR must be an hour of the day, 0 to 23.")
# Lifecycle events out (events/): seconds between the worker's runs, deliveries a round, and how
# long a run may go on; a failed delivery is tried again after EVENTS_RETRY_BASE seconds,
# doubling up to EVENTS_RETRY_MAX, for EVENTS_RETRY_FOR seconds (24 h) before it is given up
# and its endpoint disabled. A rotated secret still signs for EVENTS_SECRET_GRACE_HOURS.
EVENTS_PERIOD = _positive_int("EVENTS_PERIOD", default=5)
EVENTS_BATCH = _positive_int("EVENTS_BATCH", default=50)
EVENTS_RUN_BUDGET = _positive_int("EVENTS_RUN_BUDGET", default=30)
EVENTS_RETRY_BASE = _positive_int("EVENTS_RETRY_BASE", default=30)
EVENTS_RETRY_MAX = _positive_int("EVENTS_RETRY_MAX", default=4 * 3600)
EVENTS_RETRY_FOR = _positive_int("EVENTS_RETRY_FOR", default=24 * 3600)
EVENTS_SECRET_GRACE_HOURS = _positive_int("EVENTS_SECRET_GRACE_HOURS", default=24)
# Delivered and given-up events stay in the endpoints' logs this many days.
EVENTS_LOG_DAYS = _positive_int("EVENTS_LOG_DAYS", default=30)
# Against SSRF, events go only to public addresses over https; this lets them go to private and
# loopback addresses, over http too (development and tests). On by default only with DEBUG.
EVENTS_ALLOW_PRIVATE_TARGETS = _bool("EVENTS_ALLOW_PRIVATE_TARGETS", default=DEBUG)
# Ended customer links (expired, revoked or used) are deleted after this many days.
CUSTOMER_LINK_RETENTION_DAYS = _positive_int("CUSTOMER_LINK_RETENTION_DAYS", default=30)
# One getInstances answer that leaves an instance out proves nothing: it is marked deleted only
# once it has been missing from this many answers in a row, over at least this many minutes.
SYNC_MISSING_ANSWERS = env.int("SYNC_MISSING_ANSWERS", default=3)
SYNC_MISSING_GRACE_MINUTES = env.int("SYNC_MISSING_GRACE_MINUTES", default=60)
# An answer that lists fewer than this share of the mirror's active instances (when it has at
# least SYNC_SHRINK_MIN_INSTANCES of them) is refused as incomplete; one listing none always is.
SYNC_SHRINK_REFUSE_RATIO = env.float("SYNC_SHRINK_REFUSE_RATIO", default=0.5)
SYNC_SHRINK_MIN_INSTANCES = env.int("SYNC_SHRINK_MIN_INSTANCES", default=10)
# A sync that brings at least this many new instances into a mirror that was (nearly) empty
# drops the mirror's secondary indexes while it loads and builds them after, on PostgreSQL
# (instances/services/sync_bulk.py); 0: never.
SYNC_BULK_LOAD_ROWS = env.int("SYNC_BULK_LOAD_ROWS", default=10_000)

# Every live instance's state is confirmed at least this often, in seconds (more often where
# it matters: being created, starting, onboarding, just changed).
STATE_MAX_AGE = env.int("STATE_MAX_AGE", default=300)
# The worker asks getStateInstance for at most this many instances at once (each instance at
# most once a second), and for at most STATE_REFRESH_BATCH instances per round, urgent first.
STATE_REFRESH_CONCURRENCY = env.int("STATE_REFRESH_CONCURRENCY", default=10)
STATE_REFRESH_BATCH = env.int("STATE_REFRESH_BATCH", default=500)
if STATE_REFRESH_CONCURRENCY < 1 or STATE_REFRESH_BATCH < 1:
    raise ImproperlyConfigured(
        "STATE_REFRESH_CONCURRENCY and STATE_REFRESH_BATCH must be 1 or more."
    )

# Password of the demo users that `make run` seeds; random and printed when unset.
DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="")

# Emulator timings, in seconds (only read when the sandbox is on).
SANDBOX_CREATE_SECONDS = env.float("SANDBOX_CREATE_SECONDS", default=5.0)
SANDBOX_REBOOT_SECONDS = env.float("SANDBOX_REBOOT_SECONDS", default=5.0)
SANDBOX_QR_ROTATION_SECONDS = env.float("SANDBOX_QR_ROTATION_SECONDS", default=20.0)
# Per-instance, per-method rate limits like the real service (HTTP 429); off relaxes demos.
SANDBOX_RATE_LIMITS = _bool("SANDBOX_RATE_LIMITS", default=True)

# --- Django ----------------------------------------------------------------------------------
INSTALLED_APPS = [
    # Django's admin, restricted to superusers who came through the portal's login.
    "accounts.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.humanize",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "core",
    "accounts",
    "instances",
    "billing",
    "alerts",
    "events",
    "monitoring",
    "api",
    "ninja",
    "django_otp",
    "django_htmx",
    "huey.contrib.djhuey",
    "axes",
    "csp",
]
if GREEN_API_SANDBOX:
    INSTALLED_APPS.append("sandbox")

MIDDLEWARE = [
    # First: the paths machines call (MACHINE_ROUTES below) skip host checks, HTTPS redirects,
    # sessions and the rest (core/middleware.py).
    "core.middleware.MachineRoutesMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The language: the switcher's cookie, else the browser's Accept-Language.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Logged-in pages: Cache-Control "private, no-cache" unless a view asked for more.
    "core.middleware.PrivatePagesMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # request.htmx: whether a request came from htmx, and what for.
    "django_htmx.middleware.HtmxMiddleware",
    "core.middleware.MethodNotAllowedPageMiddleware",
    # Idle and absolute session limits, and the admins' 2FA requirement.
    "accounts.middleware.SessionLimitsMiddleware",
    # Times in the user's zone (or the partner's) on every page, in the user's own language.
    "accounts.middleware.UserTimeZoneMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    # One overall deadline for all the Green API calls of a request.
    "instances.middleware.ActionDeadlineMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a lockout flagged during login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "partnerportal.urls"
WSGI_APPLICATION = "partnerportal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.permissions.user_can",
                "accounts.navigation.main_nav",
            ],
            # {{ moment|when }} on every page, no {% load %} (core/templatetags/clock.py).
            "builtins": ["core.templatetags.clock"],
        },
    },
    # Fragments repeated per row of a long page (templates/jinja2/; partnerportal/jinja2.py).
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates" / "jinja2"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "partnerportal.jinja2.environment"},
    },
]
# Form widgets through Jinja2 too: Django's own templates render each <option> as a template
# include, a few milliseconds a page for the list's filters.
FORM_RENDERER = "django.forms.renderers.Jinja2"

# Paths served ahead of the middleware, for machines: probes and scrapers by IP address and
# plain HTTP (monitoring/views.py), and Green API's webhooks, authenticated by each instance's
# token (instances/services/webhooks.py). Green API is given PUBLIC_BASE_URL + the webhook path.
GREEN_API_WEBHOOK_PATH = "/webhooks/green-api/"
MACHINE_ROUTES = {
    "/healthz": "monitoring.views.healthz",
    "/readyz": "monitoring.views.readyz",
    "/metrics": "monitoring.views.metrics",
    GREEN_API_WEBHOOK_PATH: "instances.views.webhooks.green_api_webhook",
}
# The emulator stands in for Green API, a machine: its wire, control and phone endpoints need
# no session, CSRF or page headers, which were most of the cost of a call under load.
MACHINE_URLCONFS = {"/sandbox/": "sandbox.urls"} if GREEN_API_SANDBOX else {}


def _database() -> dict[str, Any]:
    """DATABASE_URL (empty or unset: db.sqlite3 beside the code), refused unless it names a
    database Django knows."""
    url = env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    if urlsplit(url).scheme not in environ.Env.DB_SCHEMES:
        raise ImproperlyConfigured(
            "DATABASE_URL is not a database URL: give postgres://user@host:5432/name or "
            "sqlite:////path/to/file.sqlite3, or leave it unset for db.sqlite3."
        )
    database: dict[str, Any] = environ.Env.db_url_config(url)
    return database


DATABASES = {"default": _database()}
# Persistent connections: opening one per request cost the list and polling pages most of
# their throughput (issue 10). The health check replaces a connection the server dropped
# before a request uses it, instead of failing that request.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
DATABASES["default"].setdefault(
    "CONN_HEALTH_CHECKS", env.bool("DATABASE_CONN_HEALTH_CHECKS", default=True)
)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # What the planner takes a random page read to cost against a sequential one. PostgreSQL's
    # 4 is for spinning disks; with the tables in memory or on SSDs, 1.1 is the usual figure,
    # and at 4 the planner read every instance rather than fetch a thousand by key (the
    # attention list's flapping at 100,000 instances: 30 ms, against 10 at 1.1). Set empty to
    # keep the server's own, e.g. behind PgBouncer, which refuses connection options.
    _page_cost = _positive_number("DATABASE_RANDOM_PAGE_COST", default="1.1")
    if _page_cost is not None:
        DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
            "options", f"-c random_page_cost={_page_cost:g}"
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the web server, the emulator and a worker share one file;
    # IMMEDIATE transactions take the write lock up front, so check-then-insert (quotas,
    # create orders) cannot interleave between processes.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "instances:overview"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.MaximumLengthValidator"},
]

# English is the source language: the msgids are English, and locale/en holds them as their
# own translations. Russian is complete (the catalogue check in .ci/run and tests/core).
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("ru", "Русский")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# Dates in each language's own format (partnerportal/formats/<language>/formats.py).
FORMAT_MODULE_PATH = ["partnerportal.formats"]
# Stored and computed in UTC (Green API sends zone-less times we read as UTC); pages show times
# in each user's zone, by default the partner's (accounts/middleware.py), labelled with it.
TIME_ZONE = "UTC"
PARTNER_TIME_ZONE = _time_zone("PARTNER_TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT: Path | None = BASE_DIR / "staticfiles"  # settings_test.py sets None
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# The onboarding pages share Green API's answers through this cache, so that however many
# browsers poll one instance the server stays under its rate limits (instances/services/
# shared_calls.py). The default is per process: with several processes (gunicorn workers)
# CACHE_URL must point at a shared cache, e.g. redis://127.0.0.1:6379/1 or dbcache://cache_table
# (after `manage.py createcachetable`).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "core.cache.RedisCache"  # one client per pool (core/cache.py)
# Sessions are read on every request (the onboarding pages poll every 2 s): from a shared cache
# when there is one, written through to the database (cached_db). A per-process cache would keep
# a session that another process ended (logout, forced logout) alive in this one: then the
# database alone.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.db"
    if CACHES["default"]["BACKEND"].endswith(("LocMemCache", "DummyCache"))
    else "django.contrib.sessions.backends.cached_db"
)

# The task queue (huey) behind the worker (`manage.py run_huey`): Redis when REDIS_URL is set,
# as production needs (every process shares it); otherwise a SQLite file, so `make run` needs
# nothing installed. Tasks always run in the worker, also in debug mode.
REDIS_URL = env.str("REDIS_URL", default="")
# Worker threads: the jobs (sync, state checks, settle, expire) can each run at once, and the
# ticks (one a second) that write the heartbeat need a free thread beside them.
HUEY_WORKERS = _positive_int("HUEY_WORKERS", default=4)
HUEY = {
    "name": "partnerportal",
    "immediate": False,
    "utc": True,
    # An idle thread looks at a SQLite queue every second at most (Redis wakes it at once).
    "consumer": {
        "workers": HUEY_WORKERS,
        "worker_type": "thread",
        "periodic": True,
        "max_delay": 1.0,
    },
}
if REDIS_URL:
    HUEY |= {"huey_class": "huey.RedisHuey", "url": REDIS_URL}
else:
    HUEY |= {
        "huey_class": "huey.SqliteHuey",
        "filename": env.str("HUEY_SQLITE_PATH", default=str(BASE_DIR / "huey.sqlite3")),
    }

EMAIL_CONFIG = env.email("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="partner-portal@localhost")


# --- Accounts and sessions -------------------------------------------------------------------
# LOGIN_FAILURE_LIMIT (5): failed logins per username and IP address before a lockout.
# LOGIN_COOLOFF_MINUTES (15): how long a lockout lasts. A lockout always ends; none is permanent.
# SESSION_IDLE_MINUTES (30): a session ends after this long without a request.
# SESSION_MAX_HOURS (12): a session ends this long after login, however active.
# REQUIRE_ADMIN_2FA (false): partner admins must set up TOTP before they can use the portal.
# TOTP_ISSUER ("Partner Portal"): the account name authenticator apps show.
AUTHENTICATION_BACKENDS = [
    # First: it counts the attempt, or refuses a locked-out username and IP, before any
    # password is checked (accounts/lockout.py).
    "accounts.backends.LoginAttemptGate",
    "accounts.backends.UsernameOrEmailBackend",
]
AXES_FAILURE_LIMIT = _positive_int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=_positive_int("LOGIN_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
# One counter per account whether it is typed as a username or an e-mail, in any case.
AXES_USERNAME_CALLABLE = "accounts.lockout.lockout_username"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Axes' records and signals, locking by the atomic count of the backend above.
AXES_HANDLER = "accounts.lockout.LoginAttemptHandler"
AXES_RESET_ON_SUCCESS = True
# Attempts during a lockout do not extend it, so the page can say when to come back.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# The audit trail records logins; axes keeps only its failure counters.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False
# Masked in the request data axes stores with a failure ("password" always is).
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "token", "csrfmiddlewaretoken"]

# Behind N reverse proxies the client's address is the Nth-from-last X-Forwarded-For entry;
# with 0 (no proxy) it is REMOTE_ADDR. Lockouts and the audit trail's IPs both use it.
PROXY_COUNT = env.int("DJANGO_PROXY_COUNT", default=0)
if PROXY_COUNT < 0:
    raise ImproperlyConfigured("DJANGO_PROXY_COUNT cannot be negative.")
if PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = PROXY_COUNT
    AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

SESSION_IDLE_MINUTES = _positive_int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = _positive_int("SESSION_MAX_HOURS", default=12)
# The cookie and the stored session die with the absolute limit too.
SESSION_COOKIE_AGE = SESSION_MAX_HOURS * 3600
REQUIRE_ADMIN_2FA = _bool("REQUIRE_ADMIN_2FA", default=False)
OTP_TOTP_ISSUER = env.str("TOTP_ISSUER", default="Partner Portal")

# --- Security --------------------------------------------------------------------------------
HTTPS = _bool("DJANGO_HTTPS", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600  # a customer's choice outlives the link's visit
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if HTTPS:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    # The __Host- prefix pins cookies to this exact host over HTTPS.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_SSL_REDIRECT = _bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = _bool("DJANGO_HSTS_PRELOAD", default=False)
    if not SECURE_HSTS_PRELOAD:
        # Preloading binds the whole domain to HTTPS in browsers for good: an operator's
        # opt-in, so the deploy check's reminder about it is silenced while it is off.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Content Security Policy (django-csp): only our own scripts and styles, no inline code, no
# eval. data: images are the server-rendered QR codes (2FA setup, a customer link's QR).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
}

# --- Onboarding ------------------------------------------------------------------------------
# Requests per minute to a customer link's pages, per client IP address and per link.
ONBOARDING_LINK_RATE_LIMIT = _positive_int("ONBOARDING_LINK_RATE_LIMIT", default=120)

# --- The automation API (api/) ---------------------------------------------------------------
# Calls per minute with one API token; past it, 429 with Retry-After (api/auth.py).
API_RATE_LIMIT_PER_MINUTE = _positive_int("API_RATE_LIMIT_PER_MINUTE", default=600)

# --- Branding on the customer's page (accounts/branding.py, docs/deploy.md) -----------------
# A customer link's page shows the reseller's brand (set on the portal) or, for an instance of
# no reseller or a reseller without a brand, the partner's. Empty: the page names no one.
PARTNER_DISPLAY_NAME = env.str("PARTNER_DISPLAY_NAME", default="").strip()
PARTNER_SUPPORT_PHONE = env.str("PARTNER_SUPPORT_PHONE", default="").strip()
PARTNER_SUPPORT_EMAIL = env.str("PARTNER_SUPPORT_EMAIL", default="").strip()
PARTNER_SUPPORT_URL = env.str("PARTNER_SUPPORT_URL", default="").strip()
# The largest logo a reseller may upload, in bytes and in pixels (width and height each).
BRAND_LOGO_MAX_BYTES = _positive_int("BRAND_LOGO_MAX_BYTES", default=1024 * 1024)
BRAND_LOGO_MAX_SIDE = _positive_int("BRAND_LOGO_MAX_SIDE", default=2048)

# --- Usage and billing (billing/, docs/operations.md) ---------------------------------------
# What a reseller owes the partner for one instance-day (one daily charge of one instance,
# docs/greenapi.md §2.5) when its own price is not set, and the currency of every price. Empty:
# no default, and a reseller without a price of its own shows instance-days but no amount.
BILLING_DAY_PRICE = _day_price("BILLING_DAY_PRICE")
BILLING_CURRENCY = env.str("BILLING_CURRENCY", default="USD").strip().upper()
if not re.fullmatch(r"[A-Z]{3}", BILLING_CURRENCY):
    raise ImproperlyConfigured(
        f"BILLING_CURRENCY must be a three-letter code such as USD, not {BILLING_CURRENCY!r}."
    )

# --- Health and metrics (monitoring/, docs/operations.md) -----------------------------------
# /readyz answers 503 when the worker's heartbeat, the last successful sync or the oldest state
# the worker can confirm is older than these, in seconds; 0 leaves that one out of readiness.
READY_WORKER_MAX_AGE = env.int("READY_WORKER_MAX_AGE", default=60)
READY_SYNC_MAX_AGE = env.int("READY_SYNC_MAX_AGE", default=600)
READY_STATE_MAX_AGE = env.int("READY_STATE_MAX_AGE", default=2 * STATE_MAX_AGE)
# /metrics answers only a scraper that sends `Authorization: Bearer <METRICS_TOKEN>` or comes
# from METRICS_ALLOWED_NETWORKS (addresses or CIDR networks, comma-separated); with neither set
# it is off (404).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")


def _networks(name: str, default: list[str]) -> list[str]:
    values: list[str] = env.list(name, default=default)
    for value in values:
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} holds {value!r}, which is not an IP address or network."
            ) from None
    return values


METRICS_ALLOWED_NETWORKS = _networks(
    "METRICS_ALLOWED_NETWORKS", default=["127.0.0.1", "::1"] if DEBUG else []
)
# The worker is a process of its own: it serves its registry (its Green API calls, its tasks)
# at http://WORKER_METRICS_HOST:WORKER_METRICS_PORT/metrics, with the same access rules; 0: off.
WORKER_METRICS_PORT = env.int("WORKER_METRICS_PORT", default=0)
WORKER_METRICS_HOST = env.str("WORKER_METRICS_HOST", default="127.0.0.1")

# --- Logging ---------------------------------------------------------------------------------
# Green API tokens travel in URL paths, so every logger that may print a URL gets the
# redaction filter (see core/redaction.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "core.redaction.RedactSecretsFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain", "filters": ["redact"]}
    },
    "loggers": {
        # Django's own console handler has no redaction filter: route "django" through ours.
        "django": {"handlers": ["console"], "level": "INFO", "propagate": False},
        "django.request": {"filters": ["redact"]},
        "django.server": {
            "handlers": ["console"],
            "filters": ["redact"],
            "level": "INFO",
            "propagate": False,
        },
        # huey logs every task it runs; the jobs log one line each themselves (instances/jobs.py).
        # With a handler here, run_huey adds none of its own (which would print lines twice).
        "huey": {"handlers": ["console"], "level": "WARNING", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}
