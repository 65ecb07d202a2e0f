"""Prices and amounts: which price applies, and how an amount is rounded."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from accounts.models import Reseller

CENT = Decimal("0.01")


def default_day_price() -> Decimal | None:
    """The price per instance-day of resellers without their own, and of unassigned instances."""
    price: Decimal | None = settings.BILLING_DAY_PRICE
    return price


def day_price(reseller: Reseller | None) -> Decimal | None:
    """The reseller's own price, else the default; None when neither is set."""
    if reseller is not None and reseller.day_price is not None:
        return reseller.day_price
    return default_day_price()


def currency() -> str:
    code: str = settings.BILLING_CURRENCY
    return code


def amount(instance_days: int, price: Decimal | None) -> Decimal | None:
    """What `instance_days` cost at `price`, rounded half up to the cent once, per line."""
    if price is None:
        return None
    return (price * instance_days).quantize(CENT, rounding=ROUND_HALF_UP)


def price_text(price: Decimal) -> str:
    """A price without trailing zeros or an exponent: 0.45, 10."""
    return format(price.normalize(), "f")
