"""Every logged-in page: a skip link to the main content, the current section marked in the
navigation, and each field's help text and errors wired to it (aria-describedby)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from accounts.models import User

# Pages with forms whose fields carry help text, and each section's page (with its nav label).
PAGES = {
    "/instances/overview/": "Overview",
    "/instances/": "Instances",
    "/instances/new/": "Instances",
    "/instances/attention/": "Attention",
    "/usage/": "Usage",
    "/resellers/": "Resellers",
    "/resellers/new/": "Resellers",
    "/users/": "Users",
    "/users/new/": "Users",
    "/audit/": "Audit log",
    "/account/": "Account",
    "/account/time-zone/": "Account",
    "/alerts/settings/": "Account",
    "/account/api-tokens/": "Account",
    "/account/api-tokens/new/": "Account",
    "/api-tokens/": "API tokens",
}


@pytest.fixture
def admin_client(admin: User) -> Client:
    client = Client()
    client.force_login(admin)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("path", "section"), PAGES.items())
def test_pages_mark_their_section_and_skip_to_the_content(
    admin_client: Client, path: str, section: str
) -> None:
    html = admin_client.get(path).content.decode()

    assert re.search(r'<a class="skip-link" href="#main">', html), path
    assert 'id="main"' in html
    current = re.findall(r'<a href="[^"]*" aria-current="page">([^<]+)</a>', html)
    assert current == [section]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_every_described_by_reference_is_on_the_page(admin_client: Client, path: str) -> None:
    html = admin_client.get(path).content.decode()
    bad = admin_client.post(path, {}).content.decode() if path.endswith("/new/") else ""

    for page in (html, bad):
        for references in re.findall(r'aria-describedby="([^"]+)"', page):
            for reference in references.split():
                assert f'id="{reference}"' in page, (path, reference)
