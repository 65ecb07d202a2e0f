"""Calling the automation API in tests: a token for a persona, and a client that sends it."""

from __future__ import annotations

from typing import Any

from django.test import Client

from accounts.models import User
from api.models import Scope
from api.tokens import api_token_create

ALL_SCOPES = list(Scope.values)


def token_for(user: User, scopes: list[str] | None = None, name: str = "test token") -> str:
    """A new token of `user` (every scope unless told), its secret."""
    return api_token_create(user=user, name=name, scopes=scopes or ALL_SCOPES).secret


class ApiClient:
    """Django's test client with `Authorization: Bearer` on every request."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.client.get(path, headers=self.headers | kwargs.pop("headers", {}), **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.client.post(
            path,
            data,
            content_type="application/json",
            headers=self.headers | kwargs.pop("headers", {}),
            **kwargs,
        )

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.client.delete(path, headers=self.headers | kwargs.pop("headers", {}), **kwargs)

    def put(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.client.put(
            path,
            data,
            content_type="application/json",
            headers=self.headers | kwargs.pop("headers", {}),
            **kwargs,
        )


def api_as(user: User, scopes: list[str] | None = None) -> ApiClient:
    return ApiClient(token_for(user, scopes))
