"""The OpenAPI document, made exact: what ninja generates, plus what it cannot know.

ninja documents every answer as application/json; our errors are application/problem+json,
a 401 carries WWW-Authenticate and a 429 Retry-After, a problem's `type` is one of the declared
kinds, and a create's answer links to the operations on the object it made (OpenAPI links,
which Schemathesis follows: create -> get -> delete). All of it is derived from the routes
themselves, so an operation added to any router is documented the same way with no list here.
"""

from __future__ import annotations

import re
from typing import Any

from api.problems import PROBLEM_CONTENT_TYPE, TITLES, TYPE_PREFIX

# The largest id a database integer holds: path ids are documented within it (bigger ones are
# a 422 problem, api/router.py).
ID_MAX = 2**63 - 1
METHODS = ("get", "put", "post", "delete", "patch")

PROBLEM_HEADERS: dict[int, dict[str, Any]] = {
    401: {
        "WWW-Authenticate": {
            "description": "The scheme to authenticate with: `Bearer`.",
            "required": True,
            "schema": {"type": "string", "examples": ['Bearer realm="api"']},
        }
    },
    429: {
        "Retry-After": {
            "description": "Seconds to wait before the next call with this token.",
            "required": True,
            "schema": {"type": "integer", "minimum": 0, "examples": [30]},
        }
    },
}

# The problem each error status usually carries, for its example in the document.
EXAMPLE_KINDS = {
    400: "validation",
    401: "unauthorized",
    403: "insufficient-scope",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    422: "validation",
    429: "rate-limited",
    502: "upstream",
}

DESCRIPTION = """\
Create, onboard and delete Green API instances from your own code, scoped to what your token's
user may see: a reseller's token sees its reseller's instances only, staff tokens every one.

## Authentication

Create a token on your account page (*API tokens*): a name, an expiry (at most a year) and its
scopes. It is shown once. Send it on every call:

    Authorization: Bearer ppat_...

A missing, wrong, expired or revoked token, or one of a deactivated user, gets the same `401`
(with `WWW-Authenticate: Bearer`). A valid token without the scope an operation names gets
`403` with the problem type `insufficient-scope` and the missing `scope`. A token never does
more than its user may: a role that may see but not change an instance gets `403 forbidden`.
Another tenant's object is a `404`, exactly like a missing one.

## Errors

Every error is an RFC 9457 problem, `Content-Type: application/problem+json`:
`{"type", "title", "status", "detail", "instance"}` (some add `errors` or `scope`). Branch on
`type`, never on the wording. The types:

{types}
"""


def problem_types() -> list[str]:
    return [TYPE_PREFIX + kind for kind in TITLES]


def description() -> str:
    rows = "\n".join(f"- `{TYPE_PREFIX}{kind}`: {title}" for kind, title in TITLES.items())
    return DESCRIPTION.replace("{types}", rows)


def refine(document: dict[str, Any]) -> dict[str, Any]:
    """The document with exact errors, bounded path ids and links from creates."""
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            _bound_path_ids(operation)
            _problems(operation)
            if method == "post":
                _links(document, path, operation)
    problem = document.get("components", {}).get("schemas", {}).get("ProblemOut")
    if problem is not None:
        problem["properties"]["type"]["enum"] = problem_types()
    return document


def _bound_path_ids(operation: dict[str, Any]) -> None:
    for parameter in operation.get("parameters", []):
        schema = parameter.get("schema", {})
        if parameter.get("in") == "path" and schema.get("type") == "integer":
            schema.setdefault("minimum", 1)
            schema.setdefault("maximum", ID_MAX)


def _problems(operation: dict[str, Any]) -> None:
    responses = operation.setdefault("responses", {})
    # Any parameter or body can be invalid: ninja answers 422 before the endpoint runs.
    # (ninja keys the answers by int; the JSON document by string: compare as numbers.)
    declared = {int(code) for code in responses}
    if (operation.get("parameters") or operation.get("requestBody")) and 422 not in declared:
        responses[422] = _problem_response("Unprocessable Content")
    # A body that is not JSON at all: 400 (ninja cannot parse it), before any validation.
    if operation.get("requestBody") and 400 not in declared:
        responses[400] = _problem_response("Bad Request: the body is not JSON")
    for code, response in responses.items():
        status = int(code)
        if status < 400:
            continue
        content = response.get("content", {})
        schema = (content.get("application/json") or content.get(PROBLEM_CONTENT_TYPE) or {}).get(
            "schema", {"$ref": "#/components/schemas/ProblemOut"}
        )
        media: dict[str, Any] = {"schema": schema}
        kind = EXAMPLE_KINDS.get(status)
        if kind in TITLES:
            media["example"] = {
                "type": TYPE_PREFIX + kind,
                "title": TITLES[kind],
                "status": status,
                "instance": "/api/v1/instances/1101000001",
            }
        response["content"] = {PROBLEM_CONTENT_TYPE: media}
        if status in PROBLEM_HEADERS:
            response["headers"] = PROBLEM_HEADERS[status]


def _problem_response(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/ProblemOut"}
    return {"description": description, "content": {PROBLEM_CONTENT_TYPE: {"schema": schema}}}


def _links(document: dict[str, Any], path: str, create: dict[str, Any]) -> None:
    """A POST on a collection links its 201 answer's `id` to every operation on the member
    it made and below it; the ids above it (`/instances/{id_instance}/links`) come from the
    request's path.

    Only 201: a 202's body is a create order, whose id is no member's.
    """
    responses = create.get("responses", {})
    response = next((answer for code, answer in responses.items() if int(code) == 201), None)
    if response is None or not _has_id(document, response):
        return
    above = {name: f"$request.path.{name}" for name in re.findall(r"{(\w+)}", path)}
    links: dict[str, Any] = {}
    for member_path, item in document["paths"].items():
        parameter = _member_parameter(path, member_path)
        if parameter is None:
            continue
        for method in METHODS:
            target = item.get(method)
            if target is not None and "operationId" in target:
                links[target["operationId"]] = {
                    "operationId": target["operationId"],
                    "parameters": above | {parameter: "$response.body#/id"},
                }
    if links:
        response["links"] = links


def _member_parameter(collection: str, candidate: str) -> str | None:
    """`id_instance` for /instances/{id_instance} under /instances, and for the operations on
    it (/instances/{id_instance}/reboot); None for another path, or one that needs an id
    more (/instances/{id_instance}/links/{link_id}: no link was made)."""
    rest = candidate.removeprefix(collection.rstrip("/") + "/")
    member, _, below = rest.partition("/")
    if rest == candidate or not (member.startswith("{") and member.endswith("}")) or "{" in below:
        return None
    return member[1:-1]


def _has_id(document: dict[str, Any], response: dict[str, Any]) -> bool:
    schema = response.get("content", {}).get("application/json", {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = document.get("components", {}).get("schemas", {}).get(ref.rsplit("/", 1)[1], {})
    return "id" in schema.get("properties", {})
