"""Every page of the access matrix, opened in Chromium by each role that may open it, in each
language asked for (the switcher's cookie set on the browser context).

The list of URLs is the access matrix's own (tests/accounts/test_access_matrix.py): a GET row
whose code for the persona is 200 on its own object (an active link for customer links). Answers
that are not whole HTML documents (CSV exports, images, /metrics, htmx fragments) are not pages
and are left out, by looking at each answer rather than by a second list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page

from api.tokens import api_token_create, scopes_for
from instances.models import StateChange
from instances.services.links import onboarding_link_issue
from tests.accounts.test_access_matrix import ROWS, VARIANTS, Row, _url
from tests.e2e.conftest import ARTIFACTS, Recorder, Session, log_in
from tests.support.personas import World

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
WIDTHS = (PHONE, DESKTOP)
# Reseller B's user sees the same pages as reseller A's: one reseller persona is enough.
ROLES = ("admin", "support", "reseller_a_user", "anonymous")
LANGUAGES = ("en", "ru")


@dataclass(frozen=True)
class Visit:
    role: str
    name: str  # the row's URL name
    url: str
    width: int
    language: str = "en"

    @property
    def label(self) -> str:
        return f"{self.role} {self.name} at {self.width}px in {self.language} ({self.url})"

    def screenshot_path(self, folder: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")
        path = ARTIFACTS / folder / self.language / f"{self.role}-{slug}-{self.width}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        return str(path)


def furnish(world: World) -> None:
    """Give the pages something to show: long names and phone numbers, a timeline, a customer
    link, things that need attention; an empty page proves little about width."""
    now = timezone.now()
    long_name = "Flower shop on Long Street, the main WhatsApp line for orders and deliveries"
    for n, instance in enumerate((world.instance_a, world.instance_b, world.instance_unassigned)):
        instance.name = f"{long_name} {n}"
        instance.phone = f"7900123456{n}"
        # Instance A takes customer links, so it is not linked.
        instance.state = ("notAuthorized", "authorized", "blocked")[n]
        instance.state_changed_at = now - timedelta(hours=n + 1)
        instance.time_created = now - timedelta(days=40)
        instance.save()
        StateChange.objects.create(
            instance=instance,
            previous_state="notAuthorized",
            state=instance.state,
            source="poll",
            at=instance.state_changed_at,
        )
    onboarding_link_issue(instance=world.instance_a, user=world.admin)
    # API tokens with every scope the role may use, a long name and a last use (IPv6: long).
    for user in (world.admin, world.support, world.reseller_a_user, world.reseller_b_user):
        token = api_token_create(user=user, name=f"{long_name} bot", scopes=scopes_for(user)).token
        token.last_used_at, token.last_used_ip = now, "2001:db8:85a3::8a2e:370:7334"
        token.save(update_fields=["last_used_at", "last_used_ip"])


def _opens(row: Row, persona: str) -> str | None:
    """The variant of the row that the persona opens as a page, if any."""
    if row.method != "get" or row.name.startswith("/"):
        return None
    variant = "active" if row.kind == "link" else VARIANTS[row.kind][0]
    return variant if row.code(persona, variant) == 200 else None


def _is_document(page: Page, url: str) -> bool:
    answer = page.context.request.get(url, max_redirects=0)
    kind = answer.headers.get("content-type", "")
    return (
        answer.status == 200
        and kind.startswith("text/html")
        and answer.text().lstrip()[:15].lower() == "<!doctype html>"
    )


def walk(
    browser: Browser,
    base_url: str,
    world: World,
    role: str,
    check: Callable[[Page, Visit], None],
    *,
    bypass_csp: bool = False,
    languages: Sequence[str] = ("en",),
) -> list[Visit]:
    """Open every page the role may open at each width in each language, calling `check` on
    each once loaded. One logged-in context for each language (its cookie chooses it, as the
    switcher would); returns what was visited. `bypass_csp` lets a test inject a script of its
    own (axe-core) into pages whose policy allows only theirs."""
    furnish(world)
    visited: list[Visit] = []
    documents: list[tuple[str, str]] | None = None  # the same pages in every language
    for language in languages:
        session = _open(browser, base_url, world, role, language, bypass_csp=bypass_csp)
        page = session.page
        try:
            if documents is None:
                documents = [(n, url) for n, url in _pages(world, role) if _is_document(page, url)]
            for name, url in documents:
                for size in WIDTHS:
                    page.set_viewport_size(size)
                    page.goto(url, wait_until="load")
                    visit = Visit(
                        role=role, name=name, url=url, width=size["width"], language=language
                    )
                    check(page, visit)
                    visited.append(visit)
        finally:
            session.context.close()
    return visited


def _open(
    browser: Browser, base_url: str, world: World, role: str, language: str, *, bypass_csp: bool
) -> Session:
    """A context for the role that asks for `language` by the switcher's cookie, logged in."""
    context = browser.new_context(base_url=base_url, viewport=PHONE, bypass_csp=bypass_csp)
    context.set_default_timeout(20_000)
    context.add_cookies(
        [{"name": settings.LANGUAGE_COOKIE_NAME, "value": language, "url": base_url}]
    )
    session = Session(
        context=context, page=context.new_page(), recorder=Recorder(), base_url=base_url
    )
    user = world.persona(role)
    if user is not None:
        log_in(session, user)
    return session


def _pages(world: World, role: str) -> Iterator[tuple[str, str]]:
    for row in ROWS:
        variant = _opens(row, role)
        if variant is not None:
            yield row.name, _url(world, row, role, variant)
