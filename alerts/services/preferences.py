"""Each person's alert settings: read with their defaults, saved with an audit event."""

from __future__ import annotations

from django.http import HttpRequest

from accounts.audit import audit_record
from accounts.models import User
from alerts.forms import AlertPreferenceForm
from alerts.models import AlertPreference


def alert_preference_of(user: User) -> AlertPreference:
    """The user's settings, or the defaults (not saved): off until they opt in; staff, who
    hear of every reseller, in a daily digest; everyone else at once."""
    try:
        return AlertPreference.objects.get(user=user)
    except AlertPreference.DoesNotExist:
        mode = AlertPreference.Mode.DIGEST if user.is_staff_role else AlertPreference.Mode.INSTANT
        return AlertPreference(user=user, mode=mode)


def alert_preference_update(
    *, request: HttpRequest, user: User, form: AlertPreferenceForm
) -> AlertPreference:
    """Save the user's settings from a valid form."""
    preference = form.save()
    audit_record(
        action="alerts.settings",
        actor=user,
        request=request,
        target=user,
        detail="on" if preference.enabled else "off",
    )
    return preference
