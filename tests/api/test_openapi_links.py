"""The document's links, which Schemathesis's stateful phase follows (create -> get -> delete):
each takes the made object's id from a 201 answer, and the ids above it from the request's path."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def document(db: None) -> dict[str, Any]:
    return Client().get("/api/v1/openapi.json").json()  # type: ignore[no-any-return]


def links_of(document: dict[str, Any], path: str, status: str) -> dict[str, Any]:
    return document["paths"][path]["post"]["responses"][status].get("links", {})  # type: ignore[no-any-return]


def test_a_created_instance_links_to_reading_and_deleting_it(document: dict[str, Any]) -> None:
    links = links_of(document, "/api/v1/instances", "201")

    for operation in ("instances_get", "instances_delete", "instances_reboot", "links_issue"):
        assert links[operation]["parameters"] == {"id_instance": "$response.body#/id"}
    # A revoke needs a link's id too, which no create of an instance gives.
    assert not any("link_id" in link["parameters"] for link in links.values())


def test_an_order_is_not_taken_for_the_instance(document: dict[str, Any]) -> None:
    # A 202's body is the create order: its id is no instance's.
    assert links_of(document, "/api/v1/instances", "202") == {}


def test_an_issued_link_is_revoked_on_the_instance_it_was_issued_for(
    document: dict[str, Any],
) -> None:
    path = "/api/v1/instances/{id_instance}/links"
    links = links_of(document, path, "201")

    revoke = next(link for link in links.values() if "link_id" in link["parameters"])
    assert revoke["parameters"] == {
        "id_instance": "$request.path.id_instance",
        "link_id": "$response.body#/id",
    }
