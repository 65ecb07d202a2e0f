"""Demo instances in the emulator's own tables, for `make run`.

The portal learns of these instances only over the wire, as of any upstream account's (its
`seed_demo` runs its own getInstances sync). The two share no code, only this naming convention:

    "<reseller name> · <label>"  for an instance meant for that reseller,
                                 e.g. "Reseller A · Bakery orders";
    a name without " · "         for one nobody owns yet, e.g. "Spare line".

Idempotent: an instance is created only when no live emulator instance has its name yet.
Development only: the emulator app is installed only with GREEN_API_SANDBOX on, which settings
allow only with DJANGO_DEBUG on.
"""

from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from sandbox import transitions
from sandbox.models import EmulatedInstance

# (name, messenger, state the instance rests in; None: still being created)
DEMO_INSTANCES = (
    ("Reseller A · Bakery orders", "whatsapp", "authorized"),
    ("Reseller A · Bakery support", "whatsapp", "notAuthorized"),
    ("Reseller A · Florist", "whatsapp", None),
    ("Reseller B · Car wash", "whatsapp", "authorized"),
    ("Reseller B · Dentist reminders", "whatsapp", "blocked"),
    ("Reseller B · Dentist Telegram", "telegram", "notAuthorized"),
    ("Spare line", "whatsapp", "notAuthorized"),
)


class Command(BaseCommand):
    help = "Create the demo instances in the Green API emulator (once; development only)."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            existing = set(
                EmulatedInstance.objects.filter(deleted_at=None).values_list("name", flat=True)
            )
            missing = [row for row in DEMO_INSTANCES if row[0] not in existing]
            for name, messenger, state in missing:
                self._create(name, messenger, state)
        if missing:
            self.stdout.write(f"Seeded {len(missing)} emulator instances.")
        else:
            self.stdout.write("The emulator already holds the demo instances.")

    def _create(self, name: str, messenger: str, state: str | None) -> None:
        now = timezone.now()
        # Created an hour ago, so all but the "being created" one are ready at once.
        created_at = now if state is None else now - timedelta(hours=1)
        emulated = transitions.create_instance(
            settings_values={"stateWebhook": "yes"},
            name=name,
            type_instance=messenger,
            now=created_at,
        )
        if emulated is None:
            raise CommandError("The emulator could not allocate an instance id.")
        if state not in (None, "notAuthorized"):
            transitions.force_state(
                emulated.id_instance,
                state=state,
                phone=79001230000 + emulated.id_instance % 10000,
                seconds=None,
                is_expired=None,
                now=now,
            )
