"""The Jinja2 environment for the hot pages: the instance list's content, rows and partials.

Django's template language costs about half a millisecond a row on the instance list, and a
few milliseconds more for the filters, counts and pager around them; Jinja2 compiles templates
to Python and renders the same markup in a fraction of that. Django's filters are reused, so a
value reads the same in either engine. The layout stays one Django template (base.html).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma, naturaltime
from django.template.defaultfilters import floatformat, urlencode
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats, timezone, translation
from jinja2 import Environment, pass_context
from jinja2.runtime import Context

from core.templatetags.clock import when

_PLACEHOLDER = 918273645


@cache
def url_pattern(name: str) -> str:
    """The URL of `name` for one integer argument, as a str.format pattern.

    Reversing a URL costs tens of microseconds; a page of fifty rows asks for fifty of them.
    """
    return reverse(name, args=[_PLACEHOLDER]).replace(str(_PLACEHOLDER), "{}")


@cache
def url(name: str) -> str:
    """The URL of `name`, which takes no arguments."""
    return reverse(name)


# Django's date format letters that the portal's formats use, as strftime directives.
_STRFTIME = str.maketrans(
    {"Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "i": "%M", "s": "%S", "T": "%Z"}
)


@cache
def _strftime_pattern(language: str | None, format_name: str) -> str:
    """The language's `format_name` (partnerportal/formats) as a strftime pattern.

    strftime is several times faster than Django's dateformat, and the list formats dates on
    every row; the formats use only the letters above.
    """
    return str(formats.get_format(format_name, lang=language)).translate(_STRFTIME)


@pass_context
def date(context: Context, value: datetime | None, format_name: str = "SHORT_DATE_FORMAT") -> str:
    """`value` in the current time zone, in the language's format `format_name`; "" for None.

    A page may put the zone in its context as `time_zone`: looking the active zone up costs
    more than the conversion (a list page converts two times a row).
    """
    if not value:
        return ""
    zone = context.get("time_zone") or timezone.get_current_timezone()
    pattern = _strftime_pattern(translation.get_language(), format_name)
    return value.astimezone(zone).strftime(pattern)


def environment(**options: Any) -> Environment:
    # Newstyle gettext: {{ _("Text %(n)s", n=...) }} and
    # {{ ngettext("%(num)s instance", "%(num)s instances", n) }} (num is filled in); a literal
    # % is %%. makemessages reads these with Jinja's parser (core/management/commands/).
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    env = Environment(**options)  # noqa: S701  (the backend turns autoescape on)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext, translation.ngettext, newstyle=True
    )
    env.globals.update(url=url, url_pattern=url_pattern, static=static)
    env.filters.update(
        date=date,
        intcomma=intcomma,
        naturaltime=naturaltime,
        urlencode=urlencode,
        floatformat=floatformat,
        when=when,
    )
    return env
