"""Helpers for the onboarding and customer-link tests: emulator instances and page reading."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from typing import Any

import zxingcpp
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from PIL import Image

from accounts.models import Reseller, User
from instances.greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.models import Instance

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_instance(
    reseller: Reseller | None,
    *,
    type_instance: str = "whatsapp",
    name: str = "Bakery bot",
    age: timedelta = timedelta(hours=1),
    state: str = Instance.State.NOT_AUTHORIZED,
) -> Instance:
    """Create an instance in the emulator and mirror it, as the create service or a sync would."""
    created = partner_client().create_instance(
        CreateInstanceParams(name=name, type_instance=type_instance)
    )
    return Instance.objects.create(
        id_instance=created.id_instance,
        api_token=created.api_token,
        type_instance=created.type_instance,
        name=name,
        reseller=reseller,
        time_created=timezone.now() - age,
        state=state,
    )


def logged_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text(response: Any) -> str:
    """The response's HTML with entities decoded, for matching sentences."""
    return html.unescape(response.content.decode())


def later() -> None:
    """Forget the shared Green API answers, as if their second had passed."""
    cache.clear()


def decode_qr(png: bytes) -> str:
    """The text inside a QR image."""
    results = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))
    assert results, "no QR code found in the image"
    return results[0].text


def attribute(page: str, name: str) -> str:
    """The first value of an HTML attribute in the page."""
    match = re.search(rf'{name}="([^"]*)"', page)
    assert match, f"no {name}= in the page"
    return html.unescape(match.group(1))
