"""compile_catalogues builds the .mo files Django reads, without GNU gettext.

That it also runs with the image's throwaway build secrets is shown in
tests/accounts/test_deploy_settings.py.
"""

from __future__ import annotations

import gettext
from pathlib import Path
from typing import Any

import polib
from django.core.management import call_command


def test_a_missing_mo_is_compiled_and_reads_back(tmp_path: Path, settings: Any) -> None:
    messages = tmp_path / "ru" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    catalogue = polib.POFile()
    catalogue.metadata = {"Content-Type": "text/plain; charset=UTF-8"}
    catalogue.append(polib.POEntry(msgid="Instances", msgstr="Инстансы"))
    catalogue.save(str(messages / "django.po"))
    settings.LOCALE_PATHS = [tmp_path]

    call_command("compile_catalogues", verbosity=0)

    with (messages / "django.mo").open("rb") as compiled:
        assert gettext.GNUTranslations(compiled).gettext("Instances") == "Инстансы"
