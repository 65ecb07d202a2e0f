"""A small client for the emulator's control API (docs/sandbox.md), for tests."""

from dataclasses import dataclass, field
from typing import Any

import requests


@dataclass
class SandboxControl:
    base_url: str  # e.g. http://127.0.0.1:8123/sandbox
    partner_token: str = field(repr=False)

    def _request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.partner_token}"}
        return requests.request(
            method, f"{self.base_url}{path}", headers=headers, timeout=10, **kwargs
        )

    def add_fault(self, method: str, kind: str, **options: Any) -> dict[str, Any]:
        response = self._request(
            "POST", "/control/faults", json={"method": method, "kind": kind, **options}
        )
        response.raise_for_status()
        return response.json()

    def clear_faults(self) -> None:
        self._request("DELETE", "/control/faults").raise_for_status()

    def set_listing(self, count: int, **options: Any) -> dict[str, Any]:
        """Add `count` synthetic instances to getInstances (docs/sandbox.md, "Listing")."""
        response = self._request("POST", "/control/listing", json={"count": count, **options})
        response.raise_for_status()
        return response.json()

    def calls(self, id_instance: int | None = None) -> dict[str, int]:
        params = {"idInstance": id_instance} if id_instance is not None else {}
        response = self._request("GET", "/control/calls", params=params)
        response.raise_for_status()
        return response.json()["calls"]

    def shortest_gaps(self, id_instance: int | None = None) -> dict[str, float]:
        params = {"idInstance": id_instance} if id_instance is not None else {}
        response = self._request("GET", "/control/calls", params=params)
        response.raise_for_status()
        return response.json()["shortestGaps"]

    def reset_calls(self) -> None:
        self._request("DELETE", "/control/calls").raise_for_status()

    def set_state(self, id_instance: int, state: str) -> requests.Response:
        return self._request(
            "POST", f"/control/instances/{id_instance}/state", json={"state": state}
        )

    def set_expired(self, id_instance: int, expired: bool = True) -> requests.Response:
        return self._request(
            "POST", f"/control/instances/{id_instance}/state", json={"isExpired": expired}
        )

    def instance(self, id_instance: int) -> dict[str, Any]:
        response = self._request("GET", f"/control/instances/{id_instance}")
        response.raise_for_status()
        return response.json()

    def scan(self, payload: str, phone_number: int = 79001234567) -> requests.Response:
        return self._request(
            "POST", "/phone/scan", json={"payload": payload, "phoneNumber": phone_number}
        )

    def pair(self, id_instance: int, code: str) -> requests.Response:
        return self._request("POST", "/phone/pair", json={"idInstance": id_instance, "code": code})

    def set_outgoing(self, id_instance: int, **switches: Any) -> dict[str, Any]:
        """statusInstance "online"/"offline", queueStalled, deliverAs (docs/sandbox.md)."""
        response = self._request(
            "POST", f"/control/instances/{id_instance}/outgoing", json=switches
        )
        response.raise_for_status()
        return response.json()

    def outgoing(self, id_instance: int) -> dict[str, Any]:
        response = self._request("GET", f"/control/instances/{id_instance}/outgoing")
        response.raise_for_status()
        return response.json()

    def set_message_status(self, id_message: str, status: str) -> requests.Response:
        return self._request("POST", f"/control/messages/{id_message}", json={"status": status})
