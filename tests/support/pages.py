"""Helpers for view tests: a logged-in client and page text to match sentences against."""

import html
from typing import Any

from django.test import Client

from accounts.models import User


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page_text(response: Any) -> str:
    """The response's HTML with entities decoded, for matching sentences."""
    return html.unescape(response.content.decode())


def speaking(user: User, language: str) -> Client:
    """A client logged in as `user`, who has chosen `language` (kept on the account)."""
    user.language = language
    user.save(update_fields=["language"])
    return logged_in(user)
