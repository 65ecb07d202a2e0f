"""The main navigation: its sections, who sees each, and which one the current page is in."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.urls import ResolverMatch, reverse
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Action, can

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


@dataclass(frozen=True)
class Section:
    label: str | _StrPromise  # translated when shown
    url_name: str
    action: Action | None = None  # needed to see it; None: every logged-in user


OVERVIEW = Section(_("Overview"), "instances:overview")
INSTANCES = Section(_("Instances"), "instances:list")
ATTENTION = Section(_("Attention"), "instances:attention")
USAGE = Section(_("Usage"), "billing:usage", Action.VIEW_USAGE)
RESELLERS = Section(_("Resellers"), "reseller_list", Action.MANAGE_PEOPLE)
USERS = Section(_("Users"), "user_list", Action.MANAGE_PEOPLE)
# Every user's API tokens (api/views.py); a user's own are under their account.
API_TOKENS = Section(_("API tokens"), "api_tokens:all", Action.MANAGE_PEOPLE)
AUDIT = Section(_("Audit log"), "audit_log")
EVENTS = Section(_("Events"), "events:list", Action.MANAGE_EVENTS)
ACCOUNT = Section(_("Account"), "account")
SECTIONS = (
    OVERVIEW,
    INSTANCES,
    ATTENTION,
    USAGE,
    RESELLERS,
    USERS,
    API_TOKENS,
    AUDIT,
    EVENTS,
    ACCOUNT,
)


@dataclass(frozen=True)
class NavLink:
    label: str | _StrPromise
    url: str
    current: bool


def section_of(match: ResolverMatch | None) -> Section | None:
    """The section a page belongs to, from its URL's name; None for pages outside them all."""
    if match is None:
        return None
    name, namespace = match.url_name or "", match.namespace
    if namespace == "billing":
        return USAGE
    if namespace == "events":
        return EVENTS
    if namespace == "alerts":
        return ACCOUNT  # alert settings are the user's own
    if namespace == "api_tokens":
        return API_TOKENS if name.startswith("all") else ACCOUNT
    if namespace == "instances":
        if name == "overview":
            return OVERVIEW
        return ATTENTION if name.startswith("attention") else INSTANCES
    if name.startswith("reseller_"):
        return RESELLERS
    if name.startswith("user_"):
        return USERS
    if name == AUDIT.url_name:
        return AUDIT
    if name.startswith(("account", "totp_", "password_change")):
        return ACCOUNT
    return None


@cache
def _url(name: str) -> str:
    return reverse(name)


def main_nav(request: HttpRequest) -> dict[str, list[NavLink]]:
    """Context processor: the sections this user may open, the current one marked."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_nav": []}
    current = section_of(request.resolver_match)
    return {
        "main_nav": [
            NavLink(section.label, _url(section.url_name), section is current)
            for section in SECTIONS
            if section.action is None or can(user, section.action)
        ]
    }
