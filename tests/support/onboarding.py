"""Helpers for the onboarding and customer-link tests: emulator instances and page reading."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

import zxingcpp
from django.core.cache import cache
from django.test import override_settings
from django.utils import timezone
from PIL import Image

from accounts.models import Reseller
from greenapi import CreateInstanceParams
from instances.greenapi_factory import partner_client
from instances.models import Instance

# Re-exported for the test modules that import them from here.
from tests.support.pages import logged_in as logged_in
from tests.support.pages import page_text

# The onboarding tests call it `text`.
text = page_text

HTMX = {"HTTP_HX_REQUEST": "true"}


def make_instance(
    reseller: Reseller | None,
    *,
    type_instance: str = "whatsapp",
    name: str = "Bakery bot",
    age: timedelta = timedelta(hours=1),
    state: str = Instance.State.NOT_AUTHORIZED,
) -> Instance:
    """Create an instance in the emulator and mirror it, as the create service or a sync would.

    With the project's own timeouts: a test that shortens them (the `short_timeouts` fixture)
    does so for the calls under test, and may be set up before this runs; on a busy machine the
    emulator's createInstance then outlasted half a second and the test failed in its setup.
    """
    with override_settings(GREEN_API_READ_TIMEOUT=10, GREEN_API_DEADLINE=20):
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
