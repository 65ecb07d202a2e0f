"""Usage and billing pages: a month per reseller, one reseller's instances, and their CSV."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from billing import export, selectors
from billing.forms import MonthForm
from billing.rules import Month

PAGE_SIZE = 100


def _month(request: AuthenticatedHttpRequest) -> tuple[Month | None, MonthForm]:
    """The month asked for (None: the input was wrong), the current one in UTC+3 by default."""
    form = MonthForm(request.GET)
    if not form.is_valid():
        return None, form
    return form.cleaned_data["month"] or Month.of(timezone.now()), form


def _bad_month(request: AuthenticatedHttpRequest, form: MonthForm, template: str) -> HttpResponse:
    return render(request, template, {"form": form, "report": None}, status=400)


@require_safe
@action_required(Action.VIEW_USAGE)
def usage(request: AuthenticatedHttpRequest) -> HttpResponse:
    month, form = _month(request)
    if month is None:
        return _bad_month(request, form, "billing/usage.html")
    report = selectors.usage_month(user=request.user, month=month, now=timezone.now())
    context = {"form": form, "report": report, "chart_data": _chart_data(report), **_nav(month)}
    return render(request, "billing/usage.html", context)


def _chart_data(report: selectors.UsageReport) -> dict[str, list[Any]]:
    """What static/js/usage_chart.js draws: a label and a count per charge."""
    per_day = report.per_day
    return {
        "labels": [charge.day.day for charge, _count in per_day],
        "counts": [count for _charge, count in per_day],
    }


@require_safe
@action_required(Action.VIEW_USAGE)
def usage_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    month, form = _month(request)
    if month is None:
        return _bad_month(request, form, "billing/usage.html")
    return export.month_csv(
        selectors.usage_month(user=request.user, month=month, now=timezone.now())
    )


def _drilldown(request: AuthenticatedHttpRequest, reseller_id: int | None) -> HttpResponse:
    reseller = selectors.reseller_for_usage_or_404(request.user, reseller_id)
    month, form = _month(request)
    if month is None:
        return _bad_month(request, form, "billing/usage_instances.html")
    report = selectors.usage_of_reseller(
        user=request.user, reseller=reseller, month=month, now=timezone.now()
    )
    instances = selectors.usage_instances(
        user=request.user, reseller=reseller, charges=report.charges
    )
    page = Paginator(instances, PAGE_SIZE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "form": form,
        "report": report,
        "line": report.lines[0],
        "page": page,
        "usages": list(selectors.with_billable_days(list(page.object_list), report.charges)),
        "export_url": _export_url(reseller_id),
        **_nav(month),
    }
    return render(request, "billing/usage_instances.html", context)


def _drilldown_export(
    request: AuthenticatedHttpRequest, reseller_id: int | None
) -> HttpResponseBase:
    reseller = selectors.reseller_for_usage_or_404(request.user, reseller_id)
    month, form = _month(request)
    if month is None:
        return _bad_month(request, form, "billing/usage_instances.html")
    report = selectors.usage_of_reseller(
        user=request.user, reseller=reseller, month=month, now=timezone.now()
    )
    instances = selectors.usage_instances(
        user=request.user, reseller=reseller, charges=report.charges
    )
    usages = selectors.with_billable_days(instances.iterator(chunk_size=2000), report.charges)
    slug = f"reseller-{reseller_id}" if reseller_id is not None else "unassigned"
    return export.instances_csv(report, usages, slug=slug)


def _export_url(reseller_id: int | None) -> str:
    if reseller_id is None:
        return reverse("billing:unassigned_export")
    return reverse("billing:reseller_export", kwargs={"reseller_id": reseller_id})


def _nav(month: Month) -> dict[str, Any]:
    return {"month": month, "previous_month": month.previous(), "next_month": month.next()}


@require_safe
@action_required(Action.VIEW_USAGE)
def usage_reseller(request: AuthenticatedHttpRequest, reseller_id: int) -> HttpResponse:
    return _drilldown(request, reseller_id)


@require_safe
@action_required(Action.VIEW_USAGE)
def usage_reseller_export(request: AuthenticatedHttpRequest, reseller_id: int) -> HttpResponseBase:
    return _drilldown_export(request, reseller_id)


@require_safe
@action_required(Action.VIEW_USAGE)
def usage_unassigned(request: AuthenticatedHttpRequest) -> HttpResponse:
    return _drilldown(request, None)


@require_safe
@action_required(Action.VIEW_USAGE)
def usage_unassigned_export(request: AuthenticatedHttpRequest) -> HttpResponseBase:
    return _drilldown_export(request, None)
