"""Counting every wire call received, for the control API's `calls` endpoint."""

from django.db import IntegrityError, transaction
from django.db.models import F, FloatField, Min, Sum, Value
from django.db.models.functions import Abs, Coalesce, Greatest, Least
from django.utils import timezone

from sandbox.models import CallCounter

NO_INSTANCE = 0  # calls that name no instance (createInstance, getInstances, bad ids)
# Stands for "no gap yet" inside the update, where NULL would swallow the comparison.
_NO_GAP = 1e18


def record(method: str, id_instance: int | None) -> None:
    key = id_instance or NO_INSTANCE
    now = timezone.now().timestamp()  # the emulator's clock, which tests move
    counters = CallCounter.objects.filter(method=method, id_instance=key)
    # Two requests may update in the opposite order of their arrival: the gap is the absolute
    # difference, and the latest call stays the latest.
    gap = Abs(Value(now) - F("last_at"), output_field=FloatField())
    changes = {
        "count": F("count") + 1,
        "last_at": Greatest(F("last_at"), Value(now), output_field=FloatField()),
        "shortest_gap": Least(
            Coalesce(F("shortest_gap"), Value(_NO_GAP)), gap, output_field=FloatField()
        ),
    }
    if counters.update(**changes):
        return
    try:
        with transaction.atomic():
            CallCounter.objects.create(method=method, id_instance=key, count=1, last_at=now)
    except IntegrityError:  # another request created the row first
        counters.update(**changes)


def counts(id_instance: int | None = None) -> dict[str, int]:
    rows = CallCounter.objects.all()
    if id_instance is not None:
        rows = rows.filter(id_instance=id_instance)
    totals = rows.values("method").annotate(total=Sum("count")).order_by("method")
    return {row["method"]: row["total"] for row in totals}


def shortest_gaps(id_instance: int | None = None) -> dict[str, float]:
    """Per method, the shortest time in seconds between two calls to one instance."""
    rows = CallCounter.objects.exclude(id_instance=NO_INSTANCE).filter(shortest_gap__isnull=False)
    if id_instance is not None:
        rows = rows.filter(id_instance=id_instance)
    gaps = rows.values("method").annotate(gap=Min("shortest_gap")).order_by("method")
    return {row["method"]: row["gap"] for row in gaps}


def reset() -> None:
    CallCounter.objects.all().delete()
