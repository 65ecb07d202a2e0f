"""Bulk actions: one action on many instances, each run once by the worker, with its result.

A job is written with one item per instance before anything is sent; the worker then claims the
items one at a time with a conditional UPDATE (pending -> running), so two workers, or a job
started twice, never act twice on one instance. Each item goes through the same service as the
single action (reboot, log out, customer link, settings, delete), so permissions, audit and the
delete's exactly-once claim are the single action's own. Items run one after another: each
instance gets one call, well within its own rate limit (docs/greenapi.md §4.3).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from django.conf import settings as django_settings
from django.db import transaction
from django.db.models import Count
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.audit import audit_record
from accounts.models import User
from accounts.permissions import Action, can, require
from core.errors import ApplicationError
from instances.greenapi_factory import action_deadline
from instances.models import BulkItem, BulkJob, Instance
from instances.services.actions import instance_logout, instance_reboot
from instances.services.delete import instance_delete
from instances.services.links import DEFAULT_HOURS, onboarding_link_issue
from instances.services.settings import (
    WRITABLE_KEYS,
    instance_settings_save,
    settings_described,
)

logger = logging.getLogger(__name__)

# More than this many instances at once is not something the list's selection makes.
BULK_MAX = 10_000
_OPEN = [BulkItem.Status.PENDING, BulkItem.Status.RUNNING]
PERMISSION = {
    BulkJob.Action.REBOOT: Action.REBOOT_LOGOUT,
    BulkJob.Action.LOGOUT: Action.REBOOT_LOGOUT,
    BulkJob.Action.LINKS: Action.ONBOARD,
    BulkJob.Action.SETTINGS: Action.EDIT_SETTINGS,
    BulkJob.Action.DELETE: Action.DELETE_INSTANCE,
}
# An item's result ("why") is kept on its row by the worker, which has no reader: in English, as
# the results CSV gives it; the bulk page translates it when shown (views/bulk.py).
NO_LONGER_ACTIVE = gettext_noop("the user who asked is no longer active")
NOT_ALLOWED = gettext_noop("not allowed for this instance")
ALREADY_DELETED = gettext_noop("already deleted")
UNEXPECTED = gettext_noop("an unexpected error; it is in the log")
SETTINGS_GONE = gettext_noop("the chosen settings are no longer kept; start again")
SETTINGS_SAVED = gettext_noop("saved; the instance restarts to apply them")
VALID_UNTIL = gettext_noop("valid until %(when)s UTC")


def bulk_actions_for(user: User) -> list[tuple[str, str]]:
    """(value, label) of the bulk actions `user`'s role may start."""
    return [
        (value, str(label))
        for value, label in BulkJob.Action.choices
        if can(user, PERMISSION[BulkJob.Action(value)])
    ]


@dataclass(frozen=True)
class Progress:
    total: int
    finished: int
    by_status: dict[str, int]

    @property
    def percent(self) -> int:
        return round(100 * self.finished / self.total) if self.total else 100

    @property
    def complete(self) -> bool:
        return self.finished >= self.total

    @property
    def statuses(self) -> list[StatusCount]:
        """The count of each status, named in the reader's language."""
        return [
            StatusCount(str(BulkItem.Status(status).label), n)
            for status, n in self.by_status.items()
        ]


@dataclass(frozen=True)
class StatusCount:
    label: str
    count: int


