"""The alert settings page, and the "Alerts sent" list on an instance's page."""

from __future__ import annotations

from datetime import time

from django.test import Client
from django.utils import timezone

from accounts.models import AuditEvent, User
from alerts.models import Alert, AlertKind, AlertPreference, Delivery
from instances.models import Instance
from tests.support.pages import logged_in, page_text

SETTINGS = "/alerts/settings/"


def form(**changes: str) -> dict[str, str]:
    data = {
        "enabled": "on",
        "logged_out": "on",
        "blocked": "on",
        "mode": "instant",
        "quiet_start": "22:00",
        "quiet_end": "07:00",
        "time_zone": "Europe/Berlin",
    }
    return {**data, **changes}


def test_the_account_page_links_to_the_alert_settings(reseller_a_user: User) -> None:
    assert f'href="{SETTINGS}"' in logged_in(reseller_a_user).get("/account/").content.decode()


def test_defaults_are_off_and_staff_default_to_a_digest(
    reseller_a_user: User, support: User
) -> None:
    page = logged_in(reseller_a_user).get(SETTINGS).content.decode()
    assert "of Reseller A" in page_text(logged_in(reseller_a_user).get(SETTINGS))
    assert '<input type="checkbox" name="enabled" id="id_enabled">' in page  # not ticked
    assert 'value="instant" required id="id_mode_0" checked' in page
    staff_page = logged_in(support).get(SETTINGS).content.decode()
    assert 'value="digest" required id="id_mode_1" checked' in staff_page
    assert not AlertPreference.objects.exists()  # reading saves nothing


def test_saving_the_settings(reseller_a_user: User) -> None:
    response = logged_in(reseller_a_user).post(SETTINGS, form())

    assert response.status_code == 302
    preference = AlertPreference.objects.get(user=reseller_a_user)
    assert preference.enabled
    assert preference.logged_out
    assert preference.blocked
    assert not preference.yellow_card  # left unticked
    assert (preference.quiet_start, preference.quiet_end) == (time(22), time(7))
    assert preference.time_zone == "Europe/Berlin"
    assert AuditEvent.objects.filter(action="alerts.settings", actor=reseller_a_user).exists()


def test_quiet_hours_need_both_ends(reseller_a_user: User) -> None:
    response = logged_in(reseller_a_user).post(SETTINGS, form(quiet_end=""))

    assert response.status_code == 200
    assert "Give both ends of the quiet hours, or neither." in page_text(response)
    assert not AlertPreference.objects.exists()


def test_settings_need_a_login(db: None) -> None:
    response = Client().get(SETTINGS)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_settings_page_refuses_other_methods(reseller_a_user: User) -> None:
    assert logged_in(reseller_a_user).put(SETTINGS).status_code == 405


def _delivered(instance: Instance, *, to: str, audience: str) -> None:
    alert, _ = Alert.objects.get_or_create(
        key=f"sc:test:{instance.pk}",
        defaults={
            "kind": AlertKind.BLOCKED,
            "instance": instance,
            "reseller": instance.reseller,
            "since": timezone.now(),
        },
    )
    Delivery.objects.create(
        alert=alert,
        email=to,
        audience=audience,
        status=Delivery.Status.SENT,
        attempts=1,
        next_attempt_at=timezone.now(),
        sent_at=timezone.now(),
        last_error="",
    )


def test_the_instance_page_lists_the_alerts_sent_with_staff_addresses_masked(
    instance_a: Instance, reseller_a_user: User, admin: User
) -> None:
    _delivered(instance_a, to="a@example.com", audience=Delivery.Audience.CONTACT)
    _delivered(instance_a, to="admin@example.com", audience=Delivery.Audience.STAFF)
    url = f"/instances/{instance_a.pk}/"

    staff_view = page_text(logged_in(admin).get(url))
    reseller_view = page_text(logged_in(reseller_a_user).get(url))

    assert "Alerts sent" in staff_view
    assert "a@example.com" in staff_view
    assert "admin@example.com" in staff_view
    assert "a@example.com" in reseller_view
    assert "admin@example.com" not in reseller_view
    assert "Partner staff" in reseller_view


def test_another_resellers_alerts_stay_theirs(
    instance_a: Instance, reseller_b_user: User, reseller_a_user: User
) -> None:
    _delivered(instance_a, to="a@example.com", audience=Delivery.Audience.CONTACT)
    assert logged_in(reseller_b_user).get(f"/instances/{instance_a.pk}/").status_code == 404
    # Reassigned to reseller B, the instance's earlier alerts stay reseller A's.
    Instance.objects.filter(pk=instance_a.pk).update(reseller=reseller_b_user.reseller)
    page = page_text(logged_in(reseller_b_user).get(f"/instances/{instance_a.pk}/"))
    assert "Alerts sent" in page
    assert "a@example.com" not in page
