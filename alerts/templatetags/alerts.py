"""The "Alerts sent" list on an instance's page: a tag, so instances never imports alerts."""

from __future__ import annotations

from typing import Any

from django import template

from alerts.selectors import deliveries_of

register = template.Library()


@register.inclusion_tag("alerts/_deliveries.html", takes_context=True)
def alerts_sent(context: dict[str, Any], instance: Any) -> dict[str, Any]:
    return {"deliveries": deliveries_of(user=context["request"].user, instance=instance)}
