"""Bulk actions: a result per instance, the single action's rules, and a delete exactly once."""

from __future__ import annotations

import csv
import io
import threading
from typing import Any

import pytest
from django.db import connection

from accounts.models import Reseller, User
from instances.greenapi_factory import action_deadline
from instances.models import BulkItem, BulkJob, Instance, OnboardingLink
from instances.services.bulk import bulk_run_job, bulk_start
from tests.support.onboarding import make_instance
from tests.support.pages import logged_in, page_text
from tests.support.sandbox import SandboxControl

pytestmark = pytest.mark.usefixtures("greenapi_settings")


def instances(reseller: Reseller | None, count: int, settings: Any) -> list[Instance]:
    settings.SANDBOX_RATE_LIMITS = False  # making them fast is not what is tested
    made = [make_instance(reseller, name=f"Shop {n}") for n in range(count)]
    settings.SANDBOX_RATE_LIMITS = True
    return made


def start(user: User, action: str, made: list[Instance], **extra: str) -> Any:
    data = {"action": action, "ids": [i.pk for i in made], "confirm": "1", **extra}
    return logged_in(user).post("/instances/bulk/new/", data)


def results(job: BulkJob) -> dict[str, int]:
    statuses = BulkItem.objects.filter(job=job).values_list("status", flat=True)
    return {status: list(statuses).count(status) for status in set(statuses)}


def test_a_bulk_reboot_of_200_gives_a_result_for_each_and_no_429(
    admin: User, reseller_a: Reseller, sandbox: SandboxControl, settings: Any
) -> None:
    made = instances(reseller_a, 200, settings)
    sandbox.reset_calls()

    response = start(admin, "reboot", made)

    job = BulkJob.objects.get()
    assert response["Location"] == f"/instances/bulk/{job.pk}/"
    failures = set(
        BulkItem.objects.filter(job=job).exclude(status="done").values_list("message", flat=True)
    )
    assert results(job) == {"done": 200}, failures  # a 429 would have failed an item
    assert sandbox.calls()["reboot"] == 200
    assert job.finished_at is not None
    page = page_text(logged_in(admin).get(response["Location"]))
    assert "200 of 200 finished: done." in page
    table = logged_in(admin).get(f"/instances/bulk/{job.pk}/results.csv").content.decode()
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == 200
    assert {row["result"] for row in rows} == {"done"}


def test_each_item_has_its_own_deadline_not_the_one_of_the_request_that_ran_the_job(
    admin: User, reseller_a: Reseller, sandbox: SandboxControl, settings: Any
) -> None:
    # Tests run the job inside the request that starts it (huey's immediate mode): a long job
    # must not run out of that request's deadline, which here is spent before it begins.
    made = instances(reseller_a, 2, settings)

    with action_deadline(0.0):
        start(admin, "reboot", made)

    assert results(BulkJob.objects.get()) == {"done": 2}


def test_a_bulk_delete_needs_the_count_typed(
    reseller_a_user: User, sandbox: SandboxControl, settings: Any
) -> None:
    made = instances(reseller_a_user.reseller, 2, settings)

    wrong = start(reseller_a_user, "delete", made, typed_count="3")

    assert wrong.status_code == 200
    assert "Type 2 to delete 2 instances." in page_text(wrong)
    assert not BulkJob.objects.exists()
    start(reseller_a_user, "delete", made, typed_count="2")
    assert results(BulkJob.objects.get()) == {"done": 2}
    assert Instance.objects.filter(deleted=True).count() == 2


@pytest.mark.skipif(
    connection.vendor == "sqlite", reason="needs a database that allows concurrent writers"
)
def test_a_bulk_delete_run_by_two_workers_deletes_each_instance_once(
    admin: User, reseller_a: Reseller, sandbox: SandboxControl, settings: Any
) -> None:
    made = instances(reseller_a, 6, settings)
    job = bulk_start(user=admin, action="delete", ids=[i.pk for i in made])
    barrier = threading.Barrier(2)

    def worker() -> None:
        barrier.wait()
        bulk_run_job(job.pk)
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results(job) == {"done": 6}
    assert sandbox.calls()["deleteInstanceAccount"] == 6


