"""The API's access matrix, generated from the router: every operation x each persona's token x
each scope set (exactly the one needed, every one but it, all) x own, other tenant's and missing
object. No list of endpoints here: an operation added to any router joins by itself, with its
scope read from its TokenAuth (api.auth.scope_of) and its body and headers from the OpenAPI
document's schemas and examples.

What must hold everywhere: without the scope, 403 insufficient-scope naming it; another
tenant's object answers exactly like a missing one (bodies equal but `instance`); never a 5xx;
no answer holds another tenant's instance id or name, nor any Green API token (an instance's
own token only from the reveal scope, for an instance the user may see). The personas'
instances are not in the emulator, so a call that reaches Green API may end in a 502 or a 409
problem: that is fine, the tenancy assertions still hold.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from api.auth import needs_token, scope_of
from api.models import Scope
from api.router import api
from instances.models import Instance
from tests.support.api import token_for
from tests.support.personas import MISSING_ID, World

PREFIX = "/api/v1"
PROBLEM = "urn:partnerportal:problem:"
# Served to anyone: the document holds no secret, and the page is only its viewer.
PUBLIC_PATHS = {f"{PREFIX}/openapi.json", f"{PREFIX}/docs"}
PERSONAS = ("admin", "support", "reseller_a_user", "reseller_b_user")
# Whose instances a persona's tenancy holds, of the world's three (staff: every one).
OWN = {
    "admin": ("instance_a", "instance_b", "instance_unassigned"),
    "support": ("instance_a", "instance_b", "instance_unassigned"),
    "reseller_a_user": ("instance_a",),
    "reseller_b_user": ("instance_b",),
}
PARAMETER = re.compile(r"{(?:\w+:)?(\w+)}")


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in the document: /api/v1/instances/{id_instance}
    scope: str | None  # None: any token will do (e.g. whoami)
    name: str
    token_auth: bool

    @property
    def parameters(self) -> list[str]:
        return PARAMETER.findall(self.path)

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


def router_operations() -> list[Operation]:
    """Every operation the API serves, walked from its routers."""
    found = []
    for bound in api._get_bound_routers():
        for path, view in bound.path_operations.items():
            full = PARAMETER.sub(
                r"{\1}", PREFIX + "/" + "/".join(p for p in (bound.prefix, path) if p)
            )
            full = re.sub(r"/+", "/", full).rstrip("/")
            for operation in view.operations:
                for method in operation.methods:
                    found.append(
                        Operation(
                            method,
                            full,
                            scope_of(operation.auth_callbacks),
                            operation.view_func.__name__,
                            needs_token(operation.auth_callbacks),
                        )
                    )
    return found


OPERATIONS = router_operations()


def _document() -> dict[str, Any]:
    document: dict[str, Any] = json.loads(Client().get(f"{PREFIX}/openapi.json").content)
    return document


def _resolve(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def example(schema: dict[str, Any], document: dict[str, Any]) -> Any:
    """A valid value for `schema`: its example, default or first choice, else a minimal one."""
    schema = _resolve(schema, document)
    if schema.get("examples"):
        return schema["examples"][0]
    for key in ("example", "default", "const"):
        if key in schema:
            return schema[key]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        choices = [each for each in schema.get(key, []) if each.get("type") != "null"]
        if choices:
            return example(choices[0], document)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        # The required fields, and those with an example (a change of settings names one).
        return {
            name: example(each, document)
            for name, each in schema.get("properties", {}).items()
            if name in schema.get("required", []) or _resolve(each, document).get("examples")
        }
    if kind == "array":
        return [example(schema["items"], document)] * schema.get("minItems", 0)
    if kind == "integer":
        return max(schema.get("minimum", 1), 1)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if schema.get("format") == "uuid":
        return str(uuid.uuid4())
    return "x" * max(schema.get("minLength", 0), 8)


@dataclass
class Call:
    """What to send besides the path: a JSON body and headers, from the document."""

    body: Any
    headers: dict[str, str]


def call_for(operation: Operation, document: dict[str, Any]) -> Call:
    spec = document["paths"][operation.path][operation.method.lower()]
    body = None
    content = spec.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        media = content["application/json"]
        body = media["example"] if "example" in media else example(media["schema"], document)
    headers = {}
    for parameter in spec.get("parameters", []):
        if parameter["in"] == "header" and parameter.get("required"):
            # A fresh value each call (an Idempotency-Key must not repeat with another body).
            headers[parameter["name"]] = str(uuid.uuid4())
    return Call(body, headers)


class Secrets:
    """Unique Green API tokens on the world's instances, to look for in every answer."""

    def __init__(self, world: World) -> None:
        self.world = world
        for name in ("instance_a", "instance_b", "instance_unassigned"):
            instance: Instance = getattr(world, name)
            instance.api_token = f"{name}-green-token-{uuid.uuid4().hex}{uuid.uuid4().hex}"
            instance.save(update_fields=["api_token"])

    def instance(self, name: str) -> Instance:
        instance: Instance = getattr(self.world, name)
        return instance


def _send(client: Client, operation: Operation, path: str, call: Call, secret: str) -> Any:
    headers = {"Authorization": f"Bearer {secret}"} | call.headers
    data = json.dumps(call.body) if call.body is not None else ""
    return client.generic(
        operation.method, path, data, content_type="application/json", headers=headers
    )


def _path(operation: Operation, id_value: int) -> str:
    return PARAMETER.sub(str(id_value), operation.path)


def _problem(response: Any) -> dict[str, Any]:
    assert response["Content-Type"] == "application/problem+json", response.content[:300]
    body: dict[str, Any] = response.json()
    return body


