"""Every URL of the portal x every persona x own / other tenant's / missing object.

The table below is the contract. `test_every_url_has_a_row` walks the URLconf and fails for
a URL without a row, so a new page cannot skip it.

How to read or add a row:
- `Row(name, method, kind, admin=..., support=..., reseller=..., anonymous=...)`.
- `reseller` applies to both reseller personas (reseller A's user and reseller B's user).
- `kind` says what the URL's one id parameter points at; its variants, in order, are
  - "reseller": own, other, missing
  - "user":     own, other, missing
  - "instance": own, other, unassigned, missing
  - "order":    own, other, missing (a settled create order of that reseller)
  - "bulk":     own, other, missing (a bulk job started by a user of that reseller)
  - "endpoint": own, other, missing (an event endpoint of that reseller)
  - "delivery": own, other, missing (a delivery to an event endpoint of that reseller)
  - "link":     active, expired, revoked, unknown (a customer link of reseller A's instance,
                addressed by its token: the same for every persona, logged in or not)
  - "token":    own, other, missing (an API token of the persona itself, and of another user:
                reseller A's user's, or reseller B's user's for reseller A's user)
  "Own" is the persona's reseller's object (reseller A's for staff), "other" the other
  tenant's. A code given as a tuple has one entry per variant; a bare code holds for all.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from api.models import Scope
from api.tokens import api_token_create
from events.models import Endpoint, EventDelivery
from instances.models import BulkJob, CreateOrder, OnboardingLink
from instances.services.links import onboarding_link_issue
from tests.support.personas import MISSING_ID, PASSWORD, PERSONAS, World

Code = int | tuple[int, ...]

VARIANTS = {
    None: ("-",),
    "reseller": ("own", "other", "missing"),
    "user": ("own", "other", "missing"),
    "instance": ("own", "other", "unassigned", "missing"),
    "order": ("own", "other", "missing"),
    "bulk": ("own", "other", "missing"),
    "endpoint": ("own", "other", "missing"),
    "delivery": ("own", "other", "missing"),
    "link": ("active", "expired", "revoked", "unknown"),
    "token": ("own", "other", "missing"),
}
# Served by code that is not the portal's pages: the emulator authenticates with the partner
# token, Django's admin is for superusers only (tests/accounts/test_admin_site.py), and the
# automation API takes bearer tokens, not sessions (its own matrix is in tests/api).
SKIPPED_PREFIXES = ("sandbox/", "admin/", "api/v1/")


@dataclass(frozen=True)
class Row:
    name: str
    method: str = "get"
    kind: str | None = None
    admin: Code = 200
    support: Code = 200
    reseller: Code = 200
    anonymous: Code = 302
    data: dict[str, str] = field(default_factory=dict)
    kwargs: dict[str, str] = field(default_factory=dict)

    def code(self, persona: str, variant: str) -> int:
        value = getattr(self, "reseller" if persona.startswith("reseller_") else persona)
        if isinstance(value, int):
            return value
        return value[VARIANTS[self.kind].index(variant)]


ADMIN_ONLY = {"admin": 200, "support": 403, "reseller": 403}
ADMIN_OBJECT = {"admin": (200, 200, 404), "support": 403, "reseller": 403}
ADMIN_POST = {"admin": (302, 302, 404), "support": 403, "reseller": 403}
PUBLIC = {"admin": 200, "support": 200, "reseller": 200, "anonymous": 200}
EVERYONE_REDIRECTED = {"admin": 302, "support": 302, "reseller": 302, "anonymous": 302}
LOGGED_IN_REDIRECTED = {"admin": 302, "support": 302, "reseller": 302}
# Instance variants: own, other, unassigned, missing.
INSTANCE_ANYONE = {
    "admin": (200, 200, 200, 404),
    "support": (200, 200, 200, 404),
    "reseller": (200, 404, 404, 404),
}
INSTANCE_POST_ANYONE = {
    "admin": (302, 302, 302, 404),
    "support": (302, 302, 302, 404),
    "reseller": (302, 404, 404, 404),
}
# Customer links need no login: every persona gets the same answer, by the link's status.
# With no emulator running there is no QR code, so the image answers 204.
LINK_PAGE = {p: (200, 410, 410, 404) for p in ("admin", "support", "reseller", "anonymous")}
LINK_IMAGE = {p: 204 for p in ("admin", "support", "reseller", "anonymous")}
INSTANCE_NO_SUPPORT = {
    "admin": (200, 200, 200, 404),
    "support": 403,
    "reseller": (200, 404, 404, 404),
}

USAGE = {"admin": 200, "support": 403, "reseller": 200}
# Event endpoints: admins (any) and reseller users (their own); support agents may not manage
# them, and that check comes before any lookup. Endpoint/delivery variants: own, other, missing.
EVENTS_PAGE = {"admin": 200, "support": 403, "reseller": 200}
EVENTS_OBJECT = {"admin": (200, 200, 404), "support": 403, "reseller": (200, 404, 404)}
EVENTS_POST = {"admin": (302, 302, 404), "support": 403, "reseller": (302, 404, 404)}
# Reseller variants: own, other, missing.
USAGE_OF_RESELLER = {"admin": (200, 200, 404), "support": 403, "reseller": (200, 404, 404)}


def everyone(code: int) -> dict[str, Code]:
    return {persona: code for persona in ("admin", "support", "reseller", "anonymous")}


ROWS = [
    Row("home", **EVERYONE_REDIRECTED),
    # Accounts: login, own account, passwords.
    Row("login", admin=302, support=302, reseller=302, anonymous=200),
    Row("login_verify", **EVERYONE_REDIRECTED),  # no password step pending: back to login
    Row("logout", "post", **EVERYONE_REDIRECTED),
    # The language switcher and the scripts' strings: every page has them, the customer's too.
    Row("set_language", "post", **EVERYONE_REDIRECTED),
    Row("javascript_catalog", **PUBLIC),
    Row("account"),
    Row("password_change"),
    Row("password_change_done"),
    Row("totp_setup_start", "post", **LOGGED_IN_REDIRECTED),
    Row("totp_setup_confirm", **LOGGED_IN_REDIRECTED),  # nothing being set up: to account
    Row("totp_disable", "post"),  # no code posted: the form again, with an error
    Row("account_time_zone"),
    Row("alerts:settings"),  # each person's own alert e-mails
    Row("password_reset", **PUBLIC),
    Row("password_reset_done", **PUBLIC),
    Row("password_reset_confirm", **PUBLIC, kwargs={"uidb64": "MQ", "token": "bad-token"}),
    Row("password_reset_complete", **PUBLIC),
    # People admin: partner admins only; the role check comes before any lookup.
    Row("reseller_list", **ADMIN_ONLY),
    Row("reseller_create", **ADMIN_ONLY),
    Row("reseller_edit", kind="reseller", **ADMIN_OBJECT),
    Row("reseller_deactivate", "post", kind="reseller", **ADMIN_POST),
    # A reseller's brand: admins for any reseller, a reseller user for its own (another's: 404).
    Row(
        "reseller_brand",
        kind="reseller",
        admin=(200, 200, 404),
        support=403,
        reseller=(200, 404, 404),
    ),
    # A logo by its random name, public like the customer pages that show it: none here is 404.
    Row("brand_logo", kwargs={"name": "none.png"}, **everyone(404)),
    Row("user_list", **ADMIN_ONLY),
    Row("user_create", **ADMIN_ONLY),
    Row("user_edit", kind="user", **ADMIN_OBJECT),
    Row("user_deactivate", "post", kind="user", **ADMIN_POST),
    Row("user_password_reset", "post", kind="user", **ADMIN_POST),
    # API tokens: everyone's own (another user's token is a 404 exactly like a missing one),
    # and every user's for partner admins, whose role check comes before any lookup.
    Row("api_tokens:list"),
    Row("api_tokens:create"),
    Row(
        "api_tokens:revoke",
        kind="token",
        admin=(200, 404, 404),
        support=(200, 404, 404),
        reseller=(200, 404, 404),
    ),
    Row("api_tokens:all", **ADMIN_ONLY),
    Row("api_tokens:all_revoke", kind="token", **ADMIN_OBJECT),
    # Audit: everyone logged in; the rows are scoped by the selector (test_audit.py).
    Row("audit_log"),
    # Instances.
    Row("instances:list"),
    # "Sync now" asks the worker for a sync of the whole mirror; anyone logged in may.
    Row("instances:sync", "post", **LOGGED_IN_REDIRECTED),
    Row("instances:sync_status"),
    # Paths for machines, served ahead of the middleware (settings.MACHINE_ROUTES), named by
    # their path. A session opens none of them. Green API's webhooks trust each instance's own
    # token; /readyz is 503 because no worker runs beside the tests; /metrics answers the
    # loopback network the tests come from, and refuses others (tests/monitoring).
    Row("/webhooks/green-api/", "post", **everyone(401)),
    Row("/healthz", **everyone(200)),
    Row("/readyz", **everyone(503)),
    Row("/metrics", **everyone(200)),
    Row("instances:create"),
    # Nothing posted: the admin is sent back with a message; other roles may not assign.
    Row("instances:assign", "post", admin=302, support=403, reseller=403),
    Row(
        "instances:detail",
        kind="instance",
        admin=(200, 200, 200, 404),
        support=(200, 200, 200, 404),
        reseller=(200, 404, 404, 404),
    ),
    # The instance page's actions. Support agents may reboot and log out but not change
    # settings, delete or see the token; their role check comes before the lookup. With no
    # emulator running, settings answer "Green API is not answering" and refresh redirects.
    Row("instances:state_refresh", "post", kind="instance", **INSTANCE_POST_ANYONE),
    Row("instances:reboot", kind="instance", **INSTANCE_ANYONE),
    Row("instances:logout", kind="instance", **INSTANCE_ANYONE),
    Row("instances:settings", kind="instance", **INSTANCE_NO_SUPPORT),
    Row("instances:delete", kind="instance", **INSTANCE_NO_SUPPORT),
    Row(
        "instances:token",
        "post",
        kind="instance",
        **INSTANCE_NO_SUPPORT,
        data={"password": PASSWORD},
    ),
    # Onboarding: everyone who sees the instance may link a phone. Without an htmx header the
    # status and links fragments redirect to the page; with nothing posted, issuing and
    # revoking redirect with a message and the code form shows its error. Green API is not
    # running here, so logout and reboot fail politely (a message, a redirect) and there is no
    # QR image (204). Only partner admins see the hosted QR page.
    Row("instances:connect", kind="instance", **INSTANCE_ANYONE),
    Row("instances:connect_status", kind="instance", **INSTANCE_POST_ANYONE),
    Row(
        "instances:connect_qr",
        kind="instance",
        admin=(204, 204, 204, 404),
        support=(204, 204, 204, 404),
        reseller=(204, 404, 404, 404),
    ),
    Row("instances:connect_code", "post", kind="instance", **INSTANCE_ANYONE),
    Row("instances:connect_logout", "post", kind="instance", **INSTANCE_POST_ANYONE),
    Row("instances:connect_reboot", "post", kind="instance", **INSTANCE_POST_ANYONE),
    Row(
        "instances:hosted_qr",
        "post",
        kind="instance",
        admin=(200, 200, 200, 404),
        support=(403, 403, 403, 404),
        reseller=(403, 404, 404, 404),
        data={"password": PASSWORD},
    ),
    Row("instances:link_issue", "post", kind="instance", **INSTANCE_POST_ANYONE),
    # A test message: whoever may onboard. Nothing posted: the form's error, as a message and
    # a redirect; the status fragment without htmx redirects to the instance page.
    Row("instances:test_message", "post", kind="instance", **INSTANCE_POST_ANYONE),
    Row("instances:test_message_status", kind="instance", **INSTANCE_POST_ANYONE),
    Row("instances:link_revoke", "post", kind="instance", **INSTANCE_POST_ANYONE),
    Row("public:link", kind="link", **LINK_PAGE),
    Row("public:link_status", kind="link", **LINK_PAGE),
    Row("public:link_qr", kind="link", **LINK_IMAGE),
    Row("public:link_code", "post", kind="link", **LINK_PAGE),
    # Usage and billing: admins and reseller users (their own reseller's only); support
    # agents hold no VIEW_USAGE, and that check comes before any lookup.
    Row("billing:usage", **USAGE),
    Row("billing:export", **USAGE),
    Row("billing:reseller", kind="reseller", **USAGE_OF_RESELLER),
    Row("billing:reseller_export", kind="reseller", **USAGE_OF_RESELLER),
    Row("billing:unassigned", admin=200, support=403, reseller=404),
    # Event endpoints. With nothing posted, choosing events says why and goes back; rotating
    # shows the new secret once (200).
    Row("events:list", **EVENTS_PAGE),
    Row("events:create", **EVENTS_PAGE),
    Row("events:detail", kind="endpoint", **EVENTS_OBJECT),
    Row("events:kinds", "post", kind="endpoint", **EVENTS_POST),
    Row("events:rotate", "post", kind="endpoint", **EVENTS_OBJECT),
    Row("events:enable", "post", kind="endpoint", **EVENTS_POST),
    Row("events:disable", "post", kind="endpoint", **EVENTS_POST),
    Row("events:delete", "post", kind="endpoint", **EVENTS_POST),
    Row("events:test", "post", kind="endpoint", **EVENTS_POST),
    Row("events:again", "post", kind="delivery", **EVENTS_POST),
    Row("billing:unassigned_export", admin=200, support=403, reseller=404),
    Row(
        "instances:order",
        kind="order",
        admin=(200, 200, 404),
        support=(200, 200, 404),
        reseller=(200, 404, 404),
    ),
    # The attention list: everyone sees their own; with nothing posted, marking an item handled
    # says why not and goes back.
    Row("instances:overview"),
    # Bulk actions: with nothing posted, the selection form says why and goes back. A job is
    # its tenant's; its customer links go to whoever issued them (here: nobody, so back).
    Row("instances:bulk_new", "post", **LOGGED_IN_REDIRECTED),
    Row(
        "instances:bulk",
        kind="bulk",
        admin=(200, 200, 404),
        support=(200, 200, 404),
        reseller=(200, 404, 404),
    ),
    Row(
        "instances:bulk_results",
        kind="bulk",
        admin=(200, 200, 404),
        support=(200, 200, 404),
        reseller=(200, 404, 404),
    ),
    Row(
        "instances:bulk_links",
        "post",
        kind="bulk",
        admin=(302, 302, 404),
        support=(302, 302, 404),
        reseller=(302, 404, 404),
    ),
    Row("instances:export"),
    Row("instances:attention"),
    Row("instances:attention_handle", "post", **LOGGED_IN_REDIRECTED),
    # Partner staff settle an order from a fresh look at the list; a settled one just goes
    # back to its page. Reseller users may not: their role check comes before the lookup.
    Row(
        "instances:order_check",
        "post",
        kind="order",
        admin=(302, 302, 404),
        support=(302, 302, 404),
        reseller=403,
    ),
]


def _walk(patterns: list, prefix: str = "", namespace: str = "") -> Iterator[tuple[str, str]]:
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, route, inner)
        elif isinstance(pattern, URLPattern):
            yield (f"{namespace}{pattern.name}" if pattern.name else f"<unnamed {route}>", route)


def portal_urls() -> dict[str, str]:
    """Every URL name of the portal (namespaced) and its route, less the skipped prefixes, and
    the machines' paths served ahead of the URLconf, named by their path."""
    urls = {
        name: route
        for name, route in _walk(get_resolver().url_patterns)
        if not route.startswith(SKIPPED_PREFIXES)
    }
    return urls | {path: path for path in settings.MACHINE_ROUTES}


