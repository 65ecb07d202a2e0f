"""Bulk actions: confirm what will happen to how many instances, then follow the worker."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from core.errors import ApplicationError
from core.navigation import go_back
from instances.bulk_forms import BulkForm
from instances.models import BulkItem, BulkJob
from instances.services.bulk import BULK_MAX, bulk_links_take, bulk_progress
from instances.tasks import bulk_request


@require_POST
@action_required(Action.VIEW_INSTANCES)
def bulk_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """First the confirmation page (what, how many); its form starts the job."""
    form = BulkForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return go_back(request, "/instances/")
    ids = form.chosen_ids()
    if len(ids) > BULK_MAX:
        messages.error(request, f"Select at most {BULK_MAX:,} instances at once.")
        return go_back(request, "/instances/")
    if form.confirmed(len(ids)):
        try:
            job = bulk_request(
                user=request.user,
                action=form.cleaned_data["action"],
                ids=ids,
                link_hours=form.cleaned_data.get("link_hours") or 0,
                link_base=request.build_absolute_uri("/"),
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return go_back(request, "/instances/")
        return redirect("instances:bulk", pk=job.pk)
    context = {
        "form": form,
        "action": BulkJob.Action(form.cleaned_data["action"]),
        "ids": ids,
        "count": len(ids),
    }
    return render(request, "instances/bulk_confirm.html", context)


def _job_for(request: AuthenticatedHttpRequest, pk: int) -> BulkJob:
    job = BulkJob.objects.visible_to(request.user).filter(pk=pk).first()
    if job is None:
        raise Http404("No such bulk action.")
    return job


@require_GET
@action_required(Action.VIEW_INSTANCES)
def bulk_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    progress = bulk_progress(job)
    items = BulkItem.objects.filter(job=job).select_related("instance").order_by("pk")
    context = {
        "job": job,
        "progress": progress,
        "items": items[:500],
        "more": progress.total > 500,
        "has_links": job.action == BulkJob.Action.LINKS
        and job.requested_by_id == request.user.pk
        and items.filter(status=BulkItem.Status.DONE).exclude(link_url="").exists(),
    }
    template = "instances/_bulk_progress.html" if request.htmx else "instances/bulk.html"
    return render(request, template, context)


@require_GET
@action_required(Action.VIEW_INSTANCES)
def bulk_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Each instance's result as CSV: done, skipped and why, failed and why."""
    job = _job_for(request, pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="bulk-{job.pk}-{job.action}.csv"'
    writer = csv.writer(response)
    writer.writerow(["id", "name", "result", "why", "finished_at"])
    items = BulkItem.objects.filter(job=job).select_related("instance").order_by("pk")
    for item in items.iterator(chunk_size=2000):
        finished = item.finished_at.isoformat() if item.finished_at else ""
        writer.writerow([item.instance_id, item.instance.name, item.status, item.message, finished])
    return response


@require_POST
@action_required(Action.ONBOARD)
def bulk_links(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The issued customer links as CSV, once, for whoever issued them."""
    job = _job_for(request, pk)
    try:
        links = bulk_links_take(job, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("instances:bulk", pk=job.pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="customer-links-{job.pk}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(["id", "name", "link"])
    writer.writerows(links)
    return response
