"""`{% state_checked instance %}`: when the state was last confirmed, and whether it is stale."""

from __future__ import annotations

from django import template
from django.template import engines
from django.template.backends.jinja2 import Jinja2
from django.utils import timezone
from django.utils.safestring import mark_safe

from instances.list_rows import RowWords
from instances.models import Instance
from instances.state_freshness import state_freshness

register = template.Library()


@register.simple_tag
def state_checked(instance: Instance) -> str:
    # One template for this markup, in Jinja2, since the list renders it on every row.
    engine = engines["jinja2"]
    assert isinstance(engine, Jinja2)
    macros = engine.env.get_template("instances/_state_checked.html").module
    macro = getattr(macros, "state_checked")  # noqa: B009  (a Jinja2 macro: typed as Any)
    words = RowWords(now=timezone.now(), zone=timezone.get_current_timezone())
    note = words.checked(state_freshness(instance, now=words.now))
    return mark_safe(str(macro(note)))  # noqa: S308  (Jinja2 escaped it)
