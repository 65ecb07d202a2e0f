"""The event endpoint pages: tenancy, the secret shown once, the log with "send again" and
"send a test event" (events/views.py)."""

from __future__ import annotations

from django.db import connection

from accounts.models import AuditEvent, User
from events.models import Endpoint, EventDelivery
from instances import lifecycle
from tests.events.receiver import Receiver
from tests.events.support import endpoint, run, verified
from tests.support.pages import logged_in, page_text

PUBLIC = "https://93.184.215.14/hooks"


def test_a_reseller_lists_only_its_own_endpoints_and_staff_all(
    admin: User, reseller_a_user: User, reseller_b_user: User
) -> None:
    endpoint(reseller_a_user, PUBLIC + "/mine", [lifecycle.LINKED])
    endpoint(reseller_b_user, PUBLIC + "/theirs", [lifecycle.LINKED])
    endpoint(admin, PUBLIC + "/partner", [lifecycle.LINKED])

    seen = page_text(logged_in(reseller_a_user).get("/events/"))
    assert "/hooks/mine" in seen
    assert "/hooks/theirs" not in seen
    assert "/hooks/partner" not in seen
    everything = page_text(logged_in(admin).get("/events/"))
    assert all(f"/hooks/{name}" in everything for name in ("mine", "theirs", "partner"))


def test_the_navigation_links_the_pages_for_those_who_may_manage(
    admin: User, support: User, reseller_a_user: User
) -> None:
    for user, shown in ((admin, True), (reseller_a_user, True), (support, False)):
        page = logged_in(user).get("/instances/overview/").content.decode()
        assert ('href="/events/"' in page) is shown, user


def test_registering_shows_the_secret_once_and_keeps_it_encrypted(
    reseller_a_user: User,
) -> None:
    client = logged_in(reseller_a_user)
    assert client.get("/events/new/").status_code == 200
    answer = client.post(
        "/events/new/", {"url": PUBLIC, "kinds": [lifecycle.LINKED, lifecycle.LOGGED_OUT]}
    )

    assert answer.status_code == 200
    assert "no-store" in answer["Cache-Control"]
    hook = Endpoint.objects.get()
    assert (hook.reseller_id, hook.kinds) == (
        reseller_a_user.reseller_id,
        [lifecycle.LINKED, lifecycle.LOGGED_OUT],
    )
    assert hook.secret in answer.content.decode()
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret FROM events_endpoint WHERE id = %s", [hook.pk])
        (stored,) = cursor.fetchone()
    assert hook.secret not in stored
    assert hook.secret not in client.get(f"/events/{hook.pk}/").content.decode()
    assert AuditEvent.objects.filter(action="events.endpoint_create").count() == 1


def test_staff_register_the_partners_endpoint_or_a_resellers(
    admin: User, reseller_b_user: User
) -> None:
    client = logged_in(admin)
    client.post("/events/new/", {"url": PUBLIC + "/all", "kinds": [lifecycle.CREATED]})
    client.post(
        "/events/new/",
        {"url": PUBLIC + "/b", "kinds": [lifecycle.CREATED], "owner": reseller_b_user.reseller_id},
    )
    owners = dict(Endpoint.objects.values_list("url", "reseller_id"))
    assert owners == {PUBLIC + "/all": None, PUBLIC + "/b": reseller_b_user.reseller_id}


def test_an_address_that_is_not_https_or_no_event_is_refused(reseller_a_user: User) -> None:
    client = logged_in(reseller_a_user)
    answer = client.post("/events/new/", {"url": "ftp://example.com/x", "kinds": []})
    assert answer.status_code == 200
    assert "Choose at least one event." in page_text(answer)
    assert not Endpoint.objects.exists()


def test_a_test_event_shows_in_the_log_and_can_be_sent_again(
    receiver: Receiver, reseller_a_user: User
) -> None:
    created = endpoint(reseller_a_user, receiver.url, [lifecycle.LINKED])
    client = logged_in(reseller_a_user)
    page = f"/events/{created.endpoint.pk}/"

    assert client.post(page + "test/").status_code == 302
    run()
    first = receiver.wait_for(1)[0]
    assert verified(created.secret, first)["type"] == "event.test"
    log = page_text(client.get(page))
    for shown in ("Delivered", "HTTP 200", "event.test", " ms"):
        assert shown in log
    delivery = EventDelivery.objects.get()
    assert client.post(f"/events/deliveries/{delivery.pk}/again/").status_code == 302
    run()
    second = receiver.wait_for(2)[1]
    assert second.headers["webhook-id"] == first.headers["webhook-id"]


def test_rotate_disable_enable_and_delete(reseller_a_user: User) -> None:
    created = endpoint(reseller_a_user, PUBLIC, [lifecycle.LINKED])
    client = logged_in(reseller_a_user)
    page = f"/events/{created.endpoint.pk}/"

    rotated = client.post(page + "rotate/")
    hook = Endpoint.objects.get()
    assert hook.secret != created.secret
    assert hook.secret in rotated.content.decode()
    assert hook.previous_secret == created.secret

    client.post(page + "disable/")
    assert not Endpoint.objects.get().enabled
    client.post(page + "enable/")
    assert Endpoint.objects.get().enabled
    client.post(page + "events/", {"kinds": [lifecycle.CREATED]})
    assert Endpoint.objects.get().kinds == [lifecycle.CREATED]
    assert client.post(page + "delete/")["Location"] == "/events/"
    assert not Endpoint.objects.exists()
