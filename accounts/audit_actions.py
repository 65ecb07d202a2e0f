"""Every action the audit trail can record, each with the sentence pages show for it.

`audit_record` refuses a code that is not declared here, and a test reads the code base for
the codes it records, so a new action cannot reach the log without its sentence. The CSV
export keeps the code beside the sentence: codes are for machines and searches, sentences
for people.
"""

from __future__ import annotations

from typing import Final

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

AUDIT_ACTIONS: Final[dict[str, Promise]] = {
    # Logins and sessions (accounts/sessions.py, accounts/audit.py, accounts/middleware.py)
    "login.success": _("Logged in"),
    "login.failed": _("Login failed"),
    "login.locked": _("Login locked after too many failures"),
    "login.blocked": _("Login refused during a lockout"),
    "logout": _("Logged out"),
    "session.expired": _("Session ended for inactivity or age"),
    # Passwords and two-factor login (accounts/services.py, accounts/twofactor.py)
    "password.change": _("Password changed"),
    "account.time_zone": _("Time zone changed"),
    "password.reset": _("Password set through an e-mailed link"),
    "user.password_reset_send": _("Password link e-mailed"),
    "totp.setup_start": _("Two-factor setup started"),
    "totp.enable": _("Two-factor login turned on"),
    "totp.disable": _("Two-factor login turned off"),
    # People (accounts/services.py)
    "user.create": _("User added"),
    "user.update": _("User changed"),
    "user.deactivate": _("User deactivated"),
    "reseller.create": _("Reseller added"),
    "reseller.update": _("Reseller changed"),
    "reseller.deactivate": _("Reseller deactivated"),
    "reseller.brand": _("Brand shown to customers changed"),
    "alerts.settings": _("Alert e-mail settings saved"),
    # The automation API's tokens (api/tokens.py)
    "api_token.create": _("API token created"),
    "api_token.revoke": _("API token revoked"),
    # Instances (instances/services/)
    "instance.create": _("Instance created"),
    "instance.delete": _("Instance deleted"),
    "instance.reboot": _("Instance rebooted"),
    "instance.logout": _("Phone logged out of the instance"),
    "instance.settings": _("Instance settings saved"),
    "instance.token_reveal": _("API token shown"),
    "instance.assign": _("Instance moved to another reseller"),
    "instance.test_message": _("Test message sent"),
    "instance.export": _("Instance list exported"),
    "order.close": _("Create order closed"),
    "attention.handle": _("Attention item marked handled"),
    # Linking a phone (instances/services/links.py, onboarding_actions.py)
    "onboarding.link_issue": _("Customer link issued"),
    "onboarding.link_revoke": _("Customer link revoked"),
    "onboarding.link_open": _("Customer opened the link"),
    "onboarding.linked": _("Customer linked their phone"),
    "onboarding.pairing_code": _("Pairing code requested"),
    # Lifecycle events out (events/services.py)
    "events.endpoint_create": _("Event endpoint added"),
    "events.endpoint_update": _("Event endpoint's events changed"),
    "events.endpoint_rotate": _("Event endpoint's secret rotated"),
    "events.endpoint_enable": _("Event endpoint enabled"),
    "events.endpoint_disable": _("Event endpoint disabled"),
    "events.endpoint_delete": _("Event endpoint deleted"),
    "events.send_test": _("Test event sent"),
    "events.redeliver": _("Event sent again"),
    # Bulk jobs: "bulk." + a BulkJob.Action (instances/services/bulk.py)
    "bulk.reboot": _("Bulk reboot started"),
    "bulk.logout": _("Bulk logout started"),
    "bulk.links": _("Customer links issued in bulk"),
    "bulk.settings": _("Settings applied in bulk"),
    "bulk.delete": _("Bulk delete started"),
}


def audit_action_label(code: str) -> str:
    """The sentence for an action code; an unknown code (from an older release) as it is."""
    label = AUDIT_ACTIONS.get(code)
    return str(label) if label is not None else code


def audit_action_choices() -> list[tuple[str, str]]:
    """(code, sentence) pairs in the order of the sentences, for a select."""
    return sorted(((code, str(label)) for code, label in AUDIT_ACTIONS.items()), key=_second)


def _second(pair: tuple[str, str]) -> str:
    return pair[1].casefold()
