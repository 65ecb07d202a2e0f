from tests.instances.live import live  # noqa: F401  (fixture)
