from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Lifecycle events")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from events import receivers  # noqa: F401  (listens to instances.lifecycle)
