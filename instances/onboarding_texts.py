"""The onboarding status's sentences that hold a value, in the reader's language.

The status fragment is a Jinja2 template (templates/jinja2/instances/_onboarding_status.html).
makemessages reads it as a Django template, so it finds `{{ _("Plain text") }}` but not
`{{ _("Text %(name)s", name=value) }}`: such sentences are worded here, whole, and the values
escaped (Markup's %); the template shows them as they are.
"""

from __future__ import annotations

from functools import cached_property

from django.utils.translation import gettext as _
from markupsafe import Markup

from instances.services.onboarding import Onboarding, duration_text


def _html(message: str, **values: object) -> Markup:
    """A translated sentence that may hold markup of its own, with its values escaped."""
    return Markup(message) % values  # noqa: S704  (our catalogue's text; the values are escaped)


class StatusTexts:
    """Built per render of the status fragment; each text is worded when the template reads it."""

    def __init__(self, status: Onboarding, urls: dict[str, str]) -> None:
        self.status = status
        self.urls = urls

    @cached_property
    def messenger(self) -> str:
        return self.status.messenger_name

    @property
    def scan_heading(self) -> str:
        return _("Scan the QR code with %(messenger)s") % {"messenger": self.messenger}

    @property
    def qr_alt(self) -> str:
        return _("QR code to scan with %(messenger)s") % {"messenger": self.messenger}

    @property
    def open_messenger(self) -> str:
        return _("Open %(messenger)s on the phone.") % {"messenger": self.messenger}

    @property
    def only_whatsapp(self) -> str:
        return _(
            "Linking with a phone number instead of a QR code works only for WhatsApp; "
            "%(messenger)s is linked by scanning the code."
        ) % {"messenger": self.messenger}

    @property
    def waiting(self) -> Markup:
        """How long the instance has been on its way; static/js/onboarding.js ticks it on."""
        elapsed = _html(
            '<strong data-elapsed="%(seconds)s">%(text)s</strong>',
            seconds=self.status.waiting_seconds,
            text=self.status.waiting_text,
        )
        return _html(_("Waiting for %(elapsed)s."), elapsed=elapsed)

    @property
    def rotation(self) -> Markup:
        """When the QR code changes next. Not read out as it ticks: see _onboarding.html."""
        seconds = self.status.rotates_in or 0
        countdown = _html(
            '<strong data-countdown="%(seconds)s" data-zero-text="%(zero)s">%(text)s</strong>',
            seconds=seconds,
            zero=_("a moment"),
            text=duration_text(seconds),
        )
        if self.status.pairing_by_code:
            message = _(
                "The code changes about every 20 seconds and the new one appears here by "
                "itself. Next change in about %(countdown)s."
            )
        else:
            message = _(
                "The code changes every few seconds and the new one appears here by itself. "
                "Next change in about %(countdown)s."
            )
        return _html(message, countdown=countdown)

    @property
    def linked_public(self) -> str:
        if self.status.phone_masked:
            return _("Your phone (%(phone)s) is linked. You can close this page.") % {
                "phone": self.status.phone_masked
            }
        return _("Your phone is linked. You can close this page.")

    @property
    def linked_staff(self) -> Markup:
        if self.status.phone:
            phone = _html("<strong data-phone>+%(phone)s</strong>", phone=self.status.phone)
            return _html(_("The phone %(phone)s is linked to this instance."), phone=phone)
        return _html(_("The phone is linked to this instance."))

    @property
    def test_message_hint(self) -> Markup:
        return _html(
            _('<a href="%(url)s">Send a test message</a> to check that it really sends.'),
            url=f"{self.urls.get('page', '')}#test-message",
        )
