"""The kiosk's performance against the budgets in ../shared/STANDARDS.md (`make bench`).

Prints a table and writes bench/results/latest.json. Start-up and memory are measured beside a bare PySide6 window
started the same way on the same machine (bench/bare_window.py), and reported as ratios, so the numbers mean the
same on a fast laptop and on a small kiosk PC. Every measurement runs in a fresh process.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
PYTHON = sys.executable
KIOSK = str(Path(sys.executable).parent / "kiosk")
ENV = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
START_RUNS = 7


def run(command: list[str], env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, env=env or ENV, capture_output=True, text=True, check=False, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"bench: {' '.join(command)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    run(command, env)
    return time.perf_counter() - started


def median_time(command: list[str], env: dict[str, str]) -> float:
    timed(command, env)  # the first run warms the disk cache; every later one starts a new process cold
    return statistics.median(timed(command, env) for _ in range(START_RUNS))


def drive(action: str, db: Path, env: dict[str, str]) -> dict[str, object]:
    lines = run([PYTHON, str(ROOT / "bench" / "drive.py"), action, str(db)], env).strip().splitlines()
    result: dict[str, object] = json.loads(lines[-1])
    return result


def build_database(db: Path) -> None:
    from kiosk.db.store import open_store
    from kiosk.services import library

    store = open_store(db)
    with store.session() as session, session.begin():
        library.sync_bundled(session)
    store.close()


def grow_questions(source: Path, target: Path, total: int = 5000) -> None:
    """The bundled database with generated questions added until there are `total`, in each language."""
    import shutil

    from kiosk.content.state import Key, RowWriter, read_state
    from kiosk.db.store import open_store
    from kiosk.services import search

    shutil.copy(source, target)
    store = open_store(target)
    rng = random.Random(1962)
    with store.session() as session, session.begin():
        state = read_state(session)
        texts = [(k, r.fields) for k, r in state.items() if k.kind == "faq_entry_text"]
        words = " ".join(str(f["markdown"]) for _, f in texts).split()
        existing = sum(1 for k in state if k.kind == "faq_entry")
        writer = RowWriter(session)
        for number in range(total - existing):
            entry = Key("faq_entry", f"generated-{number}")
            writer.write(
                entry,
                {"category": "about-ketamine", "position": 100 + number, "published": True, "deleted": False},
            )
            for lang in ("en", "es"):
                base = [f for k, f in texts if k.lang == lang][number % (len(texts) // 2)]
                extra = " ".join(rng.choice(words) for _ in range(12))
                writer.write(
                    Key("faq_entry_text", entry.id, lang),
                    {
                        "question": f"{base['question']} {rng.choice(words)}",
                        "markdown": f"{base['markdown']}\n\n{extra}.",
                        "asked": base.get("asked", []),  # as many other wordings as the real questions
                    },
                )
        session.flush()
        search.reindex(session)
    store.close()


def main() -> int:
    results: dict[str, object] = {"python": sys.version.split()[0]}
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as folder:
        work = Path(folder)
        env = {**ENV, "KIOSK_DATA_DIR": str(work / "data")}
        db = work / "kiosk.sqlite3"
        print("building the database from the bundled content...", file=sys.stderr)
        build_database(db)

        print("start-up...", file=sys.stderr)
        bare_start = median_time([PYTHON, str(ROOT / "bench" / "bare_window.py"), "first-frame"], env)
        kiosk_start = median_time([KIOSK, "--db", str(db), "run", "--exit-after-first-frame"], env)
        results["start"] = {
            "kiosk_s": round(kiosk_start, 3),
            "bare_s": round(bare_start, 3),
            "ratio": round(kiosk_start / bare_start, 2),
        }

        print("every page and answer...", file=sys.stderr)
        bare_memory = statistics.median(
            int(run([PYTHON, str(ROOT / "bench" / "bare_window.py"), "memory"], env).split()[-1])
            for _ in range(3)
        )
        visit = drive("visit-all", db, env)
        kiosk_memory = int(visit["pss_kb"])  # type: ignore[call-overload]
        results["memory"] = {
            "kiosk_mb": round(kiosk_memory / 1024, 1),
            "bare_mb": round(bare_memory / 1024, 1),
            "ratio": round(kiosk_memory / bare_memory, 2),
        }
        results["page_turn_ms"] = visit["page_turn_ms"]
        results["answer_open_ms"] = visit["answer_open_ms"]

        print("search over 5,000 questions...", file=sys.stderr)
        big = work / "big.sqlite3"
        grow_questions(db, big)
        results["search"] = drive("search", big, env)

        print("importing the bundled content...", file=sys.stderr)
        results["import"] = drive("import", work / "empty.sqlite3", env)

        print("staff import of 5,000 answers...", file=sys.stderr)
        shutil.copy(db, work / "staff.sqlite3")  # the import adds 5,000 answers: not to the soak's database
        results["staff_import"] = drive("staff-import", work / "staff.sqlite3", env)
        print("the insights dashboard over a year of counts...", file=sys.stderr)
        year = work / "year.sqlite3"
        build_database(year)
        results["dashboard"] = drive("dashboard", year, env)

        print("soak: 10,000 navigations, 500 idle resets...", file=sys.stderr)
        results["soak"] = drive("soak", db, env)

        print("the hub: 50 kiosks converging, 500 heartbeats a minute...", file=sys.stderr)
        results["hub"] = json.loads(run([PYTHON, str(ROOT / "bench" / "hub.py")], env))

    r: dict[str, Any] = results
    budgets = [
        ("Cold start to first frame", f"{r['start']['kiosk_s']} s vs {r['start']['bare_s']} s bare",
         r["start"]["ratio"], "<= 3x bare", r["start"]["ratio"] <= 3),
        ("Memory after every page and answer", f"{r['memory']['kiosk_mb']} MB vs {r['memory']['bare_mb']} MB bare",
         r["memory"]["ratio"], "<= 2x bare", r["memory"]["ratio"] <= 2),
        ("Page turn (median / worst)", f"{r['page_turn_ms']['median']} / {r['page_turn_ms']['worst']} ms",
         "", "<= 16 / 50 ms", r["page_turn_ms"]["median"] <= 16 and r["page_turn_ms"]["worst"] <= 50),
        ("Answer open (median / worst)", f"{r['answer_open_ms']['median']} / {r['answer_open_ms']['worst']} ms",
         "", "<= 16 / 50 ms", r["answer_open_ms"]["median"] <= 16 and r["answer_open_ms"]["worst"] <= 50),
        ("FAQ search, 5,000 questions (median per query)",
         f"{r['search']['median_ms']} ms (p95 {r['search']['p95_ms']} ms)", "", "<= 5 ms",
         r["search"]["median_ms"] <= 5),
        ("Importing the bundled content", f"{r['import']['seconds']} s", "", "<= 1 s", r["import"]["seconds"] <= 1),
        ("Staff import of 5,000 answers: longest stall", f"{r['staff_import']['longest_gap_ms']} ms over "
         f"{r['staff_import']['seconds']} s", "", "<= 200 ms",
         r["staff_import"]["applied"] and r["staff_import"]["longest_gap_ms"] <= 200),
        ("Insights dashboard, a year of 10 kiosks' counts",
         f"{r['dashboard']['median_ms']} ms (worst {r['dashboard']['worst_ms']} ms)", "", "<= 300 ms",
         r["dashboard"]["worst_ms"] <= 300),
        ("Soak: 10,000 navigations, 500 idle resets", f"{r['soak']['growth_mb']} MB memory growth", "",
         "<= 10 MB", r["soak"]["growth_mb"] <= 10),
    ]  # fmt: skip
    hub = r["hub"]
    if "skipped" in hub:
        print(f"hub benchmark skipped: {hub['skipped']}", file=sys.stderr)
    else:
        c, h = hub["converge"], hub["heartbeats"]
        budgets += [
            (f"Hub: {c['kiosks']} kiosks take a new release", f"{c['seconds']} s; hub CPU {c['hub_cpu_s']} s "
             f"({c['hub_cpu_share']:.0%} of a core)", "", "all converge", c["behind_after"] == 0),
            ("Hub: heartbeats held (visit p95)", f"{h['per_minute']}/min ({h['visit_ms']['p95']} ms); hub CPU "
             f"{h['hub_cpu_share']:.0%}", "", ">= 500/min", h["per_minute"] >= 500 and h["visit_ms"]["p95"] < 1000),
        ]  # fmt: skip
    results["budgets_met"] = all(row[4] for row in budgets)
    width = max(len(row[0]) for row in budgets)
    print(f"{'measure':{width}}  {'result':42}  {'ratio':>6}  {'budget':14}  met")
    for name, value, ratio, budget, met in budgets:
        print(f"{name:{width}}  {value:42}  {ratio!s:>6}  {budget:14}  {'yes' if met else 'NO'}")
    out = ROOT / "bench" / "results" / "latest.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {out.relative_to(ROOT)}")
    return 0 if results["budgets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
