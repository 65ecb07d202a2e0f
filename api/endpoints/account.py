"""/api/v1/whoami: the token's own user, role, reseller and scopes.

Any valid token may ask, whatever its scopes: integrators check a token with it, and the
benchmark uses it as the API's cheapest authenticated call (benchmarks/api.py).
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import Field

from api.auth import TokenAuth
from api.problems import answers

router = Router(tags=["Account"])


class ApiTokenOut(Schema):
    name: str = Field(examples=["CRM integration"])
    prefix: str = Field(description="The token's first characters.", examples=["ppat_Ab3x"])
    scopes: list[str] = Field(examples=[["instances:read", "instances:write"]])
    expires_at: datetime


class WhoAmIOut(Schema):
    username: str = Field(examples=["shop-admin"])
    role: str = Field(description="admin, support or reseller.", examples=["reseller"])
    reseller_id: int | None = Field(examples=[3])
    reseller: str | None = Field(description="The reseller's name; null for staff.")
    token: ApiTokenOut


@router.get(
    "/whoami",
    response=answers(WhoAmIOut),
    auth=TokenAuth(None),
    summary="Who this token acts as",
    operation_id="whoami",
)
def whoami(request: HttpRequest) -> WhoAmIOut:
    token = request.api_token  # type: ignore[attr-defined]
    user = token.user
    return WhoAmIOut(
        username=user.get_username(),
        role=user.role,
        reseller_id=user.reseller_id,
        reseller=user.reseller.name if user.reseller is not None else None,
        token=ApiTokenOut(
            name=token.name, prefix=token.prefix, scopes=token.scopes, expires_at=token.expires_at
        ),
    )
