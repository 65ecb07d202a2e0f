"""`{% state_checked instance %}`: when the state was last confirmed, and whether it is stale."""

from __future__ import annotations

from django import template
from django.template import engines
from django.utils.safestring import mark_safe

from instances.models import Instance
from instances.state_freshness import state_freshness

register = template.Library()


@register.simple_tag
def state_checked(instance: Instance) -> str:
    # One template for this markup, in Jinja2, since the list renders it on every row.
    macros = engines["jinja2"].env.get_template("instances/_state_checked.html").module
    return mark_safe(macros.state_checked(state_freshness(instance)))  # noqa: S308  (autoescaped)
