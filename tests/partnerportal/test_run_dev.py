"""`make run` serves the portal and runs the worker: the demo's states are true within a minute.

The steps of `make run` after its install, from nothing, on a database of their own (a SQLite
file, whatever database the suite uses) and a free port; one Ctrl-C stops everything. Once the
demo is seeded, every demo phone is linked or logged out at the emulator, and the mirror must
follow with no page view.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.processes import Process, free_port

# About a minute of real processes: started first, so a parallel run does not end on it.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
MINUTE = 60.0
TOKEN = "gac.00000000000000000000000000000042"
FLIP = {"authorized": "notAuthorized", "notAuthorized": "authorized"}


def mirror_matches_the_emulator(database: Path) -> bool:
    """Every instance of the emulator is mirrored with the state the emulator has, confirmed."""
    with sqlite3.connect(database) as db:
        emulated = dict(
            db.execute(
                "SELECT id_instance, state FROM sandbox_emulatedinstance WHERE deleted_at IS NULL"
            )
        )
        mirrored = dict(
            db.execute(
                "SELECT id_instance, state FROM instances_instance "
                "WHERE deleted = 0 AND state_checked_at IS NOT NULL"
            )
        )
    return bool(emulated) and mirrored == emulated


def test_make_run_serves_and_its_worker_shows_the_demo_states_within_a_minute(
    tmp_path: Path,
) -> None:
    port = free_port()
    database = tmp_path / "run.sqlite3"
    env = {
        **os.environ,
        # What `make run` sets (Makefile, RUN_ENV), on throwaway files.
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings",
        "DJANGO_DEBUG": "true",
        "GREEN_API_SANDBOX": "true",
        "GREEN_API_PARTNER_URL": f"http://127.0.0.1:{port}/sandbox",
        "DATABASE_URL": f"sqlite:///{database}",
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.sqlite3"),
        "DEMO_PASSWORD": "demo-password-for-tests",
        "GREEN_API_PARTNER_TOKEN": TOKEN,
        "LOG_LEVEL": "INFO",  # the suite's WARNING would hide the worker's job lines
        "PYTHONUNBUFFERED": "1",
    }
    for step in (["migrate", "--no-input"], ["seed_sandbox"]):
        subprocess.run(  # noqa: S603 (our own fixed commands)
            [sys.executable, str(ROOT / "manage.py"), *step],
            env=env,
            check=True,
            capture_output=True,
        )
    run = Process(
        [sys.executable, str(ROOT / "partnerportal" / "run_dev.py"), "--port", str(port)], env=env
    )
    try:
        run.wait_for_line(r"Log in at http://127\.0\.0\.1:\d+/login/", timeout=MINUTE)
        flipped = flip_demo_phones(database, f"http://127.0.0.1:{port}/sandbox")
        changed = time.monotonic()
        run.wait_until(
            lambda: mirror_matches_the_emulator(database),
            "mirror with the emulator's new states",
            timeout=MINUTE,
        )
        took = time.monotonic() - changed
    finally:
        run.stop(signal.SIGINT)  # Ctrl-C

    assert flipped >= 2
    assert took < MINUTE
    assert run.popen.returncode in {0, 128 + signal.SIGINT}
    assert "Job refresh:" in "".join(run.lines)  # the worker, beside the server


def flip_demo_phones(database: Path, sandbox: str) -> int:
    """Link every unlinked demo phone and log out every linked one, at the emulator."""
    with sqlite3.connect(database) as db:
        rows = list(
            db.execute(
                "SELECT id_instance, state FROM sandbox_emulatedinstance WHERE deleted_at IS NULL"
            )
        )
    flipped = 0
    for id_instance, state in rows:
        if state in FLIP:
            response = requests.post(
                f"{sandbox}/control/instances/{id_instance}/state",
                json={"state": FLIP[state]},
                headers={"Authorization": f"Bearer {TOKEN}"},
                timeout=10,
            )
            response.raise_for_status()
            flipped += 1
    return flipped
