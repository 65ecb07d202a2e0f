"""makemessages reads the Jinja2 templates with Jinja's own parser: newstyle gettext calls with
their variables, and plurals, reach the catalogue (Django's reader found only a bare _("Text"))."""

from __future__ import annotations

from core.management.commands.makemessages import jinja_messages


def test_the_jinja_calls_become_python_calls_xgettext_reads() -> None:
    source = (
        '<h1>{{ _("Instances") }}</h1>\n'
        '<p title="{{ _("Select %(id)s", id=row.id) }}">'
        '{{ ngettext("%(num)s instance", "%(num)s instances", total, num=total|intcomma) }}</p>\n'
        '{% set label = _("(no name)") %}{{ _(variable) }}{{ pgettext("a place", "Go") }}'
    )

    extracted = jinja_messages(source).splitlines()

    assert extracted == [
        "gettext('Instances'); ",
        "gettext('Select %(id)s'); ngettext('%(num)s instance', '%(num)s instances', n); ",
        "gettext('(no name)'); pgettext('a place', 'Go'); ",
    ]
