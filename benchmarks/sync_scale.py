"""The sync at scale, on PostgreSQL, against the emulator over real HTTP.

The floor is what no sync can beat: fetching the same getInstances answer over HTTP and
`json.loads` of it, measured in the same process right before and after each sync (the mean of
the two; the best of 2 first syncs and 3 re-syncs is reported, as timeit does). Figures:

- first sync of 100,000 instances into an empty mirror ÷ the floor (goal <= 10);
- re-sync of 100,000 instances with 1 % renamed ÷ the floor (goal <= 2.0);
- peak memory (VmHWM) of a worker process syncing 500,000 instances into an empty mirror
  ÷ 300 MB (goal <= 1.0).

The emulator is a gunicorn server of its own (benchmarks/state_refresh.py's), whose listing gets
N synthetic instances through its control API (generated as the answer streams, docs/sandbox.md).
The portal side runs in child processes on a throwaway PostgreSQL database (created through
BENCH_POSTGRES_URL, the admin connection, and dropped after), so each one's peak memory is its
own. Without PostgreSQL the bench says "skipped".

Standalone: `.venv/bin/python benchmarks/sync_scale.py`. The "before" figures of older code:
`.venv/bin/python benchmarks/sync_scale.py --code /path/to/old/checkout --count 50000` (the old
client refuses answers over 32 MiB, about 80,000 instances).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from report import Figure  # benchmarks/report.py
from servers import ADMIN_URL, inherited_environment, postgres_reachable  # benchmarks/servers.py
from state_refresh import PARTNER_TOKEN, control, emulator  # benchmarks/state_refresh.py

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COUNT = 100_000
BIG = 500_000
CHANGED_EVERY = 100  # 1 % renamed between two answers
MEMORY_GOAL_MB = 300
FIRST_RUNS = 2
RESYNC_RUNS = 3


def bench_sync_scale(
    count: int = COUNT, big: int = BIG, code: Path = ROOT, label: str = ""
) -> list[Figure]:
    admin = ADMIN_URL
    if not postgres_reachable(admin):
        print("sync at scale: skipped (PostgreSQL is unreachable at BENCH_POSTGRES_URL)")
        return []
    load = os.getloadavg()[0]
    with emulator() as (url, _pid), database(admin) as db_url:
        migrate(code, db_url, url)
        scale = child(code, db_url, url, "scale", count)
        memory = child(code, db_url, url, "memory", big) if big else None
    print(f"sync at scale{label}: load average {load:.1f} at the start, {os.cpu_count()} cores")
    figures: list[Figure] = []
    print(f"  answer of {count:,} instances: {scale['bytes'] / 1e6:.0f} MB")
    if "error" in scale:
        print(f"  the sync failed: {scale['error']}")
    for key, name, goal, what in (
        ("first", "first sync ÷ floor", 10.0, "into an empty mirror"),
        ("resync", "re-sync ÷ floor", 2.0, "with 1 % renamed"),
    ):
        if key not in scale:
            continue
        print(
            f"  {name}: {scale[key + '_seconds']:.3f} s for {count:,} instances {what}, floor "
            f"(GET + json.loads) beside it {scale[key + '_floor']:.3f} s"
        )
        figures.append(Figure(name, scale[key], "<=", goal, f"{count:,} instances {what}{label}"))
        print(figures[-1].line())
    if memory is not None:
        if "error" in memory:
            print(f"  sync of {big:,} instances failed: {memory['error']}")
        else:
            peak = memory["peak_mb"]
            print(
                f"  sync of {big:,} instances into an empty mirror: {memory['seconds']:.1f} s, "
                f"peak memory (VmHWM) {peak:.0f} MB"
            )
            figures.append(
                Figure(
                    "sync peak memory ÷ 300 MB",
                    peak / MEMORY_GOAL_MB,
                    "<=",
                    1.0,
                    f"{big:,} instances{label}",
                )
            )
            print(figures[-1].line())
    return figures


@contextmanager
def database(admin: str) -> Iterator[str]:
    """A throwaway PostgreSQL database; yields its URL."""
    import psycopg

    name = f"pp_sync_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _environment(db_url: str, emulator_url: str) -> dict[str, str]:
    return inherited_environment() | {
        "DJANGO_SETTINGS_MODULE": "partnerportal.settings_test",
        "DATABASE_URL": db_url,
        "GREEN_API_PARTNER_URL": emulator_url,
        "GREEN_API_PARTNER_TOKEN": PARTNER_TOKEN,
        "GREEN_API_DEADLINE": "120",
    }


def migrate(code: Path, db_url: str, emulator_url: str) -> None:
    subprocess.run(  # noqa: S603  (a fixed command line)
        [str(BIN / "python"), "manage.py", "migrate", "--no-input"],
        cwd=code,
        env=_environment(db_url, emulator_url),
        capture_output=True,
        timeout=300,
        check=True,
    )


def child(code: Path, db_url: str, emulator_url: str, mode: str, count: int) -> dict[str, Any]:
    """Run one measurement in a fresh process of `code`'s portal; its JSON result."""
    done = subprocess.run(  # noqa: S603  (a fixed command line)
        [str(BIN / "python"), __file__, "--child", mode, "--count", str(count), "--code", code],
        cwd=code,
        env=_environment(db_url, emulator_url),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {mode} child failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---- in the child process -------------------------------------------------------------------


def _child_main(mode: str, count: int, code: Path) -> None:
    sys.path.insert(0, str(code))
    import django

    django.setup()
    from django.conf import settings

    url = settings.GREEN_API_PARTNER_URL
    listing(url, count=count)
    result = _scale(url, count) if mode == "scale" else _memory(count)
    print(json.dumps(result))


def listing(url: str, **spec: Any) -> None:
    control("POST", f"{url}/control/listing", json=spec)


def _floor(url: str) -> tuple[float, int]:
    started = time.perf_counter()
    body = requests.get(f"{url}/partner/getInstances/{PARTNER_TOKEN}", timeout=120).content
    json.loads(body)
    return time.perf_counter() - started, len(body)


def _timed_sync() -> tuple[float, Any]:
    from instances.services.sync import instances_sync

    started = time.perf_counter()
    result = instances_sync()
    return time.perf_counter() - started, result


def _empty_mirror() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE instances_instance CASCADE")


def _beside_floor(url: str, sync: Any) -> tuple[float, float, Any]:
    """Time `sync()` between two floor measurements: (its seconds, the floor's, its result).

    The machine is shared, so each sync is compared with the floor measured right beside it.
    """
    before = _floor(url)[0]
    seconds, result = sync()
    return seconds, (before + _floor(url)[0]) / 2, result


def _scale(url: str, count: int) -> dict[str, Any]:
    _floor(url)  # warm the emulator and the connection
    out: dict[str, Any] = {"bytes": _floor(url)[1]}
    firsts = []
    for _ in range(FIRST_RUNS):
        _empty_mirror()
        seconds, floor, result = _beside_floor(url, _timed_sync)
        if result.error:
            return out | {"error": result.error, "floor": floor}
        assert result.created == count, result
        firsts.append((seconds / floor, seconds, floor))
    resyncs = []
    for suffix in "bcd"[:RESYNC_RUNS]:
        listing(url, count=count, renameEvery=CHANGED_EVERY, nameSuffix=suffix)
        seconds, floor, result = _beside_floor(url, _timed_sync)
        assert (result.error, result.updated) == ("", count // CHANGED_EVERY), result
        resyncs.append((seconds / floor, seconds, floor))
    # The best of the runs, as timeit reports: the one least disturbed by the other load.
    out["first"], out["first_seconds"], out["first_floor"] = min(firsts)
    out["resync"], out["resync_seconds"], out["resync_floor"] = min(resyncs)
    return out


def _memory(count: int) -> dict[str, Any]:
    _empty_mirror()
    seconds, result = _timed_sync()
    if result.error:
        return {"error": result.error}
    assert result.created == count, result
    return {"seconds": seconds, "peak_mb": _peak_mb()}


def _peak_mb() -> float:
    """This process's resident memory high-water mark (Linux VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=COUNT)
    parser.add_argument("--big", type=int, default=BIG, help="0 skips the memory figure")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose sync runs")
    parser.add_argument("--child", choices=["scale", "memory"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child_main(args.child, args.count, args.code)
        return
    label = "" if args.code == ROOT else f", code at {args.code}"
    bench_sync_scale(args.count, args.big, args.code.resolve(), label)


if __name__ == "__main__":
    main()
