from instances.jobs import SYNC
from instances.management.jobcommand import JobCommand


class Command(JobCommand):
    help = "Refresh the instance mirror from Green API's getInstances (the worker's sync job)."
    job = SYNC
    label = "Sync"
