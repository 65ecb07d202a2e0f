"""The job's look-back costs the same few queries however many changes it reads again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from alerts.models import Alert
from alerts.services.detect import alerts_detect
from instances.models import Instance, StateChange


def flaps(instance: Instance, count: int) -> None:
    """`count` changes between linked and blocked, a minute apart, ending blocked."""
    start = timezone.now() - timedelta(minutes=count)
    states = ["authorized", "blocked"]
    StateChange.objects.bulk_create(
        StateChange(
            instance=instance,
            previous_state=states[n % 2],
            state=states[(n + 1) % 2],
            source=StateChange.Source.POLL,
            at=start + timedelta(minutes=n),
        )
        for n in range(count)
    )


@pytest.mark.parametrize("count", [4, 40])
def test_reading_the_same_changes_again_costs_a_fixed_number_of_queries(
    instance_a: Instance, count: int
) -> None:
    flaps(instance_a, count)
    alerts_detect()
    assert Alert.objects.count() == count  # each a problem, or its recovery

    with CaptureQueriesContext(connection) as queries:
        alerts_detect()

    assert Alert.objects.count() == count
    # The cursor, the changes, the alerts already made, the stuck ones, the cursor moved.
    assert len(queries) <= 5
