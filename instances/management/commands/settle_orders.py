from instances.jobs import SETTLE
from instances.management.jobcommand import JobCommand


class Command(JobCommand):
    help = "Settle create orders whose outcome is unknown, from one getInstances answer."
    job = SETTLE
    label = "Settle"
