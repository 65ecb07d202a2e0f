"""The switcher names each language in that language, on a page of either."""

from __future__ import annotations

import re

import pytest
from django.test import Client


@pytest.mark.django_db
@pytest.mark.parametrize("page_language", ["en", "ru"])
def test_each_language_is_named_in_itself(client: Client, page_language: str) -> None:
    page = client.get("/login/", headers={"accept-language": page_language}).content.decode()
    switcher = re.search(r'<form class="language-switcher".*?</form>', page, re.DOTALL)
    assert switcher is not None
    names = re.findall(r'lang="(\w+)"[^>]*>([^<]+)<', switcher.group())
    assert sorted(names) == [("en", "English"), ("ru", "Русский")]
    # The current one is marked, not a button.
    assert f'<span lang="{page_language}" aria-current="true">' in switcher.group()