def test_every_url_has_a_row() -> None:
    urls = portal_urls()
    missing = sorted(set(urls) - {row.name for row in ROWS})
    assert not missing, f"URLs without a row in the access matrix: {missing}"
    stale = sorted({row.name for row in ROWS} - set(urls))
    assert not stale, f"Rows for URLs that no longer exist: {stale}"


def _object_id(world: World, kind: str, persona: str, variant: str) -> int:
    if variant == "missing":
        return MISSING_ID
    if variant == "unassigned":
        return world.instance_unassigned.pk
    on_b = persona == "reseller_b_user"
    own_tenant = (variant == "own") != on_b  # True: reseller A's object
    if kind == "order":
        # A failed order is settled: its page needs no call to Green API.
        reseller = world.reseller_a if own_tenant else world.reseller_b
        order = CreateOrder.objects.create(
            key=uuid.uuid4(), status=CreateOrder.Status.FAILED, name="x", reseller=reseller
        )
        return order.pk
    if kind == "bulk":
        reseller = world.reseller_a if own_tenant else world.reseller_b
        return BulkJob.objects.create(action="reboot", reseller=reseller).pk
    if kind == "token":
        owner = world.persona(persona) or world.reseller_a_user
        if variant == "other":
            owner = (
                world.reseller_b_user if owner == world.reseller_a_user else world.reseller_a_user
            )
        return api_token_create(user=owner, name="CRM", scopes=[Scope.INSTANCES_READ]).token.pk
    if kind in {"endpoint", "delivery"}:
        reseller = world.reseller_a if own_tenant else world.reseller_b
        endpoint = Endpoint.objects.create(
            reseller=reseller,
            url=f"https://93.184.215.14/{reseller.pk}/hooks",
            kinds=["instance.linked"],
            secret="whsec_" + "A" * 44,
        )
        if kind == "endpoint":
            return endpoint.pk
        return _delivery(endpoint).pk
    objects = {
        "reseller": (world.reseller_a, world.reseller_b),
        "user": (world.reseller_a_user, world.reseller_b_user),
        "instance": (world.instance_a, world.instance_b),
    }[kind]
    return objects[0 if own_tenant else 1].pk


