from tests.instances.live import live, short_timeouts  # noqa: F401  (fixtures)
