"""The clinic group's hub under load (`make bench` runs it; `python bench/hub.py` alone prints its JSON).

1. Converging: 50 simulated kiosks (50 SQLite files, each enrolled with its own role, synced by several worker
   processes) take a new release of the real bundled content: the time from publishing until the hub sees all 50
   on it, and the hub's load meanwhile (PostgreSQL's CPU time, connections, data sent).
2. Heartbeats: kiosks' visits (counts pushed, heartbeat, a look for a release), paced at 500 a minute for a minute
   against one hub, with each visit's time; then as many as the workers can send, for the hub's ceiling here.

The hub is a real PostgreSQL server in a temporary folder, with fsync on (as a hub would run). Everything stays
on this machine (127.0.0.1), and every loop is bounded in count and time.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

KIOSKS = 50
WORKERS = 4
HEARTBEATS_PER_MINUTE = 500
PACED_SECONDS = 60
CEILING_SECONDS = 15


def _clock_ticks() -> int:
    return os.sysconf("SC_CLK_TCK")


def hub_cpu_seconds(postmaster: int) -> float:
    """CPU time (user + system) of the server and every process it started, from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster or ppid == postmaster:
            total += (
                int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
            )  # utime stime cutime cstime
    return total / _clock_ticks()


def _sync(paths: list[str]) -> list[float]:
    """A worker process: one visit per kiosk, in turn; the seconds each took."""
    from kiosk.services import fleet

    times = []
    for path in paths:
        started = time.perf_counter()
        fleet.sync_once(Path(path))
        times.append(time.perf_counter() - started)
    return times


def _paced(paths: list[str], per_second: float, seconds: float, offset: float) -> list[float]:
    """A worker process: visits at a steady rate (round the kiosks), for `seconds`; the seconds each took."""
    from kiosk.services import fleet

    times: list[float] = []
    start = time.perf_counter() + offset
    deadline = start + seconds
    index = 0
    while True:
        due = start + index / per_second if per_second else time.perf_counter()
        if due >= deadline:
            break
        wait = due - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        began = time.perf_counter()
        fleet.sync_once(Path(paths[index % len(paths)]))
        times.append(time.perf_counter() - began)
        index += 1
        if len(times) > 100_000:  # bounded, whatever the clock does
            break
    return times


def _stats(database: str, url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT xact_commit, tup_inserted + tup_updated, blks_read + blks_hit FROM pg_stat_database "
            "WHERE datname = %s",
            (database,),
        ).fetchone()
    assert row is not None
    return {"commits": int(row[0]), "rows_written": int(row[1]), "blocks": int(row[2])}