def _scope_sets(needed: str | None) -> Iterator[tuple[str, list[str]]]:
    everything = list(Scope.values)
    if needed is None:
        yield from ((f"only {scope}", [scope]) for scope in everything)
        return
    yield "exactly it", [needed]
    yield "all but it", [scope for scope in everything if scope != needed]
    yield "all", everything


def _assert_no_leak(
    response: Any, path: str, persona: str, secrets: Secrets, operation: Operation
) -> None:
    """Nothing of another tenant, no Green API token (an own one only from a reveal)."""
    text = response.content.decode("utf-8", errors="replace").replace(path, "")
    assert settings.GREEN_API_PARTNER_TOKEN not in text, f"{operation}: the partner token"
    for name in ("instance_a", "instance_b", "instance_unassigned"):
        instance = secrets.instance(name)
        own = name in OWN[persona]
        if not own:
            assert str(instance.pk) not in text, f"{operation} as {persona}: {name}'s id"
            assert instance.name not in text, f"{operation} as {persona}: {name}'s name"
        revealed = own and operation.scope == Scope.INSTANCES_REVEAL
        if not revealed:
            assert instance.api_token not in text, f"{operation} as {persona}: {name}'s token"


@pytest.fixture
def matrix_world(world: World, greenapi_settings: Any) -> tuple[World, Secrets]:
    # Calls that reach Green API reach the emulator (where these instances do not exist).
    greenapi_settings.SANDBOX_RATE_LIMITS = False
    return world, Secrets(world)


def test_the_router_has_operations_and_each_asks_for_a_token() -> None:
    assert {str(each) for each in OPERATIONS} >= {
        "GET /api/v1/instances",
        "GET /api/v1/instances/{id_instance}",
    }
    without = [str(each) for each in OPERATIONS if not each.token_auth]
    assert without == [], f"operations without TokenAuth: {without}"


@pytest.mark.django_db
def test_every_operation_of_the_document_but_its_own_pages_needs_a_token() -> None:
    document = _document()
    client = Client()
    for path, item in document["paths"].items():
        for method, spec in item.items():
            assert spec.get("security") == [{"TokenAuth": []}], f"{method} {path}"
            response = client.generic(method.upper(), PARAMETER.sub(str(MISSING_ID), path))
            assert response.status_code == 401, f"{method} {path}"
            assert _problem(response)["type"] == PROBLEM + "unauthorized"
    served = {path for path in document["paths"]}
    assert served == {each.path for each in OPERATIONS}
    assert PUBLIC_PATHS.isdisjoint(served)


@pytest.mark.parametrize("operation", OPERATIONS, ids=str)
def test_access_matrix(operation: Operation, matrix_world: tuple[World, Secrets]) -> None:
    world, secrets = matrix_world
    assert operation.token_auth
    document = _document()
    client = Client()
    with_id = bool(operation.parameters)
    for persona in PERSONAS:
        user = world.persona(persona)
        assert user is not None
        for label, scopes in _scope_sets(operation.scope):
            secret = token_for(user, scopes)
            where = f"{operation} as {persona} with {label}"
            # own, the other tenant's and a missing object; one call for a collection.
            targets: dict[str, int] = {"missing": MISSING_ID}
            if with_id:
                targets["own"] = secrets.instance(OWN[persona][0]).pk
                targets |= {
                    f"other {name}": secrets.instance(name).pk
                    for name in ("instance_a", "instance_b", "instance_unassigned")
                    if name not in OWN[persona]
                }
            answers = {}
            for target, id_value in targets.items():
                path = _path(operation, id_value) if with_id else operation.path
                response = _send(client, operation, path, call_for(operation, document), secret)
                answers[target] = response
                assert response.status_code < 500 or response.status_code == 502, (
                    f"{where}, {target}: {response.status_code} {response.content[:300]!r}"
                )
                if response.status_code == 502:
                    assert _problem(response)["type"] == PROBLEM + "upstream"
                _assert_no_leak(response, path, persona, secrets, operation)
                if operation.scope is not None and operation.scope not in scopes:
                    assert response.status_code == 403, f"{where}, {target}"
                    problem = _problem(response)
                    assert problem["type"] == PROBLEM + "insufficient-scope", where
                    assert problem["scope"] == operation.scope, where
                    assert problem["detail"] == f"This call needs the '{operation.scope}' scope."
                if not with_id:
                    break
            if with_id and (operation.scope is None or operation.scope in scopes):
                missing = answers["missing"]
                expected = _problem(missing) | {"instance": ""}
                compared = [key for key in answers if key.startswith("other")]
                if missing.status_code == 403:
                    # A role refused the action outright (whatever the id): the same 403 for
                    # every object, its own too, tells nothing about what exists.
                    assert expected["type"] == PROBLEM + "forbidden", where
                    compared.append("own")
                else:
                    assert missing.status_code == 404, f"{where}: a missing id answered {missing}"
                for target in compared:
                    other = answers[target]
                    assert other.status_code == missing.status_code, f"{where}: {target}"
                    assert _problem(other) | {"instance": ""} == expected, f"{where}: {target}"


@pytest.mark.django_db
def test_the_document_has_no_duplicate_keys() -> None:
    # A browser's Swagger UI refuses a document with a key twice (e.g. 422 as int and string).
    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in pairs]
        assert len(keys) == len(set(keys)), keys
        return dict(pairs)

    json.loads(Client().get(f"{PREFIX}/openapi.json").content, object_pairs_hook=unique)
