"""Whom a customer link's page names: the reseller's brand, else the partner's, never both."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Reseller, ResellerBrand, User
from instances.models import Instance, OnboardingLink
from instances.services.links import onboarding_link_issue
from tests.support.onboarding import make_instance, text

PARTNER = {
    "PARTNER_DISPLAY_NAME": "Big Partner Ltd",
    "PARTNER_SUPPORT_PHONE": "+44 20 7946 0000",
    "PARTNER_SUPPORT_EMAIL": "care@partner.example",
    "PARTNER_SUPPORT_URL": "https://t.me/bigpartner",
}


@pytest.fixture
def partner(settings: Any) -> Any:
    for name, value in PARTNER.items():
        setattr(settings, name, value)
    return settings


def brand(reseller: Reseller, **fields: Any) -> ResellerBrand:
    values = {
        "display_name": "Corner Telecom",
        "support_phone": "+7 900 123-45-67",
        "support_email": "help@corner.example",
        "support_url": "https://wa.me/79001234567",
        "logo": b"\x89PNG...",
        "logo_type": "image/png",
        "logo_name": "r4nd0m-n4me.png",
        **fields,
    }
    return ResellerBrand.objects.create(reseller=reseller, **values)


def link_path(instance: Instance, user: User) -> str:
    return onboarding_link_issue(instance=instance, user=user, hours=24).url


def test_the_page_shows_the_resellers_brand_and_nothing_of_the_partner(
    partner: Any, live: Instance, reseller_a: Reseller, reseller_a_user: User
) -> None:
    brand(reseller_a)

    page = text(Client().get(link_path(live, reseller_a_user)))

    assert "<title>Corner Telecom · Link your phone</title>" in page
    assert '<img class="brand-logo" src="/brand/logo/r4nd0m-n4me.png" alt="Corner Telecom">' in page
    assert '<a href="tel:+79001234567">+7 900 123-45-67</a>' in page
    assert '<a href="mailto:help@corner.example">' in page
    assert 'href="https://wa.me/79001234567"' in page
    assert "Write on WhatsApp" in page
    for internal in (*PARTNER.values(), "Reseller A", str(live.pk), live.api_token, "/instances/"):
        assert internal not in page


def test_without_a_brand_the_page_shows_the_partners(
    partner: Any, live: Instance, reseller_a: Reseller, reseller_a_user: User
) -> None:
    brand(reseller_a, display_name="")  # a brand without a name is not used

    page = text(Client().get(link_path(live, reseller_a_user)))

    assert "<title>Big Partner Ltd · Link your phone</title>" in page
    assert '<p class="brand-name">Big Partner Ltd</p>' in page
    assert '<a href="tel:+442079460000">' in page
    assert "care@partner.example" in page
    assert "Write on Telegram" in page
    assert "Corner Telecom" not in page
    assert "/brand/logo/" not in page


def test_an_instance_of_no_reseller_shows_the_partners(
    partner: Any, live: Instance, reseller_a: Reseller, admin: User
) -> None:
    brand(reseller_a)
    unassigned = make_instance(None, name="Partner's own")

    page = text(Client().get(link_path(unassigned, admin)))

    assert '<p class="brand-name">Big Partner Ltd</p>' in page
    assert "Corner Telecom" not in page


def test_with_nothing_set_the_page_names_no_one(live: Instance, reseller_a_user: User) -> None:
    page = text(Client().get(link_path(live, reseller_a_user)))

    assert "brand-header" not in page
    assert "Need help?" not in page


def test_an_expired_links_page_still_says_whom_to_ask(
    partner: Any, live: Instance, reseller_a: Reseller, reseller_a_user: User
) -> None:
    brand(reseller_a)
    path = link_path(live, reseller_a_user)
    OnboardingLink.objects.update(expires_at=timezone.now())

    response = Client().get(path)

    assert response.status_code == 410
    page = text(response)
    assert "This link has expired" in page
    assert "help@corner.example" in page
    assert "Big Partner Ltd" not in page


def test_an_unknown_token_names_no_one(partner: Any, db: None) -> None:
    page = text(Client().get("/l/" + "x" * 43 + "/"))

    assert "This link is not valid" in page
    assert "Big Partner Ltd" not in page
    assert "Need help?" not in page


def test_on_a_phone_the_pairing_panel_is_ordered_first_by_css_alone(
    live: Instance, reseller_a_user: User
) -> None:
    page = text(Client().get(link_path(live, reseller_a_user)))

    # The markup is the same for every device (no user-agent sniffing): the QR status first,
    # then the pairing panel, which static/css/customer.css moves up on narrow screens.
    assert page.index("data-swap-target") < page.index('class="onboarding-pairing"')
    assert "css/customer.css" in page
