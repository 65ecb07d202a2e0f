"""Demo data for `make run`: people, resellers, and emulator instances in several states."""

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from accounts.models import Reseller, User
from instances.models import Instance

# (username, role, reseller name)
DEMO_USERS = (
    ("admin", User.Role.ADMIN, None),
    ("support", User.Role.SUPPORT, None),
    ("reseller-a", User.Role.RESELLER, "Reseller A"),
    ("reseller-b", User.Role.RESELLER, "Reseller B"),
)
# (reseller name or None, instance name, messenger, emulator state or None for "being created")
DEMO_INSTANCES = (
    ("Reseller A", "Bakery orders", "whatsapp", "authorized"),
    ("Reseller A", "Bakery support", "whatsapp", "notAuthorized"),
    ("Reseller A", "Florist", "whatsapp", None),
    ("Reseller B", "Car wash", "whatsapp", "authorized"),
    ("Reseller B", "Dentist reminders", "whatsapp", "blocked"),
    ("Reseller B", "Dentist Telegram", "telegram", "notAuthorized"),
    (None, "Spare line", "whatsapp", "notAuthorized"),
)


class Command(BaseCommand):
    help = "Seed demo users, resellers and emulator instances (development only)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8000, help="where `make run` serves")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG or not settings.GREEN_API_SANDBOX:
            raise CommandError(
                "seed_demo only runs with DJANGO_DEBUG and GREEN_API_SANDBOX on: it writes "
                "well-known demo logins."
            )
        password = settings.DEMO_PASSWORD or secrets.token_urlsafe(12)
        with transaction.atomic():
            resellers = self._resellers()
            self._users(resellers, password)
            created = self._instances(resellers)
        url = f"http://127.0.0.1:{options['port']}/login/"
        if created:
            self.stdout.write(f"Seeded {created} emulator instances.")
        self.stdout.write(self.style.SUCCESS(f"Log in at {url}"))
        self.stdout.write(
            f"  users: {', '.join(name for name, _, _ in DEMO_USERS)}\n  password: {password}"
        )

    def _resellers(self) -> dict[str, Reseller]:
        resellers = {}
        for name, quota in (("Reseller A", 10), ("Reseller B", 5)):
            resellers[name], _ = Reseller.objects.get_or_create(
                name=name,
                defaults={
                    "contact_email": f"{name.split()[-1].lower()}@example.com",
                    "instance_quota": quota,
                },
            )
        return resellers

    def _users(self, resellers: dict[str, Reseller], password: str) -> None:
        for username, role, reseller_name in DEMO_USERS:
            user, _ = User.objects.get_or_create(
                username=username,
                defaults={
                    "role": role,
                    "reseller": resellers.get(reseller_name or ""),
                    "email": f"{username}@example.com",
                },
            )
            user.set_password(password)
            user.is_active = True
            user.save()

    def _instances(self, resellers: dict[str, Reseller]) -> int:
        """Create the emulator instances once, and their mirror rows with the owner."""
        from sandbox import transitions
        from sandbox.models import EmulatedInstance

        if EmulatedInstance.objects.exists():
            return 0
        now = timezone.now()
        for reseller_name, name, messenger, state in DEMO_INSTANCES:
            # Older creation times, so all but the "being created" one are ready at once.
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
            emulated.refresh_from_db()
            Instance.objects.create(
                id_instance=emulated.id_instance,
                name=emulated.name,
                type_instance=messenger,
                api_token=emulated.api_token,
                time_created=emulated.created_at,
                tariff="PARTNER_23",
                is_partner=True,
                expiration_date=emulated.created_at + timedelta(days=1),
                reseller=resellers.get(reseller_name or ""),
                state=state or Instance.State.CREATING,
                state_changed_at=now,
                phone=str(emulated.phone or ""),
            )
        return len(DEMO_INSTANCES)
