"""Every page of the access matrix, opened in Chromium by each role that may open it.

The list of URLs is the access matrix's own (tests/accounts/test_access_matrix.py): a GET row
whose code for the persona is 200 on its own object (an active link for customer links). Answers
that are not whole HTML documents (CSV exports, images, /metrics, htmx fragments) are not pages
and are left out, by looking at each answer rather than by a second list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import Browser, Page

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


@dataclass(frozen=True)
class Visit:
    role: str
    name: str  # the row's URL name
    url: str
    width: int

    @property
    def label(self) -> str:
        return f"{self.role} {self.name} at {self.width}px ({self.url})"

    def screenshot_path(self, folder: str) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")
        path = ARTIFACTS / folder / f"{self.role}-{slug}-{self.width}.png"
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
) -> list[Visit]:
    """Open every page the role may open at each width, calling `check` on each once loaded.
    One logged-in context for the role; returns what was visited. `bypass_csp` lets a test
    inject a script of its own (axe-core) into pages whose policy allows only theirs."""
    furnish(world)
    context = browser.new_context(base_url=base_url, viewport=PHONE, bypass_csp=bypass_csp)
    context.set_default_timeout(20_000)
    session = Session(
        context=context, page=context.new_page(), recorder=Recorder(), base_url=base_url
    )
    user = world.persona(role)
    if user is not None:
        log_in(session, user)
    page = session.page
    visited: list[Visit] = []
    try:
        for name, url in _pages(world, role):
            if not _is_document(page, url):
                continue
            for size in WIDTHS:
                page.set_viewport_size(size)
                page.goto(url, wait_until="load")
                visit = Visit(role=role, name=name, url=url, width=size["width"])
                check(page, visit)
                visited.append(visit)
    finally:
        session.context.close()
    return visited


def _pages(world: World, role: str) -> Iterator[tuple[str, str]]:
    for row in ROWS:
        variant = _opens(row, role)
        if variant is not None:
            yield row.name, _url(world, row, role, variant)
