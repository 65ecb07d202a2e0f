"""Counting every wire call received, for the control API's `calls` endpoint."""

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from sandbox.models import CallCounter

NO_INSTANCE = 0  # calls that name no instance (createInstance, getInstances, bad ids)


def record(method: str, id_instance: int | None) -> None:
    key = id_instance or NO_INSTANCE
    counters = CallCounter.objects.filter(method=method, id_instance=key)
    if counters.update(count=F("count") + 1):
        return
    try:
        with transaction.atomic():
            CallCounter.objects.create(method=method, id_instance=key, count=1)
    except IntegrityError:  # another request created the row first
        counters.update(count=F("count") + 1)


def counts(id_instance: int | None = None) -> dict[str, int]:
    rows = CallCounter.objects.all()
    if id_instance is not None:
        rows = rows.filter(id_instance=id_instance)
    totals = rows.values("method").annotate(total=Sum("count")).order_by("method")
    return {row["method"]: row["total"] for row in totals}


def reset() -> None:
    CallCounter.objects.all().delete()
