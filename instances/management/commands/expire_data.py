from instances.jobs import EXPIRE
from instances.management.jobcommand import JobCommand


class Command(JobCommand):
    help = "Delete ended customer links, expired sessions and lapsed login records."
    job = EXPIRE
    label = "Expire"
