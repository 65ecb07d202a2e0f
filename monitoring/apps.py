from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    """Health probes (/healthz, /readyz) and Prometheus metrics (/metrics, the worker's port)."""

    name = "monitoring"
    verbose_name = "Monitoring"

    def ready(self) -> None:
        from huey.contrib.djhuey import HUEY

        from monitoring import checks, worker  # noqa: F401  (checks: registers the system checks)

        # Only the task consumer (`manage.py run_huey`) runs startup hooks and executes tasks.
        HUEY.on_startup("monitoring_metrics_server")(worker.metrics_server_start)
        HUEY.signal()(worker.task_signal)
