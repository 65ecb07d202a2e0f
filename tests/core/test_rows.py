"""core/rows.py: one-row reads and compare-and-set updates agree with the ORM on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from accounts.models import Reseller, User
from core.rows import compare_and_set, row_read
from instances.models import Instance

AT = datetime(2026, 11, 30, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.fixture
def row(db: None) -> Instance:
    return Instance.objects.create(
        id_instance=1101000090, api_token="x" * 50, state="notAuthorized"
    )


def test_a_row_is_read_with_only_the_fields_asked_for(row: Instance) -> None:
    read = row_read(Instance, pk=row.pk, fields=("state", "state_checked_at"))

    assert read is not None
    assert (read.pk, read.state, read.state_checked_at) == (row.pk, "notAuthorized", None)
    assert "api_token" in read.get_deferred_fields()


def test_a_missing_row_reads_as_none(db: None) -> None:
    assert row_read(Instance, pk=1101000091, fields=("state",)) is None


def test_the_update_applies_only_while_the_row_is_as_expected(row: Instance) -> None:
    expected = {"state": "notAuthorized", "state_checked_at": None}  # None matches NULL

    assert compare_and_set(
        Instance,
        pk=row.pk,
        expected=expected,
        changes={"state": "authorized", "state_checked_at": AT},
    )
    assert not compare_and_set(Instance, pk=row.pk, expected=expected, changes={"state": "blocked"})

    stored = Instance.objects.values("state", "state_checked_at").get(pk=row.pk)
    assert stored == {"state": "authorized", "state_checked_at": AT}


def test_a_datetime_is_stored_and_matched_as_the_orm_stores_it(row: Instance) -> None:
    compare_and_set(Instance, pk=row.pk, expected={}, changes={"state_checked_at": AT})

    # The ORM finds it by equality, and compare_and_set finds what the ORM stored.
    assert Instance.objects.filter(state_checked_at=AT).exists()
    Instance.objects.filter(pk=row.pk).update(state_changed_at=AT)
    assert compare_and_set(
        Instance, pk=row.pk, expected={"state_changed_at": AT}, changes={"state_source": "poll"}
    )


def test_a_missing_row_is_not_updated(db: None) -> None:
    assert not compare_and_set(Instance, pk=1101000091, expected={}, changes={"state": "blocked"})


def test_a_related_row_comes_along_as_select_related_would(
    django_assert_num_queries: Any, reseller_a_user: User
) -> None:
    stored = Reseller.objects.get(pk=reseller_a_user.reseller_id)
    with django_assert_num_queries(1):
        read = row_read(User, pk=reseller_a_user.pk, fields=("username",), related=("reseller",))
        assert read is not None
        assert read.reseller is not None
        assert (read.username, read.reseller.name, read.reseller.created_at) == (
            reseller_a_user.username,
            stored.name,
            stored.created_at,
        )


def test_a_missing_related_row_reads_as_none(django_assert_num_queries: Any, admin: User) -> None:
    with django_assert_num_queries(1):
        read = row_read(User, pk=admin.pk, fields=("role",), related=("reseller",))
        assert read is not None
        assert read.reseller is None


def test_values_are_converted_as_the_orm_reads_them(row: Instance) -> None:
    Instance.objects.filter(pk=row.pk).update(state_changed_at=AT, device_info={"model": "X1"})
    read = row_read(Instance, pk=row.pk, fields=("api_token", "device_info", "state_changed_at"))

    assert read is not None
    assert (read.api_token, read.device_info, read.state_changed_at) == (
        "x" * 50,
        {"model": "X1"},
        AT,
    )
