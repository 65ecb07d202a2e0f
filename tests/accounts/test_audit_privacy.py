"""Reseller users read their reseller's audit events, without anyone's IP address."""

from django.test import Client

from accounts.audit import audit_record
from accounts.models import User
from instances.models import Instance


def test_reseller_user_does_not_see_ip_addresses(
    admin: User,
    reseller_a_user: User,
    instance_a: Instance,
    rf,  # type: ignore[no-untyped-def]
) -> None:
    request = rf.post("/", REMOTE_ADDR="198.51.100.23")
    request.user = admin
    audit_record(action="instance.reboot", request=request, target=instance_a)
    reseller_client, staff_client = Client(), Client()
    reseller_client.force_login(reseller_a_user)
    staff_client.force_login(admin)

    reseller_page = reseller_client.get("/audit/").content.decode()
    staff_page = staff_client.get("/audit/").content.decode()

    assert "instance.reboot" in reseller_page
    assert "198.51.100.23" not in reseller_page
    assert "198.51.100.23" in staff_page
