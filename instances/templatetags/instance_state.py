"""`{% state_checked instance %}`: when the state was last confirmed, and whether it is stale."""

from __future__ import annotations

from typing import Any

from django import template

from instances.models import Instance
from instances.state_freshness import state_freshness

register = template.Library()


@register.inclusion_tag("instances/_state_checked.html")
def state_checked(instance: Instance) -> dict[str, Any]:
    return {"freshness": state_freshness(instance)}
