"""Demo people and resellers for `make run`, and the emulator's instances mirrored for them.

The instances are the emulator's (`manage.py seed_sandbox` creates them). They reach the mirror
only through the portal's own sync, getInstances over HTTP at GREEN_API_PARTNER_URL, so the
server must already answer: `make run` starts it first (partnerportal/run_dev.py). Each
unassigned instance named "<reseller name> · <label>" then goes to that reseller through the
assign service, as the demo admin; other names stay unassigned, and an instance someone has
already assigned is left alone. Running it again changes nothing.
"""

import secrets
import time
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from accounts.models import Reseller, User
from core.errors import ApplicationError
from instances.models import Instance
from instances.services.actions import instance_state_check
from instances.services.assign import instances_assign
from instances.services.sync import SyncResult, instances_sync

# (username, role, reseller name)
DEMO_USERS = (
    ("admin", User.Role.ADMIN, None),
    ("support", User.Role.SUPPORT, None),
    ("reseller-a", User.Role.RESELLER, "Reseller A"),
    ("reseller-b", User.Role.RESELLER, "Reseller B"),
)
DEMO_RESELLERS = (("Reseller A", 10), ("Reseller B", 5))
# The emulator's demo instances are named "<reseller name> · <label>" (docs/sandbox.md).
OWNER_SEPARATOR = " · "
# A sync started by a page holds the lock for a moment; wait for it this many times.
SYNC_ATTEMPTS = 20


class Command(BaseCommand):
    help = "Seed demo users and resellers, and mirror the emulator's instances (development only)."

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
            admin = self._users(resellers, password)
        synced = self._sync()
        assigned = self._assign(admin)
        self._check_states()
        self.stdout.write(
            f"Mirrored the emulator's instances: {synced.created} new, "
            f"{synced.updated} updated, {assigned} assigned to resellers."
        )
        url = f"http://127.0.0.1:{options['port']}/login/"
        self.stdout.write(self.style.SUCCESS(f"Log in at {url}"))
        self.stdout.write(
            f"  users: {', '.join(name for name, _, _ in DEMO_USERS)}\n  password: {password}"
        )

    def _resellers(self) -> dict[str, Reseller]:
        resellers = {}
        for name, quota in DEMO_RESELLERS:
            resellers[name], _ = Reseller.objects.get_or_create(
                name=name,
                defaults={
                    "contact_email": f"{name.split()[-1].lower()}@example.com",
                    "instance_quota": quota,
                },
            )
        return resellers

    def _users(self, resellers: dict[str, Reseller], password: str) -> User:
        """Create or reset the demo logins; return the admin, who assigns the instances."""
        users = {}
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
            users[username] = user
        return users["admin"]

    def _sync(self) -> SyncResult:
        """Mirror getInstances through the portal's own sync."""
        for _attempt in range(SYNC_ATTEMPTS):
            result = instances_sync()
            if result.ran:
                break
            time.sleep(0.5)
        else:
            raise CommandError("Another instance sync kept running; run seed_demo again later.")
        if result.error:
            raise CommandError(
                f"Could not mirror the emulator's instances from {settings.GREEN_API_PARTNER_URL} "
                f"(is the server running there?): {result.error}"
            )
        return result

    def _assign(self, admin: User) -> int:
        """Give each unassigned "<reseller> · <label>" instance to that reseller."""
        resellers = Reseller.objects.in_bulk(field_name="name")
        wanted: dict[Reseller, list[int]] = defaultdict(list)
        for instance in Instance.objects.filter(reseller=None, deleted=False):
            owner, separator, _label = instance.name.partition(OWNER_SEPARATOR)
            if separator and owner in resellers:
                wanted[resellers[owner]].append(instance.pk)
        assigned = 0
        for reseller, ids in wanted.items():
            try:
                assigned += instances_assign(user=admin, ids=ids, reseller=reseller)
            except ApplicationError as error:
                self.stderr.write(f"Not assigned to {reseller.name}: {error.message}")
        return assigned

    def _check_states(self) -> None:
        """Ask each instance's state, as its page would, so the list shows more than Unknown."""
        for instance in Instance.objects.filter(deleted=False):
            try:
                instance_state_check(instance=instance)
            except ApplicationError as error:
                self.stderr.write(f"State of {instance.name} unknown: {error.message}")
