"""The mirror and the queue as they are now: read at each scrape, the same in every process.

These gauges come from the database and the task queue, so every web replica reports the same
values: aggregate them with max(), not sum(). The worker does not serve them.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.db.models import Count, Min, Q, QuerySet
from django.utils import timezone
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from core.models import Heartbeat
from instances.models import Instance, SyncState
from instances.state_freshness import stale_states
from monitoring import queue

logger = logging.getLogger(__name__)

# Label values: Green API calls MAX "v3"; an unknown state has the empty string.
MESSENGERS = {
    Instance.Type.WHATSAPP: "whatsapp",
    Instance.Type.TELEGRAM: "telegram",
    Instance.Type.MAX: "max",
}
UNKNOWN_STATE_LABEL = "unknown"


def confirmable() -> QuerySet[Instance]:
    """Live instances whose state the worker can confirm: not expired (Green API then answers
    with a sentence, docs/greenapi.md §4.1) and with a token (Green API may leave it out)."""
    return Instance.objects.filter(deleted=False, is_expired=False).exclude(api_token="")


def oldest_state_age(now: datetime) -> tuple[float | None, int]:
    """Seconds since the least recently confirmed state was confirmed (None when no instance
    has been confirmed yet), and how many confirmable instances were never confirmed."""
    row = confirmable().aggregate(
        oldest=Min("state_checked_at"),
        never=Count("pk", filter=Q(state_checked_at__isnull=True)),
    )
    oldest: datetime | None = row["oldest"]
    return (None if oldest is None else (now - oldest).total_seconds()), row["never"]


def seconds_since(at: datetime | None, now: datetime) -> float:
    return math.inf if at is None else max(0.0, (now - at).total_seconds())


class MirrorCollector(Collector):
    """Gauges read from the database and the queue at each scrape."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        now = timezone.now()
        database_up = GaugeMetricFamily(
            "partnerportal_database_up", "1 when the database answered this scrape's queries."
        )
        try:
            families = list(self._from_database(now))
        except Exception:
            # A scrape must answer whatever failed; database_up 0 says what is missing.
            logger.warning("Metrics: the database did not answer", exc_info=True)
            families = []
        database_up.add_metric([], 1 if families else 0)
        yield database_up
        yield from families
        yield from self._from_queue()

    def _from_database(self, now: datetime) -> Iterable[GaugeMetricFamily]:
        instances = GaugeMetricFamily(
            "partnerportal_instances",
            "Instances that are not deleted, by state and messenger (state as Green API names "
            "it; unknown: not confirmed yet or a state the portal does not know).",
            labels=["state", "messenger"],
        )
        counts = {
            (row["state"], row["type_instance"]): row["n"]
            for row in Instance.objects.filter(deleted=False)
            .order_by()
            .values("state", "type_instance")
            .annotate(n=Count("pk"))
        }
        # Every combination, zeros included, so that a series never vanishes.
        for state in Instance.State.values:
            for type_instance, messenger in MESSENGERS.items():
                instances.add_metric(
                    [state or UNKNOWN_STATE_LABEL, messenger],
                    counts.get((state, type_instance), 0),
                )
        yield instances

        stale = GaugeMetricFamily(
            "partnerportal_instance_states_stale",
            "Instances not deleted whose state was never confirmed or is older than twice its "
            "target (5 s while created, starting or onboarding; 30 s after a change; "
            "STATE_MAX_AGE otherwise).",
        )
        stale.add_metric([], Instance.objects.filter(stale_states(now)).count())
        yield stale

        oldest, never = oldest_state_age(now)
        oldest_gauge = GaugeMetricFamily(
            "partnerportal_instance_state_oldest_age_seconds",
            "Age of the least recently confirmed state among instances the worker can confirm "
            "(not deleted, not expired, with a token).",
        )
        oldest_gauge.add_metric([], oldest or 0.0)
        yield oldest_gauge
        never_gauge = GaugeMetricFamily(
            "partnerportal_instance_states_unconfirmed",
            "Instances the worker can confirm whose state was never confirmed.",
        )
        never_gauge.add_metric([], never)
        yield never_gauge

        sync = SyncState.objects.filter(pk=1).first()
        sync_age = GaugeMetricFamily(
            "partnerportal_sync_age_seconds",
            "Seconds since the mirror was last synced from getInstances (+Inf: never).",
        )
        sync_age.add_metric([], seconds_since(sync.last_success_at if sync else None, now))
        yield sync_age
        sync_failing = GaugeMetricFamily(
            "partnerportal_sync_failing", "1 when the last sync attempt failed or was refused."
        )
        sync_failing.add_metric([], 1 if sync is not None and sync.last_error else 0)
        yield sync_failing

        heartbeats = GaugeMetricFamily(
            "partnerportal_heartbeat_age_seconds",
            "Seconds since each background process or job last gave a sign of life "
            '(name="worker": the task consumer; name="sync": its last successful sync).',
            labels=["name"],
        )
        for heartbeat in Heartbeat.objects.order_by("name"):
            heartbeats.add_metric([heartbeat.name], seconds_since(heartbeat.at, now))
        yield heartbeats

    def _from_queue(self) -> Iterable[GaugeMetricFamily]:
        up = GaugeMetricFamily("partnerportal_queue_up", "1 when the task queue answered.")
        depth = queue.depth()
        up.add_metric([], 0 if depth is None else 1)
        yield up
        if depth is None:
            return
        pending = GaugeMetricFamily(
            "partnerportal_queue_pending", "Tasks waiting in the queue for a worker."
        )
        pending.add_metric([], depth.pending)
        yield pending
        scheduled = GaugeMetricFamily(
            "partnerportal_queue_scheduled", "Tasks scheduled to run later (retries, delays)."
        )
        scheduled.add_metric([], depth.scheduled)
        yield scheduled


MIRROR_REGISTRY = CollectorRegistry(auto_describe=False)
MIRROR_REGISTRY.register(MirrorCollector())


def mirror_exposition() -> bytes:
    return generate_latest(MIRROR_REGISTRY)