def test_a_reseller_acts_only_on_its_own_and_support_cannot_delete(
    reseller_a_user: User,
    support: User,
    reseller_b: Reseller,
    sandbox: SandboxControl,
    settings: Any,
) -> None:
    own = instances(reseller_a_user.reseller, 1, settings)
    other = instances(reseller_b, 1, settings)

    start(reseller_a_user, "reboot", own + other)

    job = BulkJob.objects.get()
    assert list(BulkItem.objects.filter(job=job).values_list("instance_id", flat=True)) == [
        own[0].pk
    ]
    assert start(support, "delete", own, typed_count="1").status_code == 403
    # Another tenant's user cannot follow the job either.
    assert logged_in(support).get(f"/instances/bulk/{job.pk}/").status_code == 200  # staff
    assert logged_in(reseller_a_user).get(f"/instances/bulk/{job.pk}/").status_code == 200


def test_bulk_customer_links_download_once_for_their_issuer(
    support: User, admin: User, reseller_a: Reseller, sandbox: SandboxControl, settings: Any
) -> None:
    made = instances(reseller_a, 3, settings)
    start(support, "links", made, link_hours="48")
    job = BulkJob.objects.get()
    assert OnboardingLink.objects.count() == 3

    assert logged_in(admin).post(f"/instances/bulk/{job.pk}/links.csv").status_code == 302
    first = logged_in(support).post(f"/instances/bulk/{job.pk}/links.csv")

    rows = list(csv.DictReader(io.StringIO(first.content.decode())))
    assert len(rows) == 3
    assert all(row["link"].startswith("http") for row in rows)
    assert first["Cache-Control"] == "no-store"
    again = logged_in(support).post(f"/instances/bulk/{job.pk}/links.csv")
    assert list(csv.DictReader(io.StringIO(again.content.decode()))) == []
    assert not BulkItem.objects.exclude(link_url="").exists()


def test_the_list_offers_what_the_role_may_do(
    support: User, admin: User, reseller_a: Reseller
) -> None:
    Instance.objects.create(id_instance=1, reseller=reseller_a)

    support_page = logged_in(support).get("/instances/").content.decode()
    admin_page = logged_in(admin).get("/instances/").content.decode()

    assert 'value="reboot">Reboot…' in support_page
    assert 'value="delete">' not in support_page
    assert 'value="delete">Delete…' in admin_page


def test_all_matching_the_filters(admin: User, reseller_a: Reseller) -> None:
    Instance.objects.bulk_create(
        Instance(id_instance=n + 1, state="blocked" if n % 2 else "authorized") for n in range(10)
    )
    data = {"action": "reboot", "all": "1", "all_query": "state=blocked"}

    page = page_text(logged_in(admin).post("/instances/bulk/new/", data))

    assert "Reboot 5 instances?" in page


def test_all_matching_is_every_page_and_cancel_goes_back_to_the_one_shown(admin: User) -> None:
    Instance.objects.bulk_create(
        Instance(id_instance=n + 1, state="blocked" if n % 2 else "authorized") for n in range(120)
    )
    shown = "/instances/?state=blocked&per_page=25&page=2"
    data = {
        "action": "reboot",
        "all": "1",
        "all_query": "state=blocked&per_page=25",
        "next": shown,
    }

    response = logged_in(admin).post("/instances/bulk/new/", data)

    assert "Reboot 60 instances?" in page_text(response)  # not a page of 25
    escaped = shown.replace("&", "&amp;")
    assert f'<a href="{escaped}">Cancel</a>' in response.content.decode()
    assert f'<input type="hidden" name="next" value="{escaped}">' in response.content.decode()
    elsewhere = logged_in(admin).post("/instances/bulk/new/", {**data, "next": "//evil.example/"})
    assert '<a href="/instances/">Cancel</a>' in elsewhere.content.decode()


def test_nothing_selected_is_a_message(admin: User) -> None:
    response = logged_in(admin).post("/instances/bulk/new/", {"action": "reboot"}, follow=True)
    assert "Select at least one instance." in page_text(response)
