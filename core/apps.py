from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Small shared pieces with no domain: encryption, redaction, rate limits, errors, "go back"."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from core.db import use_fast_timestamps

        connection_created.connect(use_fast_timestamps, dispatch_uid="core.db.use_fast_timestamps")
