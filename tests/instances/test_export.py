"""CSV export of the instance list: every matching row, streamed, scoped, never a token."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent, Reseller, User
from instances.export import CHUNK
from instances.models import Instance
from tests.support.pages import logged_in


def rows(response: object) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()  # type: ignore[attr-defined]
    return list(csv.DictReader(io.StringIO(body)))


def make(pk: int, reseller: Reseller | None, **fields: object) -> Instance:
    return Instance.objects.create(
        id_instance=pk, reseller=reseller, api_token=f"secret-token-{pk}", **fields
    )


def test_export_has_every_matching_row_not_just_a_page(admin: User, reseller_a: Reseller) -> None:
    Instance.objects.bulk_create(
        Instance(id_instance=1000 + n, name=f"Shop {n}", state="authorized", reseller=reseller_a)
        for n in range(120)
    )
    make(1, reseller_a, name="Blocked one", state="blocked")

    response = logged_in(admin).get("/instances/export.csv?state=authorized&sort=name")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="instances-')
    found = rows(response)
    assert len(found) == 120  # more than two pages of the list, and none of another state
    assert [row["name"] for row in found[:3]] == ["Shop 0", "Shop 1", "Shop 10"]  # by name
    assert {row["state"] for row in found} == {"Linked"}
    assert found[0]["reseller"] == reseller_a.name
    assert AuditEvent.objects.get(action="instance.export").detail == "state=authorized&sort=name"


def test_export_is_scoped_to_the_tenant_and_holds_no_token(
    reseller_a_user: User, reseller_b: Reseller
) -> None:
    own = make(1, reseller_a_user.reseller, name="Mine", phone="79001234567")
    make(2, reseller_b, name="Theirs")

    response = logged_in(reseller_a_user).get("/instances/export.csv")

    found = rows(response)
    assert [row["id"] for row in found] == [str(own.pk)]
    assert "reseller" not in found[0]  # a reseller user's list has no reseller column
    assert found[0]["phone"] == "+79001234567"
    body = "".join(f"{key}={value}" for row in found for key, value in row.items())
    assert "secret-token" not in body


def test_times_are_iso_and_formulas_stay_text(admin: User) -> None:
    made = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    make(1, None, name='=HYPERLINK("http://evil")', time_created=made)
    make(2, None, name="@SUM(1)")

    found = {row["id"]: row for row in rows(logged_in(admin).get("/instances/export.csv"))}

    assert found["1"]["created_at"] == "2026-03-01T09:30:00+00:00"
    assert found["1"]["name"] == '\'=HYPERLINK("http://evil")'
    assert found["2"]["name"] == "'@SUM(1)"
    assert found["2"]["created_at"] == ""


def test_bad_filters_are_ignored_as_on_the_list(admin: User) -> None:
    make(1, None, name="Only")

    response = logged_in(admin).get("/instances/export.csv?state=nonsense&sort=%00&after=x")

    assert response.status_code == 200
    assert [row["name"] for row in rows(response)] == ["Only"]


def test_export_streams_in_chunks_with_few_queries(admin: User) -> None:
    Instance.objects.bulk_create(Instance(id_instance=n + 1) for n in range(CHUNK + 5))
    with CaptureQueriesContext(connection) as captured:
        found = rows(logged_in(admin).get("/instances/export.csv"))
    assert len(found) == CHUNK + 5
    instance_queries = [q for q in captured.captured_queries if "instances_instance" in q["sql"]]
    assert len(instance_queries) <= 3  # fetched a chunk at a time, not a row at a time
