from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Small shared pieces with no domain: encryption, redaction, rate limits, errors, "go back"."""

    name = "core"
    verbose_name = "Core"
