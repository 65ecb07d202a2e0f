# Fixtures: the receiving server, and an emulator instance of reseller A.
from tests.events.receiver import receiver as receiver
from tests.instances.live import live as live
