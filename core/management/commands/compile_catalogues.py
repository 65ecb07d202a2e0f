"""Compile the translation catalogues (locale/*/LC_MESSAGES/*.po) into the .mo files Django reads.

Django's compilemessages needs GNU gettext's msgfmt; this needs nothing outside the virtualenv,
so `make run`, `make test` and the image (Dockerfile) compile the same way on any machine.
Only .po files are committed; a .mo is rebuilt when its .po is newer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files, where the .mo is missing or older."
    # Like Django's compilemessages: compiling needs no working settings beyond LOCALE_PATHS, and
    # the image builds it with throwaway secrets that the deployment checks rightly refuse.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        compiled = 0
        for po_path in sorted(catalogue_paths()):
            mo_path = po_path.with_suffix(".mo")
            if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                continue
            try:
                catalogue = polib.pofile(str(po_path))
            except (OSError, ValueError) as error:
                raise CommandError(f"{po_path}: {error}") from error
            catalogue.save_as_mofile(str(mo_path))
            compiled += 1
        if options["verbosity"] > 0:
            self.stdout.write(f"Compiled {compiled} catalogue(s).")


def catalogue_paths() -> list[Path]:
    """Every .po file of the project's locale directories."""
    return [
        path for root in settings.LOCALE_PATHS for path in Path(root).glob("*/LC_MESSAGES/*.po")
    ]
