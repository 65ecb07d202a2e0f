"""The Jinja2 environment for the hot pages: the instance list's content, rows and partials, and
the attention tables' rows.

Django's template language costs about half a millisecond a row on the instance list, and a
few milliseconds more for the filters, counts and pager around them; Jinja2 compiles templates
to Python and renders the same markup in a fraction of that. Django's filters are reused, so a
value reads the same in either engine. The layout stays one Django template (base.html).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.humanize.templatetags.humanize import intcomma, naturaltime
from django.template.defaultfilters import floatformat, urlencode
from django.templatetags.static import static
from django.urls import reverse
from django.utils import translation
from jinja2 import Environment

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


def environment(**options: Any) -> Environment:
    # Newstyle gettext: {{ _("Text %(n)s", n=...) }},
    # {{ ngettext("%(num)s instance", "%(num)s instances", n) }} (num is filled in) and
    # {{ pgettext("context", "Text") }}; a literal
    # % is %%. makemessages reads these with Jinja's parser (core/management/commands/).
    options.setdefault("extensions", []).append("jinja2.ext.i18n")
    env = Environment(**options)  # noqa: S701  (the backend turns autoescape on)
    env.install_gettext_callables(  # type: ignore[attr-defined]
        translation.gettext,
        translation.ngettext,
        newstyle=True,
        pgettext=translation.pgettext,
        npgettext=translation.npgettext,
    )
    env.globals.update(url=url, url_pattern=url_pattern, static=static)
    env.filters.update(
        intcomma=intcomma,
        naturaltime=naturaltime,
        urlencode=urlencode,
        floatformat=floatformat,
    )
    return env
