"""Django's makemessages, without guessing: a new string is untranslated, never "fuzzy".

By default msgmerge gives a new msgid the translation of the most similar old one, flagged
fuzzy. The English catalogue is filled by msgen, which keeps such a wrong guess, and a Russian
guess reads as a real translation until someone notices. With exact matching only, every new
string shows up as untranslated, which tests/core/test_catalogues.py reports.

Jinja2 templates (templates/jinja2/) are read by Jinja's own parser, not Django's: Django's
finds only a bare {{ _("Text") }}, while the pages call _("Text %(n)s", n=...) and
ngettext("%(num)s instance", "%(num)s instances", n) (newstyle gettext, partnerportal/jinja2.py).
"""

from __future__ import annotations

import os

import jinja2
from django.core.management.commands import makemessages

_JINJA_DIR = f"{os.sep}jinja2{os.sep}"
# Each Jinja2 gettext call: the function xgettext reads (as Python), and its string arguments.
_CALLS = {
    "_": ("gettext", 1),
    "gettext": ("gettext", 1),
    "ngettext": ("ngettext", 2),
    "pgettext": ("pgettext", 2),
    "npgettext": ("npgettext", 3),
}


def jinja_messages(source: str) -> str:
    """The translatable strings of a Jinja2 template, as Python calls on their own lines."""
    environment = jinja2.Environment(extensions=["jinja2.ext.i18n"])  # noqa: S701  (not rendered)
    lines = [""] * (source.count("\n") + 1)
    found = environment.extract_translations(source)  # type: ignore[attr-defined]  # i18n's
    for lineno, function, message in found:
        if function not in _CALLS:
            continue
        name, arity = _CALLS[function]
        strings = list(message)[:arity] if isinstance(message, tuple) else [message]
        if len(strings) < arity or not all(isinstance(text, str) for text in strings):
            continue  # a variable, not a literal: nothing to extract
        count = ", n" if name.startswith("n") else ""
        arguments = ", ".join(repr(text) for text in strings)
        lines[lineno - 1] += f"{name}({arguments}{count}); "
    return "\n".join(lines)


class JinjaAwareBuildFile(makemessages.BuildFile):
    def preprocess(self) -> None:
        if not (self.is_templatized and _JINJA_DIR in self.path):
            super().preprocess()
            return
        with open(self.path, encoding="utf-8") as source:
            content = jinja_messages(source.read())
        with open(self.work_path, "w", encoding="utf-8") as output:
            output.write(content)


class Command(makemessages.Command):
    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]
    build_file_class = JinjaAwareBuildFile