def bulk_start(
    *,
    user: User,
    action: str,
    ids: list[int],
    link_hours: int = 0,
    link_base: str = "",
    settings: Mapping[str, str | int] | None = None,
) -> BulkJob:
    """Write the job and its items: the instances `user` may see among `ids`.

    The worker runs it (instances/tasks.py `bulk_request`); instances `user` may not act on
    become "skipped" items there, each saying why. `settings` (wire names) are what "apply
    settings" sends to each instance.
    """
    require(user, PERMISSION[BulkJob.Action(action)])
    if not ids:
        raise ApplicationError(_("Select at least one instance."))
    if len(ids) > BULK_MAX:
        raise ApplicationError(
            _("Select at most %(max)s instances at once.")
            % {"max": formats.number_format(BULK_MAX, force_grouping=True)}
        )
    settings = dict(settings or {}) if action == BulkJob.Action.SETTINGS else {}
    if action == BulkJob.Action.SETTINGS and not settings:
        raise ApplicationError(_("Choose at least one setting to apply."))
    if unknown := set(settings) - WRITABLE_KEYS:
        raise ValueError(f"Not writable settings: {sorted(unknown)}")
    visible = list(
        Instance.objects.visible_to(user)
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not visible:
        raise ApplicationError(_("None of the selected instances is one you can see."))
    with transaction.atomic():
        job = BulkJob.objects.create(
            action=action,
            requested_by=user,
            reseller=user.reseller if not user.is_staff_role else None,
            link_hours=link_hours or (DEFAULT_HOURS if action == BulkJob.Action.LINKS else 0),
            link_base=link_base.rstrip("/"),
            settings_changes=json.dumps(settings) if settings else "",
            settings_summary=settings_described(settings)[:500],
        )
        BulkItem.objects.bulk_create(BulkItem(job=job, instance_id=pk) for pk in visible)
    summary = f": {job.settings_summary}" if job.settings_summary else ""
    audit_record(
        action=f"bulk.{action}",
        actor=user,
        target=job,
        detail=f"{len(visible)} instances{summary}",
    )
    return job


def bulk_run_job(job_id: int) -> int:
    """Run the job's pending items one at a time; returns how many this call ran."""
    job = BulkJob.objects.select_related("requested_by").get(pk=job_id)
    ran = 0
    # The results are kept in English whoever asked, as the worker writes them (see above).
    with translation.override(django_settings.LANGUAGE_CODE):
        while (item := _claim_next(job)) is not None:
            _run(job, item)
            ran += 1
    if not BulkItem.objects.filter(job=job, status__in=_OPEN).exists():
        # The chosen settings may hold a webhook token: kept no longer than the job needs them.
        BulkJob.objects.filter(pk=job.pk, finished_at=None).update(
            finished_at=timezone.now(), settings_changes=""
        )
    return ran


def _claim_next(job: BulkJob) -> BulkItem | None:
    """The next pending item, now running: a conditional UPDATE, so it is this caller's alone."""
    while True:
        candidate = (
            BulkItem.objects.filter(job=job, status=BulkItem.Status.PENDING)
            .order_by("pk")
            .values_list("pk", flat=True)
            .first()
        )
        if candidate is None:
            return None
        claimed = BulkItem.objects.filter(pk=candidate, status=BulkItem.Status.PENDING).update(
            status=BulkItem.Status.RUNNING
        )
        if claimed:
            return BulkItem.objects.select_related("instance__reseller").get(pk=candidate)


def _run(job: BulkJob, item: BulkItem) -> None:
    user = job.requested_by
    instance = item.instance
    status, message, url = BulkItem.Status.DONE, "", ""
    if user is None or not user.is_active:
        status, message = BulkItem.Status.SKIPPED, NO_LONGER_ACTIVE
    elif not can(user, PERMISSION[BulkJob.Action(job.action)], instance):
        status, message = BulkItem.Status.SKIPPED, NOT_ALLOWED
    elif instance.deleted:
        status, message = BulkItem.Status.SKIPPED, ALREADY_DELETED
    else:
        try:
            # Each item has the deadline of the same action on its page, whatever ran the job.
            with action_deadline(own=True):
                message, url = _ACTIONS[BulkJob.Action(job.action)](job, instance, user)
        except ApplicationError as error:
            status, message = BulkItem.Status.FAILED, error.message
        except Exception:  # one instance's surprise must not stop the others
            logger.exception("Bulk %s of instance %s failed", job.action, instance.pk)
            status, message = BulkItem.Status.FAILED, UNEXPECTED
    item.status, item.message, item.link_url = status, message[:500], url
    item.finished_at = timezone.now()
    item.save(update_fields=["status", "message", "link_url", "finished_at"])


def _reboot(job: BulkJob, instance: Instance, user: User) -> tuple[str, str]:
    instance_reboot(instance=instance, user=user)
    return "", ""


def _logout(job: BulkJob, instance: Instance, user: User) -> tuple[str, str]:
    instance_logout(instance=instance, user=user)
    return "", ""


def _link(job: BulkJob, instance: Instance, user: User) -> tuple[str, str]:
    issued = onboarding_link_issue(instance=instance, user=user, hours=job.link_hours)
    # Without a request the service gives the link's path: the site's address goes first.
    url = job.link_base + issued.url if issued.url.startswith("/") else issued.url
    return VALID_UNTIL % {"when": f"{issued.link.expires_at:%Y-%m-%d %H:%M}"}, url


def _settings(job: BulkJob, instance: Instance, user: User) -> tuple[str, str]:
    if not job.settings_changes:
        raise ApplicationError(SETTINGS_GONE)
    instance_settings_save(instance=instance, user=user, changes=json.loads(job.settings_changes))
    return SETTINGS_SAVED, ""


def _delete(job: BulkJob, instance: Instance, user: User) -> tuple[str, str]:
    result = instance_delete(instance=instance, user=user)
    return result.message, ""


_ACTIONS: dict[BulkJob.Action, Callable[[BulkJob, Instance, User], tuple[str, str]]] = {
    BulkJob.Action.REBOOT: _reboot,
    BulkJob.Action.LOGOUT: _logout,
    BulkJob.Action.LINKS: _link,
    BulkJob.Action.SETTINGS: _settings,
    BulkJob.Action.DELETE: _delete,
}


def bulk_progress(job: BulkJob) -> Progress:
    counts = dict(
        BulkItem.objects.filter(job=job).values_list("status").annotate(n=Count("pk")).order_by()
    )
    total = sum(counts.values())
    finished = sum(n for status, n in counts.items() if status not in _OPEN)
    return Progress(total=total, finished=finished, by_status=counts)


def bulk_links_take(job: BulkJob, *, user: User) -> list[tuple[int, str, str]]:
    """(instance id, name, link) of the job's issued links, for its requester, once.

    A customer link is a secret that works without a login: like a single issued link, it is
    shown once. The stored copies are erased as they are handed over.
    """
    if job.requested_by_id != user.pk:
        raise ApplicationError(_("Only the person who issued these links can download them."))
    with transaction.atomic():
        items = list(
            BulkItem.objects.select_for_update()
            .filter(job=job, status=BulkItem.Status.DONE)
            .exclude(link_url="")
            .select_related("instance")
            .order_by("pk")
        )
        BulkItem.objects.filter(pk__in=[item.pk for item in items]).update(link_url="")
    return [(item.instance_id, item.instance.name, item.link_url) for item in items]
