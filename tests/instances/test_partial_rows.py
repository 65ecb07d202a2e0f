"""Rows read with some columns only (the list's, instances/selectors.py LIST_FIELDS) behave as
Django's own deferred rows: Instance.from_db sets only what was read."""

from __future__ import annotations

import pytest

from accounts.models import Reseller
from instances.models import Instance


@pytest.mark.django_db
def test_a_row_read_with_some_columns_loads_the_rest_on_demand_and_saves(
    reseller_a: Reseller,
) -> None:
    Instance.objects.create(
        id_instance=1101000777,
        name="Shop",
        phone="79001234567",
        api_token="t" * 50,
        reseller=reseller_a,
    )

    row = Instance.objects.only("id_instance", "name", "reseller").get()

    assert (row.name, row.reseller_id) == ("Shop", reseller_a.pk)
    assert not row._state.adding
    assert row._state.db == "default"
    assert {"phone", "api_token", "state"} <= row.get_deferred_fields()
    assert "reseller" not in row.get_deferred_fields()
    assert row.phone == "79001234567"  # read now, with one query
    assert row.api_token == "t" * 50
    row.name = "Renamed"
    row.save(update_fields=["name"])
    assert Instance.objects.get().name == "Renamed"
    assert row == Instance.objects.get()


@pytest.mark.django_db
def test_a_whole_row_is_read_as_django_does() -> None:
    Instance.objects.create(id_instance=1101000778, name="Whole", api_token="w" * 50)

    row = Instance.objects.get()

    assert row.get_deferred_fields() == set()
    assert row.api_token == "w" * 50
