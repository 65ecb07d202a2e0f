"""Reseller users read their reseller's audit events, without anyone's IP address."""

from django.test import Client, RequestFactory

from accounts.audit import audit_record
from accounts.models import User
from instances.models import Instance


def test_reseller_user_does_not_see_ip_addresses(
    admin: User,
    reseller_a_user: User,
    instance_a: Instance,
    rf: RequestFactory,
) -> None:
    request = rf.post("/", REMOTE_ADDR="198.51.100.23")
    request.user = admin
    audit_record(action="instance.reboot", actor=admin, request=request, target=instance_a)
    reseller_client, staff_client = Client(), Client()
    reseller_client.force_login(reseller_a_user)
    staff_client.force_login(admin)

    reseller_page = reseller_client.get("/audit/").content.decode()
    staff_page = staff_client.get("/audit/").content.decode()

    assert "instance.reboot" in reseller_page
    assert "198.51.100.23" not in reseller_page
    assert "198.51.100.23" in staff_page


def test_audit_page_and_fragment_vary_on_the_htmx_header(admin: User) -> None:
    client = Client()
    client.force_login(admin)
    page = client.get("/audit/")
    fragment = client.get("/audit/", headers={"HX-Request": "true"})
    assert "HX-Request" in page["Vary"]
    assert "HX-Request" in fragment["Vary"]
    assert b"<html" in page.content
    assert b"<html" not in fragment.content