def main() -> dict[str, Any]:
    from tests.helpers.pg import INSTALL_HINT, Cluster, find_binaries

    binaries = find_binaries()
    if binaries is None:
        return {"skipped": f"PostgreSQL is not installed: {INSTALL_HINT}"}
    os.environ.setdefault("KIOSK_DATA_DIR", tempfile.mkdtemp(prefix="kiosk-bench-data-"))
    from kiosk.content import signing
    from kiosk.content.state import RowWriter, read_state
    from kiosk.db.store import open_hub, open_store
    from kiosk.services import fleet, hub, library

    cluster = Cluster(binaries, durable=True).start()
    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-hub-"))
    try:
        url = cluster.create_database("hub")
        postmaster = int((cluster.data / "postmaster.pid").read_text().split()[0])
        store = open_hub(url, init=True)
        key_path = folder / "group.key"
        signing.generate(key_path)
        key = signing.load_private(key_path)
        with store.session() as session, session.begin():
            hub.set_up(session)
            library.import_folder(session, ROOT / "content")
        with store.session() as session, session.begin():
            hub.publish(session, key, group="clinics")
        with store.session() as session, session.begin():
            links = [
                hub.enroll(session, f"kiosk-{n:02d}", group="clinics", hub_url=url, host="127.0.0.1").link
                for n in range(KIOSKS)
            ]
        template = folder / "template.sqlite3"
        built = open_store(template)
        with built.session() as session, session.begin():
            library.sync_bundled(session)
        built.close()
        paths = []
        for number, link in enumerate(links):
            path = folder / f"kiosk-{number:02d}" / "kiosk.sqlite3"
            path.parent.mkdir()
            shutil.copy(template, path)
            fleet.join(path, link.line())
            paths.append(str(path))
        context = multiprocessing.get_context("spawn")
        shares = [paths[index::WORKERS] for index in range(WORKERS)]
        with context.Pool(WORKERS) as pool:
            pool.map(_sync, shares)  # every kiosk on release 1, and each worker warmed up

            # 1. A new release (an answer edited at the office), and every kiosk takes it.
            with store.session() as session, session.begin():
                rows = read_state(session)
                answer = next(k for k in sorted(rows) if k.kind == "faq_entry_text" and k.lang == "en")
                fields = rows[answer].fields
                RowWriter(session).write(answer, {**fields, "markdown": fields["markdown"] + "\n\nAsk us."})
            with store.session() as session, session.begin():
                release = hub.publish(session, key, group="clinics")
            cpu_before, stats_before = hub_cpu_seconds(postmaster), _stats("hub", url)
            started = time.perf_counter()
            per_kiosk = [t for times in pool.map(_sync, shares) for t in times]
            converged = time.perf_counter() - started
            cpu = hub_cpu_seconds(postmaster) - cpu_before
            stats_after = _stats("hub", url)
            with store.session() as session:
                behind = [k.name for k in hub.status(session) if k.behind]
            converge = {
                "kiosks": KIOSKS,
                "workers": WORKERS,
                "release_mb": round(release.size / 1e6, 2),
                "seconds": round(converged, 1),
                "behind_after": len(behind),
                "per_kiosk_s": {
                    "median": round(statistics.median(per_kiosk), 2),
                    "worst": round(max(per_kiosk), 2),
                },
                "hub_cpu_s": round(cpu, 2),
                "hub_cpu_share": round(cpu / converged, 3),
                "hub_commits": stats_after["commits"] - stats_before["commits"],
                "sent_mb": round(KIOSKS * release.size / 1e6, 1),
            }
            print(f"converged: {json.dumps(converge)}", file=sys.stderr)

            # 2. Heartbeats: 500 a minute, paced, for a minute; then the ceiling.
            rate = HEARTBEATS_PER_MINUTE / 60 / WORKERS
            cpu_before = hub_cpu_seconds(postmaster)
            started = time.perf_counter()
            visits = [
                t
                for times in pool.starmap(
                    _paced,
                    [
                        (share, rate, PACED_SECONDS, index / (rate * WORKERS))
                        for index, share in enumerate(shares)
                    ],
                )
                for t in times
            ]
            elapsed = time.perf_counter() - started
            cpu = hub_cpu_seconds(postmaster) - cpu_before
            visits.sort()
            heartbeats = {
                "target_per_minute": HEARTBEATS_PER_MINUTE,
                "sent": len(visits),
                "per_minute": round(len(visits) / elapsed * 60),
                "visit_ms": {
                    "median": round(statistics.median(visits) * 1000, 1),
                    "p95": round(visits[int(len(visits) * 0.95)] * 1000, 1),
                    "worst": round(visits[-1] * 1000, 1),
                },
                "hub_cpu_share": round(cpu / elapsed, 3),
            }
            print(f"paced: {json.dumps(heartbeats)}", file=sys.stderr)
            started = time.perf_counter()
            flat_out = [
                t
                for times in pool.starmap(_paced, [(share, 0.0, CEILING_SECONDS, 0.0) for share in shares])
                for t in times
            ]
            heartbeats["ceiling_per_minute"] = round(len(flat_out) / (time.perf_counter() - started) * 60)
        return {"converge": converge, "heartbeats": heartbeats}
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
