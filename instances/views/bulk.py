"""Bulk actions: confirm what will happen to how many instances, then follow the worker."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Action, action_required
from core.csv_export import csv_download, csv_lines, spreadsheet_text
from core.errors import ApplicationError
from core.navigation import go_back, local_path
from instances.bulk_forms import BulkForm
from instances.models import BulkItem, BulkJob, Instance
from instances.services.bulk import VALID_UNTIL, bulk_links_take, bulk_progress
from instances.services.delete import LEFT_LINKED
from instances.tasks import bulk_request


@require_POST
@action_required(Action.VIEW_INSTANCES)
def bulk_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """First the confirmation page (what, how many); its form starts the job."""
    form = BulkForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, form.error_text())
        return go_back(request, reverse("instances:list"))
    ids = form.chosen_ids()
    if form.confirmed(len(ids)):
        try:
            job = bulk_request(
                user=request.user,
                action=form.cleaned_data["action"],
                ids=ids,
                link_hours=form.cleaned_data.get("link_hours") or 0,
                link_base=request.build_absolute_uri("/"),
                settings=form.settings_changes(),
            )
        except ApplicationError as error:
            messages.error(request, error.message)
            return go_back(request, reverse("instances:list"))
        return redirect("instances:bulk", pk=job.pk)
    question, button = confirm_words(form.cleaned_data["action"], len(ids))
    context = {
        "form": form,
        "question": question,
        "button": button,
        "action": BulkJob.Action(form.cleaned_data["action"]),
        "ids": ids,
        "count": len(ids),
        "settings_form": form.settings_form,
        # The list as it was (filters, sort, size, page): where Cancel and a refusal go.
        "back": local_path(request, request.POST.get("next", "")) or reverse("instances:list"),
    }
    return render(request, "instances/bulk_confirm.html", context)


# The results that name their instance (services/delete.py), as the worker keeps them in English.
_NAMING = (
    gettext_noop("%(instance)s was already deleted at Green API; the portal now shows it deleted."),
    gettext_noop("%(instance)s was deleted. Its phone was logged out first."),
    gettext_noop("%(instance)s was deleted."),
)
_VALID_UNTIL = re.compile(r"valid until (?P<when>[0-9: -]+) UTC")


@dataclass(frozen=True)
class ShownResult:
    item: BulkItem
    why: str


def result_said(message: str, instance: Instance) -> str:
    """An item's result, kept in English by the worker (services/bulk.py), in the reader's
    language: its sentence translated, with the instance or the time put back in."""
    if not message:
        return ""
    if found := _VALID_UNTIL.fullmatch(message):
        return _(VALID_UNTIL) % {"when": found["when"]}
    with translation.override("en"):
        left_linked = f" {LEFT_LINKED}"
    for sentence in _NAMING:
        english = sentence % {"instance": instance}
        if message in (english, english + left_linked):
            said = _(sentence) % {"instance": instance}
            return f"{said} {LEFT_LINKED}" if message != english else said
    return _(message)


def confirm_words(action: str, count: int) -> tuple[str, str]:
    """The confirmation page's question and its button, for `count` instances (each language
    words every action its own way)."""
    n = {"num": count}
    if action == BulkJob.Action.REBOOT:
        question = ngettext("Reboot %(num)s instance?", "Reboot %(num)s instances?", count)
        button = ngettext("Reboot %(num)s instance", "Reboot %(num)s instances", count)
    elif action == BulkJob.Action.LOGOUT:
        question = ngettext(
            "Log out the phone of %(num)s instance?",
            "Log out the phones of %(num)s instances?",
            count,
        )
        button = ngettext(
            "Log out the phone of %(num)s instance",
            "Log out the phones of %(num)s instances",
            count,
        )
    elif action == BulkJob.Action.LINKS:
        question = ngettext(
            "Issue a customer link for %(num)s instance?",
            "Issue customer links for %(num)s instances?",
            count,
        )
        button = ngettext(
            "Issue a customer link for %(num)s instance",
            "Issue customer links for %(num)s instances",
            count,
        )
    elif action == BulkJob.Action.SETTINGS:
        question = ngettext(
            "Apply settings to %(num)s instance?", "Apply settings to %(num)s instances?", count
        )
        button = ngettext(
            "Apply settings to %(num)s instance", "Apply settings to %(num)s instances", count
        )
    else:
        question = ngettext("Delete %(num)s instance?", "Delete %(num)s instances?", count)
        button = ngettext("Delete %(num)s instance", "Delete %(num)s instances", count)
    return question % n, button % n


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
        "results": [
            ShownResult(item, result_said(item.message, item.instance)) for item in items[:500]
        ],
        "more": progress.total > 500,
        "has_links": job.action == BulkJob.Action.LINKS
        and job.requested_by_id == request.user.pk
        and items.filter(status=BulkItem.Status.DONE).exclude(link_url="").exists(),
    }
    template = "instances/_bulk_progress.html" if request.htmx else "instances/bulk.html"
    return render(request, template, context)


@require_GET
@action_required(Action.VIEW_INSTANCES)
def bulk_results(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """Each instance's result as CSV: done, skipped and why, failed and why."""
    job = _job_for(request, pk)
    items = BulkItem.objects.filter(job=job).select_related("instance").order_by("pk")
    rows = (
        [
            item.instance_id,
            spreadsheet_text(item.instance.name),
            item.status,
            item.message,
            item.finished_at.isoformat() if item.finished_at else "",
        ]
        for item in items.iterator(chunk_size=2000)
    )
    header = ["id", "name", "result", "why", "finished_at"]
    filename = f"bulk-{job.pk}-{job.action}.csv"
    return csv_download(csv_lines(header, rows), filename)


@require_POST
@action_required(Action.ONBOARD)
def bulk_links(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """The issued customer links as CSV, once, for whoever issued them."""
    job = _job_for(request, pk)
    try:
        links = bulk_links_take(job, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("instances:bulk", pk=job.pk)
    rows = ([pk, spreadsheet_text(name), link] for pk, name, link in links)
    filename = f"customer-links-{job.pk}.csv"
    response = csv_download(csv_lines(["id", "name", "link"], rows), filename)
    response["Cache-Control"] = "no-store"
    return response