def _delivery(endpoint: Endpoint) -> EventDelivery:
    now = timezone.now()
    return EventDelivery.objects.create(
        endpoint=endpoint,
        event_id="msg_x",
        kind="instance.linked",
        ordering_key="instance:1",
        body='{"type":"instance.linked"}',
        status=EventDelivery.Status.DELIVERED,
        give_up_at=now,
    )


def _link_token(world: World, variant: str) -> str:
    if variant == "unknown":
        return "x" * 43
    issued = onboarding_link_issue(instance=world.instance_a, user=world.admin)
    token = issued.url.rsplit("/", 2)[-2]
    changes = {"expired": {"expires_at": timezone.now()}, "revoked": {"revoked_at": timezone.now()}}
    OnboardingLink.objects.filter(pk=issued.link.pk).update(**changes.get(variant, {}))
    return token


def _url(world: World, row: Row, persona: str, variant: str) -> str:
    if row.kind == "link":
        return reverse(row.name, kwargs={"token": _link_token(world, variant)})
    if row.name.startswith("/"):
        return row.name  # a machine's path: no name to reverse
    if row.kind is None:
        return reverse(row.name, kwargs=row.kwargs or None)
    route = portal_urls()[row.name]
    # The URL's one converter, e.g. <int:reseller_id>, names the parameter.
    parameter = route.split("<", 1)[1].split(">", 1)[0].split(":")[-1]
    return reverse(row.name, kwargs={parameter: _object_id(world, row.kind, persona, variant)})


