"""The translation catalogues are complete, and no page text escapes them.

.ci/run also extracts the strings afresh (`make messages`) and fails when locale/ changes, so a
string marked but not yet in the catalogue is caught there; these tests check what is in it.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
TEMPLATES = settings.BASE_DIR / "templates"
LANGUAGES = [code for code, _name in settings.LANGUAGES]
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%[sd]|\{(\w*)\}")


def catalogues() -> list[Path]:
    return sorted(LOCALE.glob("*/LC_MESSAGES/*.po"))


def test_every_language_has_a_catalogue() -> None:
    assert {path.parts[-3] for path in catalogues()} == set(LANGUAGES)


@pytest.mark.parametrize("path", catalogues(), ids=lambda path: "/".join(path.parts[-3:]))
def test_catalogue_is_complete(path: Path) -> None:
    catalogue = polib.pofile(str(path))
    assert [entry.msgid for entry in catalogue.untranslated_entries()] == []
    assert [entry.msgid for entry in catalogue.fuzzy_entries()] == []
    assert [entry.msgid for entry in catalogue.obsolete_entries()] == []


@pytest.mark.parametrize("path", catalogues(), ids=lambda path: "/".join(path.parts[-3:]))
def test_translations_keep_their_placeholders(path: Path) -> None:
    """A translation that drops or renames %(name)s would fail, or say less, when formatted."""
    wrong = []
    for entry in polib.pofile(str(path)).translated_entries():
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            found = sorted(PLACEHOLDER.findall(text))
            # A plural form may leave the count out ("one instance"); nothing else.
            if found != wanted and sorted(set(wanted) - set(found)) != [("num", "")]:
                wrong.append((entry.msgid, text))
    assert wrong == []


def test_russian_plurals_have_three_forms() -> None:
    catalogue = polib.pofile(str(LOCALE / "ru" / "LC_MESSAGES" / "django.po"))
    short = [e.msgid for e in catalogue if e.msgid_plural and len(e.msgstr_plural) != 3]
    assert short == []


# --- No page text outside the catalogue -------------------------------------------------------

# Template syntax, removed before reading what is left as HTML: comments, translated blocks,
# tags and variables (which hold translated text or data, not prose).
TEMPLATE_SYNTAX = re.compile(
    r"\{#.*?#\}|\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}"
    r"|\{%\s*blocktrans(?:late)?\b.*?\{%\s*endblocktrans(?:late)?\s*%\}"
    r"|\{%.*?%\}|\{\{.*?\}\}",
    re.DOTALL,
)
# Attributes a person reads or hears.
READ_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "aria-description"}
# Names, not words: the same in every language.
NAMES = re.compile(
    r"\b(?:Green API|Partner Portal|WhatsApp|Telegram|MAX|QR|ID|CSV|API|UTC|English|Русский)\b"
)
WORD = re.compile(r"[A-Za-z]{2,}")


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        self.found += [value for name, value in attrs if name in READ_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.found.append(data)


def untranslated_text(source: str) -> list[str]:
    parser = _Text()
    parser.feed(TEMPLATE_SYNTAX.sub(" ", source))
    return [" ".join(text.split()) for text in parser.found if WORD.search(NAMES.sub("", text))]


def page_templates() -> list[Path]:
    # The e-mails are plain text for one recipient; they are translated by their own test.
    return sorted(path for path in TEMPLATES.rglob("*.html") if "email" not in path.parts)


@pytest.mark.parametrize(
    "path", page_templates(), ids=lambda path: str(path.relative_to(TEMPLATES))
)
def test_template_text_is_translated(path: Path) -> None:
    assert untranslated_text(path.read_text()) == []


def test_the_check_sees_untranslated_text() -> None:
    source = (
        '{% load i18n %}<p title="Plain">{% translate "Fine" %} Left out</p>'
        '{% blocktranslate %}Also fine{% endblocktranslate %}<script>var x = "code";</script>'
        '<button aria-label="{% translate "Close" %}">{{ _("Jinja is fine") }}</button>'
        "<span>Green API · QR</span>"
    )
    assert untranslated_text(source) == ["Plain", "Left out"]
