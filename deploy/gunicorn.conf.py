"""gunicorn's settings for the `web` service (docker-compose.yml); see docs/deploy.md.

Each can be changed from the environment: PORT (8000), WEB_CONCURRENCY (worker processes, 2),
GUNICORN_THREADS (threads per process, 1), GUNICORN_TIMEOUT (seconds, 30: keep it above
GREEN_API_ACTION_DEADLINE), GUNICORN_MAX_REQUESTS (50,000: a process is replaced after about
this many requests; 0 never) and GUNICORN_REUSE_PORT (false; true lets several replicas that share
one network namespace, as with host networking, listen on one port).
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path

# The project, for the log filter below: gunicorn loads this file before the application.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _bool(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in {"1", "true", "yes", "on"}


bind = [f"0.0.0.0:{os.environ.get('PORT', '8000')}"]
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
reuse_port = _bool("GUNICORN_REUSE_PORT")
# Worker heartbeats in memory, not on the container's overlay disk (gunicorn makes its files
# there with mkstemp, so a shared directory is safe).
_SHM = "/dev/shm"  # noqa: S108
worker_tmp_dir = _SHM if os.path.isdir(_SHM) else None
# A fresh process now and then keeps a slow leak from growing for weeks. Not too often: a restart
# costs a second of start-up and cold connections, and 500 onboarding tabs (250 requests a
# second) would restart each of two processes every 16 s at 2,000.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "50000"))
max_requests_jitter = max_requests // 10
# No control socket: it would live in the home directory, which is read-only in the image.
control_socket_disable = True
# Prometheus (monitoring/metrics.py): each worker process counts its Green API calls in its own
# memory, so a scrape would see one process's. In multiprocess mode they write the counts to
# files in this directory, emptied at each start, and /metrics adds up every process.
_metrics_dir = Path(worker_tmp_dir or tempfile.gettempdir()) / "partnerportal-metrics"
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", str(_metrics_dir))
shutil.rmtree(os.environ["PROMETHEUS_MULTIPROC_DIR"], ignore_errors=True)
os.makedirs(os.environ["PROMETHEUS_MULTIPROC_DIR"])
accesslog = "-"
errorlog = "-"
# Addresses, paths and timings; no query strings, cookies or other headers.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'


def on_starting(server: object) -> None:
    """Access lines print paths, and a customer link's path is its secret (core/redaction.py)."""
    import logging

    from core.redaction import RedactSecretsFilter

    for name in ("gunicorn.access", "gunicorn.error"):
        logging.getLogger(name).addFilter(RedactSecretsFilter())