CASES = [
    pytest.param(row, persona, variant, id=f"{row.name}-{persona}-{variant}")
    for row in ROWS
    for persona in PERSONAS
    for variant in VARIANTS[row.kind]
]


@pytest.mark.parametrize(("row", "persona", "variant"), CASES)
def test_access(world: World, row: Row, persona: str, variant: str) -> None:
    client = world.client(persona)
    url = _url(world, row, persona, variant)
    response = getattr(client, row.method)(url, row.data)
    assert response.status_code == row.code(persona, variant), url
    if variant == "other" and response.status_code == 404:
        # Another tenant's object must be indistinguishable from one that does not exist.
        missing = getattr(client, row.method)(_url(world, row, persona, "missing"), row.data)
        assert (missing.status_code, _unmasked(missing)) == (404, _unmasked(response))


def _unmasked(response: HttpResponse) -> bytes:
    """The page with its CSRF token blanked (Django masks it anew in every response), and the
    language switcher's way back, which is the URL asked for, not anything found."""
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", response.content)
    return re.sub(rb'name="next" value="[^"]*"', b"", content)


@pytest.mark.parametrize("row", [r for r in ROWS if r.method == "post"], ids=lambda r: r.name)
def test_post_only_urls_refuse_get(world: World, row: Row) -> None:
    response = world.client("admin").get(_url(world, row, "admin", "own"))
    assert response.status_code == 405


def test_reverse_of_every_row_is_the_documented_route() -> None:
    # Pins a few literal URLs of the contract.
    assert reverse("login") == "/login/"
    assert reverse("logout") == "/logout/"
    assert reverse("audit_log") == "/audit/"
    assert reverse("user_edit", kwargs={"user_id": 7}) == "/users/7/"
    assert reverse("reseller_deactivate", kwargs={"reseller_id": 3}) == "/resellers/3/deactivate/"


def test_anonymous_is_sent_to_the_login_page_with_next(world: World) -> None:
    response = Client().get("/audit/")
    assert response.status_code == 302
    assert response["Location"] == "/login/?next=/audit/"
