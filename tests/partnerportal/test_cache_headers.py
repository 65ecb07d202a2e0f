"""Logged-in pages stay out of shared caches; pages with secrets are never stored at all."""

import pytest
from django.test import Client
from django.utils.cache import get_max_age

from tests.support.personas import PASSWORD, World


@pytest.mark.parametrize(
    "path", ["/instances/", "/instances/1101000001/", "/audit/", "/account/", "/users/"]
)
def test_logged_in_pages_are_private_and_revalidated(world: World, path: str) -> None:
    response = world.client("admin").get(path)

    assert response.status_code == 200
    directives = {d.strip() for d in response["Cache-Control"].split(",")}
    assert {"private", "no-cache"} <= directives
    assert "public" not in directives
    assert get_max_age(response) is None


def test_a_view_that_asks_for_no_store_keeps_it(world: World) -> None:
    response = world.client("admin").post(
        f"/instances/{world.instance_a.pk}/token/", {"password": PASSWORD}
    )

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("no-store")


def test_anonymous_pages_are_not_marked_private(db: None, client: Client) -> None:
    response = client.get("/static/css/portal.css")

    assert "private" not in response.get("Cache-Control", "")
