"""Per-instance, per-method limits over a sliding one-second window (docs/greenapi.md §4.3)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction

from sandbox.methods import WireMethod
from sandbox.models import EmulatedInstance, RateHit

WINDOW = timedelta(seconds=1)


def allow(id_instance: int, method: WireMethod, now: datetime) -> bool:
    """Record the call and say yes, or say no without recording (only accepted calls count)."""
    if method.rps is None or not settings.SANDBOX_RATE_LIMITS:
        return True
    hits = RateHit.objects.filter(id_instance=id_instance, method=method.name)
    with transaction.atomic():
        # Locking the instance row serialises concurrent calls, so two cannot share a slot.
        list(EmulatedInstance.objects.select_for_update().filter(pk=id_instance).values("pk"))
        hits.filter(at__lte=now - WINDOW).delete()
        # The upper bound keeps hits from a clock moved backwards (tests) from counting.
        if hits.filter(at__gt=now - WINDOW, at__lte=now).count() >= method.rps:
            return False
        RateHit.objects.create(id_instance=id_instance, method=method.name, at=now)
    return True
