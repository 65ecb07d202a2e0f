"""/api/v1/usage: billable instance-days and amounts per reseller and month (billing/).

The figures are the usage page's (billing/views.py), from the same selector and the same rule:
a reseller user's token sees its own reseller, a partner admin's every reseller and the
unassigned instances; support agents, who do not see the page, get a 403.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone, translation
from ninja import Query, Router, Schema
from pydantic import Field

from accounts.models import User
from accounts.permissions import Action, require
from api.auth import TokenAuth
from api.models import Scope
from api.problems import answers
from api.validation import form_problem
from billing.forms import MonthForm
from billing.pricing import price_text
from billing.rules import Month
from billing.selectors import UsageLine, UsageReport, usage_month

router = Router(tags=["Usage"])


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class UsageLineOut(Schema):
    """One reseller's month (reseller_id null: the instances of no reseller, staff only)."""

    reseller_id: int | None = Field(examples=[7])
    reseller: str | None = Field(description="The reseller's name.", examples=["Reseller A"])
    instance_days: int = Field(
        description="Green API's daily charges (00:00 UTC+3) the reseller's instances paid.",
        examples=[33],
    )
    not_counted: int = Field(
        description="Instances whose creation or deletion time is unknown, so not counted.",
        examples=[0],
    )
    price: str | None = Field(
        description="The price per instance-day (a decimal); null when none is set.",
        examples=["0.5"],
    )
    amount: str | None = Field(
        description="instance_days times price, rounded to the cent; null without a price.",
        examples=["16.50"],
    )

    @staticmethod
    def of(line: UsageLine) -> UsageLineOut:
        reseller = line.reseller
        return UsageLineOut(
            reseller_id=reseller.pk if reseller is not None else None,
            reseller=reseller.name if reseller is not None else None,
            instance_days=line.instance_days,
            not_counted=line.not_counted,
            price=price_text(line.price) if line.price is not None else None,
            amount=_money(line.amount),
        )


class UsageOut(Schema):
    month: str = Field(
        description="year-month, in UTC+3 (Green API's charge zone).", examples=["2026-11"]
    )
    complete: bool = Field(
        description="Whether every charge of the month has happened (false for this month).",
        examples=[True],
    )
    charges: int = Field(description="How many daily charges are counted.", examples=[30])
    last_charge: date | None = Field(description="The day of the last charge counted.")
    currency: str = Field(examples=["USD"])
    lines: list[UsageLineOut]
    instance_days: int = Field(description="The lines' total.", examples=[72])
    not_counted: int = Field(examples=[0])
    amount: str | None = Field(
        description="The sum of the lines' amounts; null when no line has a price.",
        examples=["16.50"],
    )

    @staticmethod
    def of(report: UsageReport) -> UsageOut:
        return UsageOut(
            month=str(report.month),
            complete=report.complete,
            charges=len(report.charges),
            last_charge=report.charges[-1].day if report.charges else None,
            currency=report.currency,
            lines=[UsageLineOut.of(line) for line in report.lines],
            instance_days=report.instance_days,
            not_counted=report.not_counted,
            amount=_money(report.amount),
        )


class UsageQuery(Schema):
    month: str = Field(
        "",
        description="year-month, e.g. 2026-11; this month (in UTC+3) when left out.",
        examples=["2026-11"],
        json_schema_extra={"pattern": r"^(\d{4}-\d{2})?$"},  # empty: this month
    )


@router.get(
    "",
    response=answers(UsageOut, 422),
    auth=TokenAuth(Scope.INSTANCES_READ),
    summary="Usage and amounts of a month",
    description=(
        "Billable instance-days per reseller for a month, with the price per day and the "
        "amount, as the usage page shows them: Green API charges every instance that exists at "
        "00:00 UTC+3, each day. A reseller user's token gets its own reseller's line; a partner "
        "admin's every reseller's, and the unassigned instances (reseller_id null). Support "
        "agents may not see usage (403). Each instance counts for the reseller it is assigned "
        "to now."
    ),
    operation_id="usage_get",
)
def usage_get(request: HttpRequest, query: Query[UsageQuery]) -> UsageOut:
    user: User = request.user  # type: ignore[assignment]
    require(user, Action.VIEW_USAGE)
    with translation.override("en"):
        form = MonthForm({"month": query.month})
        if not form.is_valid():
            raise form_problem(form, location="query")
    month: Month = form.cleaned_data["month"] or Month.of(timezone.now())
    return UsageOut.of(usage_month(user=user, month=month, now=timezone.now()))
