from collections.abc import Collection, Iterable
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class InstancesConfig(AppConfig):
    name = "instances"
    verbose_name = "Instances"

    def ready(self) -> None:
        from instances import checks, checks_worker  # noqa: F401  (registers the system checks)

        post_migrate.connect(_counts_rebuild, sender=self)
        _audit_targets_declare()


def _audit_targets_declare() -> None:
    """The audit log links an instance target to its page when the viewer may see it."""
    from accounts.audit_targets import audit_target_kind
    from instances.models import Instance

    def visible_ids(viewer: Any, ids: Collection[int]) -> Iterable[int]:
        return Instance.objects.visible_to(viewer).filter(pk__in=ids).values_list("pk", flat=True)

    audit_target_kind("instance", url_name="instances:detail", visible_ids=visible_ids)


def _counts_rebuild(**kwargs: Any) -> None:
    """The list's counters, counted again after every migrate and flush (list_counts.py)."""
    from instances.list_counts import counts_rebuild

    counts_rebuild()
