from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InstancesConfig(AppConfig):
    name = "instances"
    verbose_name = "Instances"

    def ready(self) -> None:
        from instances import checks, checks_worker  # noqa: F401  (registers the system checks)

        post_migrate.connect(_counts_rebuild, sender=self)


def _counts_rebuild(**kwargs: Any) -> None:
    """The list's counters, counted again after every migrate and flush (list_counts.py)."""
    from instances.list_counts import counts_rebuild

    counts_rebuild()
