"""Recovery guides: what each attention condition means, its likely cause, and the next step.

The causes are the ones Green API's documentation and issue tracker give (docs/greenapi.md
§3.1, §3.2 and §3.18 cite them). Each step names the page that does it and the permission it needs,
so a guide offers each person only the steps their role allows (accounts/permissions.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.permissions import Action
from instances.attention import Kind


@dataclass(frozen=True)
class Step:
    label: str
    url_name: str  # an instance page taking the instance id, or a page taking none
    action: Action
    per_instance: bool = True


@dataclass(frozen=True)
class Guide:
    title: str
    meaning: str
    cause: str
    steps: tuple[Step, ...] = ()


RELINK = Step("Issue a customer link and send it", "instances:connect", Action.ONBOARD)
LINK_PHONE = Step("Link the phone again", "instances:connect", Action.ONBOARD)
REBOOT = Step("Reboot the instance", "instances:reboot", Action.REBOOT_LOGOUT)
LOGOUT = Step("Log out, then link again", "instances:logout", Action.REBOOT_LOGOUT)
REFRESH = Step("Check the state now", "instances:detail", Action.VIEW_INSTANCES)
CREATE_AGAIN = Step(
    "Create it again", "instances:create", Action.CREATE_INSTANCE, per_instance=False
)

GUIDES: dict[Kind, Guide] = {
    Kind.BLOCKED: Guide(
        "Blocked by the messenger",
        "The messenger banned this phone number; nothing can be sent or received with it.",
        "Usually spam reports or bulk messages to people who never wrote first. Only the "
        "messenger's own support can lift a ban; link another number to go on.",
        (LOGOUT, RELINK),
    ),
    Kind.LOGGED_OUT: Guide(
        "Logged out",
        "The phone was linked, and now it is not: messages are not sent or received.",
        "The customer removed the linked device on the phone, or WhatsApp ended the session, "
        "which it does when it suspects spam, often before a ban. A drop minutes after pairing "
        "is a known Green API problem, and the state is sometimes wrong: a reboot shows "
        "whether it is still linked. Just after a logout a new QR code can take a while.",
        (REBOOT, RELINK, LINK_PHONE),
    ),
    Kind.YELLOW_CARD: Guide(
        "Sending suspended (yellow card)",
        "The messenger suspended sending for spam-like behaviour. New messages wait in the "
        "queue for 24 hours.",
        "Many messages to new contacts in a short time. Green API says a reboot is needed to "
        "go on; slow down the sending (the delay between messages) first.",
        (REBOOT,),
    ),
    Kind.STUCK: Guide(
        "Stuck starting",
        "The instance has been starting (or being created) for longer than it should.",
        "Green API restarts instances for maintenance and says one should be back within about "
        "5 minutes. A failed scan, or polling the QR code for a long time, can leave it "
        "starting until a reboot or a logout. Reboot it; if it stays, contact Green API's "
        "support.",
        (REBOOT, LOGOUT),
    ),
    Kind.OFFLINE: Guide(
        "Looks linked, but offline",
        "Green API says the phone is linked, but the messenger's connection has been offline "
        "for over 10 minutes: messages are neither sent nor received.",
        "The phone is off, out of coverage, or its battery saver closed WhatsApp. Green API "
        "calls this status unreliable alone; a reboot re-opens the connection on its side.",
        (REBOOT, REFRESH),
    ),
    Kind.QUEUE_GROWING: Guide(
        "Messages not leaving",
        "Messages keep piling up in the outgoing queue: they are accepted, but not sent.",
        "The connection dropped without the state changing, or sending is held back (a yellow "
        "card on its way). Messages wait in the queue for 24 hours; a reboot usually starts "
        "sending again.",
        (REBOOT, REFRESH),
    ),
    Kind.FLAPPING: Guide(
        "State keeps changing",
        "The state changed three times or more within an hour.",
        "An unstable phone connection, or the phone's battery saver closing WhatsApp. Ask the "
        "customer to keep the phone online and charged; a reboot clears a stuck session.",
        (REBOOT, REFRESH),
    ),
    Kind.EXPIRED: Guide(
        "Expired",
        "Green API marks this instance expired: it stops working until it is paid for.",
        "The partner account's balance or the instance's paid period ran out.",
        (REFRESH,),
    ),
    Kind.ORDER_FAILED: Guide(
        "Create failed",
        "A create order did not produce an instance.",
        "Its page says what Green API answered. A quota that is full, a refusal or an "
        "unreachable Green API are the usual causes.",
        (CREATE_AGAIN,),
    ),
    Kind.ORDER_PENDING: Guide(
        "Create not settled",
        "Green API did not answer a create clearly, so it is not known yet whether the "
        "instance exists. It holds a place in the reseller's quota until settled.",
        "A timeout or a refusal of the create call; the worker checks Green API's list, and "
        "partner staff can check it now from the order's page.",
    ),
    Kind.LINK_EXPIRING: Guide(
        "Customer link expiring unused",
        "A customer link expires within a day and nobody has opened it yet.",
        "The customer did not get the link, or has not had time. Send it again, or issue a "
        "new one.",
        (RELINK,),
    ),
    Kind.UNCONFIRMED: Guide(
        "State not confirmed",
        "The portal has not been able to confirm this instance's state for longer than twice "
        "its target, so what the list shows may be out of date.",
        "The worker is not running or is behind, or Green API does not answer for this instance.",
        (REFRESH,),
    ),
}
assert set(GUIDES) == set(Kind), "every attention condition needs a recovery guide"
