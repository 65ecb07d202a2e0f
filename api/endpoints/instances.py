"""/api/v1/instances: list and read the instances the token's user may see."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import Field

from api.auth import TokenAuth
from api.models import Scope
from api.problems import Problem, answers
from api.rendering import json_answer
from api.schemas import InstanceOut, instance_fields
from instances.list_paging import PAGE_SIZES, BadCursor, Cursor
from instances.models import Instance
from instances.selectors import (
    DEFAULT_SORT,
    InstanceFilters,
    get_instance_for_user_or_404,
    instance_list,
)

router = Router(tags=["Instances"])

Sort = Literal["-created", "created", "name", "-name", "state", "-state", "-changed", "changed"]


class ListQuery(Schema):
    q: str = Field("", max_length=100, description="Id prefix, name or phone.")
    state: Literal[tuple(Instance.State.values)] | None = None  # type: ignore[valid-type]
    messenger: Literal[tuple(Instance.Type.values)] | None = None  # type: ignore[valid-type]
    reseller_id: int | None = Field(None, ge=1, description="Staff only: one reseller's.")
    unassigned: bool = Field(False, description="Staff only: instances of no reseller.")
    show: Literal["active", "deleted", "all"] = "active"
    expired: bool | None = None
    sort: Sort = DEFAULT_SORT  # type: ignore[assignment]
    limit: Literal[tuple(PAGE_SIZES)] = 50  # type: ignore[valid-type]
    cursor: str = Field("", max_length=400, description="`next` of the previous page.")


class InstancePage(Schema):
    items: list[InstanceOut]
    next: str | None = Field(description="The cursor of the next page; null on the last.")
    total: int = Field(description="How many instances match (at least, if not exact).")
    total_exact: bool


@router.get(
    "",
    response=answers(InstancePage, 422),
    auth=TokenAuth(Scope.INSTANCES_READ),
    summary="List instances",
    operation_id="instances_list",
)
def list_instances(request: HttpRequest, query: Query[ListQuery]) -> HttpResponse:
    if query.cursor:
        try:
            Cursor.decode(query.cursor, query.sort)
        except BadCursor:
            raise Problem(422, "validation", "That cursor is not one this list gave.") from None
    filters = InstanceFilters(
        q=query.q.strip(),
        state=query.state,
        messenger=query.messenger or "",
        reseller_id=query.reseller_id,
        unassigned=query.unassigned,
        show=query.show,
        expired=query.expired,
        sort=query.sort,
        per_page=query.limit,
        after=query.cursor,
    )
    listing = instance_list(user=request.user, filters=filters)  # type: ignore[arg-type]
    page = listing.page
    # Encoded here, not through a model per row: at 500 rows a page, validating each
    # InstanceOut and then the page again was most of the call (benchmarks/api_throughput.py).
    # The document still shows InstancePage; tests and Schemathesis check the answers keep to it.
    body = {
        "items": [instance_fields(row) for row in page],
        "next": page.next_cursor if page.has_next else None,
        "total": listing.total,
        "total_exact": listing.exact,
    }
    return json_answer(body)


@router.get(
    "/{int:id_instance}",
    response=answers(InstanceOut, 404),
    auth=TokenAuth(Scope.INSTANCES_READ),
    summary="Get one instance",
    operation_id="instances_get",
)
def get_instance(request: HttpRequest, id_instance: int) -> InstanceOut:
    return InstanceOut.of(get_instance_for_user_or_404(request.user, id_instance))  # type: ignore[arg-type]
