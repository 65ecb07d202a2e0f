"""Recovery guides: what each attention condition means, its likely cause, and the next step.

The causes are the ones Green API's documentation and issue tracker give (docs/greenapi.md
§3.1, §3.2 and §3.18 cite them). Each step names the page that does it and the permission it needs,
so a guide offers each person only the steps their role allows (accounts/permissions.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.permissions import Action
from instances.attention import Kind

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise


@dataclass(frozen=True)
class Step:
    label_text: str | _StrPromise
    url_name: str  # an instance page taking the instance id, or a page taking none
    action: Action
    per_instance: bool = True

    @property
    def label(self) -> str:
        """In the language active when read: a page's reader's, or an e-mail's recipient's."""
        return str(self.label_text)


@dataclass(frozen=True)
class Guide:
    title_text: str | _StrPromise
    meaning_text: str | _StrPromise
    cause_text: str | _StrPromise
    steps: tuple[Step, ...] = ()

    # Each in the language active when read (Step.label).
    @property
    def title(self) -> str:
        return str(self.title_text)

    @property
    def meaning(self) -> str:
        return str(self.meaning_text)

    @property
    def cause(self) -> str:
        return str(self.cause_text)

    def translated(self) -> Guide:
        """This guide with its texts, steps' labels included, read once in the active language:
        a page of fifty items would otherwise translate each of them fifty times."""
        return replace(
            self,
            title_text=self.title,
            meaning_text=self.meaning,
            cause_text=self.cause,
            steps=tuple(replace(step, label_text=step.label) for step in self.steps),
        )


RELINK = Step(_("Issue a customer link and send it"), "instances:connect", Action.ONBOARD)
LINK_PHONE = Step(_("Link the phone again"), "instances:connect", Action.ONBOARD)
REBOOT = Step(_("Reboot the instance"), "instances:reboot", Action.REBOOT_LOGOUT)
LOGOUT = Step(_("Log out, then link again"), "instances:logout", Action.REBOOT_LOGOUT)
REFRESH = Step(_("Check the state now"), "instances:detail", Action.VIEW_INSTANCES)
CREATE_AGAIN = Step(
    _("Create it again"), "instances:create", Action.CREATE_INSTANCE, per_instance=False
)

GUIDES: dict[Kind, Guide] = {
    Kind.BLOCKED: Guide(
        _("Blocked by the messenger"),
        _("The messenger banned this phone number; nothing can be sent or received with it."),
        _(
            "Usually spam reports or bulk messages to people who never wrote first. Only the "
            "messenger's own support can lift a ban; link another number to go on."
        ),
        (LOGOUT, RELINK),
    ),
    Kind.LOGGED_OUT: Guide(
        pgettext_lazy("phone", "Logged out"),
        _("The phone was linked, and now it is not: messages are not sent or received."),
        _(
            "The customer removed the linked device on the phone, or WhatsApp ended the session, "
            "which it does when it suspects spam, often before a ban. A drop minutes after pairing "
            "is a known Green API problem, and the state is sometimes wrong: a reboot shows "
            "whether it is still linked. Just after a logout a new QR code can take a while."
        ),
        (REBOOT, RELINK, LINK_PHONE),
    ),
    Kind.YELLOW_CARD: Guide(
        _("Sending suspended (yellow card)"),
        _(
            "The messenger suspended sending for spam-like behaviour. New messages wait in the "
            "queue for 24 hours."
        ),
        _(
            "Many messages to new contacts in a short time. Green API says a reboot is needed to "
            "go on; slow down the sending (the delay between messages) first."
        ),
        (REBOOT,),
    ),
    Kind.STUCK: Guide(
        _("Stuck starting"),
        _("The instance has been starting (or being created) for longer than it should."),
        _(
            "Green API restarts instances for maintenance and says one should be back within about "
            "5 minutes. A failed scan, or polling the QR code for a long time, can leave it "
            "starting until a reboot or a logout. Reboot it; if it stays, contact Green API's "
            "support."
        ),
        (REBOOT, LOGOUT),
    ),
    Kind.OFFLINE: Guide(
        _("Looks linked, but offline"),
        _(
            "Green API says the phone is linked, but the messenger's connection has been offline "
            "for over 10 minutes: messages are neither sent nor received."
        ),
        _(
            "The phone is off, out of coverage, or its battery saver closed WhatsApp. Green API "
            "calls this status unreliable alone; a reboot re-opens the connection on its side."
        ),
        (REBOOT, REFRESH),
    ),
    Kind.QUEUE_GROWING: Guide(
        _("Messages not leaving"),
        _("Messages keep piling up in the outgoing queue: they are accepted, but not sent."),
        _(
            "The connection dropped without the state changing, or sending is held back (a yellow "
            "card on its way). Messages wait in the queue for 24 hours; a reboot usually starts "
            "sending again."
        ),
        (REBOOT, REFRESH),
    ),
    Kind.FLAPPING: Guide(
        _("State keeps changing"),
        _("The state changed three times or more within an hour."),
        _(
            "An unstable phone connection, or the phone's battery saver closing WhatsApp. Ask the "
            "customer to keep the phone online and charged; a reboot clears a stuck session."
        ),
        (REBOOT, REFRESH),
    ),
    Kind.EXPIRED: Guide(
        pgettext_lazy("instance", "Expired"),
        _("Green API marks this instance expired: it stops working until it is paid for."),
        _("The partner account's balance or the instance's paid period ran out."),
        (REFRESH,),
    ),
    Kind.ORDER_FAILED: Guide(
        _("Create failed"),
        _("A create order did not produce an instance."),
        _(
            "Its page says what Green API answered. A quota that is full, a refusal or an "
            "unreachable Green API are the usual causes."
        ),
        (CREATE_AGAIN,),
    ),
    Kind.ORDER_PENDING: Guide(
        _("Create not settled"),
        _(
            "Green API did not answer a create clearly, so it is not known yet whether the "
            "instance exists. It holds a place in the reseller's quota until settled."
        ),
        _(
            "A timeout or a refusal of the create call; the worker checks Green API's list, and "
            "partner staff can check it now from the order's page."
        ),
    ),
    Kind.LINK_EXPIRING: Guide(
        _("Customer link expiring unused"),
        _("A customer link expires within a day and nobody has opened it yet."),
        _(
            "The customer did not get the link, or has not had time. Send it again, or issue a "
            "new one."
        ),
        (RELINK,),
    ),
    Kind.UNCONFIRMED: Guide(
        _("State not confirmed"),
        _(
            "The portal has not been able to confirm this instance's state for longer than twice "
            "its target, so what the list shows may be out of date."
        ),
        _(
            "The worker is not running or is behind, or Green API does not answer for this "
            "instance."
        ),
        (REFRESH,),
    ),
}
assert set(GUIDES) == set(Kind), "every attention condition needs a recovery guide"
