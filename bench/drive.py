"""Measurements that drive the real kiosk in one process; bench/run.py starts each in a fresh process.

    python bench/drive.py visit-all DB     memory after every page and answer; page turn and answer open times
    python bench/drive.py soak DB          memory growth over 10,000 navigations and 500 idle resets
    python bench/drive.py search DB        FAQ search per query, over the questions in the database
    python bench/drive.py import DB        importing the bundled content into an empty database
    python bench/drive.py dashboard DB     opening the staff's insights over a year of counts from 10 kiosks
    python bench/drive.py staff-import DB  the longest event-loop stall while staff import 5,000 more answers

Each prints one JSON object on stdout.
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bare_window import pss_kb  # noqa: E402  (bench/ is on the path when this runs as a script)


def window(db: Path):  # type: ignore[no-untyped-def]
    from kiosk.ui.app import create_application
    from kiosk.ui.data import ContentSource
    from kiosk.ui.window import KioskWindow

    app = create_application()
    win = KioskWindow(ContentSource(db))
    win.resize(1920, 1080)
    win.show()
    for _ in range(3):
        app.processEvents()
    return app, win


def in_event_loop(app, steps: Iterator[object]) -> None:  # type: ignore[no-untyped-def]
    """Run `steps` one at a time inside Qt's event loop, as a patient's taps arrive: between two steps Qt does
    what it does in the kiosk (paints, timers, and deleting the widgets a screen let go of)."""
    from PySide6.QtCore import QTimer

    def step() -> None:
        try:
            next(steps)
        except StopIteration:
            app.quit()
            return
        QTimer.singleShot(0, step)

    QTimer.singleShot(0, step)
    app.exec()


def ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def visit_all(db: Path) -> dict[str, object]:
    from kiosk.ui.screens.faq import FaqScreen
    from kiosk.ui.screens.reader import ReaderScreen

    app, win = window(db)
    turns: list[float] = []
    opens: list[float] = []

    def steps() -> Iterator[None]:
        for lang in ("en", "es"):
            win.session.set_lang(lang)
            catalogue = win.source.catalogue(lang)
            for chapter in catalogue.chapters:
                win.move_to("reader", chapter=chapter.id, page=0)
                reader = win.screen_named("reader")
                assert isinstance(reader, ReaderScreen)
                yield
                for index in range(1, len(chapter.pages)):
                    started = time.perf_counter()
                    reader.show_page(index, animate=False)
                    reader.stage.front.repaint()  # the new page, laid out and painted
                    turns.append(time.perf_counter() - started)
                    yield
            win.move_to("faq")
            faq = win.screen_named("faq")
            assert isinstance(faq, FaqScreen)
            yield
            for category in catalogue.categories:
                faq.choose_category(category.id)  # the questions are listed by topic
                yield
                for question in category.questions:
                    started = time.perf_counter()
                    faq.toggle(question.id)
                    faq.items[question.id].repaint()
                    opens.append(time.perf_counter() - started)
                    yield

    in_event_loop(app, steps())
    gc.collect()
    return {
        "pss_kb": pss_kb(),
        "pages": len(turns),
        "page_turn_ms": {"median": ms(statistics.median(turns)), "worst": ms(max(turns))},
        "answers": len(opens),
        "answer_open_ms": {"median": ms(statistics.median(opens)), "worst": ms(max(opens))},
    }


def soak(db: Path, navigations: int = 10_000, resets: int = 500) -> dict[str, object]:
    app, win = window(db)
    plan: list[tuple[str, dict[str, object]]] = [("home", {})]
    catalogue = win.source.catalogue("en")
    for chapter in catalogue.chapters:
        plan += [("reader", {"chapter": chapter.id, "page": i}) for i in range(len(chapter.pages))]
    plan += [("faq", {"question": q.id}) for c in catalogue.categories for q in c.questions]
    every = navigations // resets
    warm = len(plan) * 2  # every screen built, every cache filled once
    result: dict[str, object] = {"navigations": navigations}

    def steps() -> Iterator[None]:
        done = 0
        for step in range(warm + navigations):
            if step == warm:
                gc.collect()
                result["pss_before_kb"] = pss_kb()
                started = time.perf_counter()
            name, args = plan[step % len(plan)]
            win.move_to(name, **args)
            yield
            if step % every == every - 1:
                win.reset_session()
                win.move_to("home")
                done += step >= warm
                yield
        gc.collect()
        result["seconds"] = round(time.perf_counter() - started, 1)
        result["idle_resets"] = done
        yield  # one more turn of the loop, so the last screen's leftovers are gone too
        result["pss_after_kb"] = pss_kb()

    in_event_loop(app, steps())
    result["growth_mb"] = round((result["pss_after_kb"] - result["pss_before_kb"]) / 1024, 2)  # type: ignore[operator]
    return result


def search_bench(db: Path) -> dict[str, object]:
    import yaml

    from kiosk.db import lite
    from kiosk.services import search

    questions = yaml.safe_load((ROOT / "tests" / "data" / "dev_questions.yaml").read_text(encoding="utf-8"))
    connection = lite.connect(db)
    entries = connection.execute("SELECT count(*) FROM faq_entries").fetchone()[0]
    timings: list[float] = []
    for lang in ("en", "es"):
        search.search_faq(connection, "warm up", lang)  # builds the per-language model once
        for item in questions[lang]:
            started = time.perf_counter()
            search.search_faq(connection, item["q"], lang)
            timings.append(time.perf_counter() - started)
    connection.close()
    timings.sort()
    return {
        "entries": entries,
        "queries": len(timings),
        "median_ms": ms(statistics.median(timings)),
        "p95_ms": ms(timings[int(len(timings) * 0.95)]),
        "worst_ms": ms(timings[-1]),
    }


def import_bench(db: Path) -> dict[str, object]:
    from kiosk import paths
    from kiosk.content.sync import load_for_import
    from kiosk.db.store import open_store
    from kiosk.services import library

    store = open_store(db)  # the empty database and its schema are not part of the import
    started = time.perf_counter()
    content = load_for_import(paths.bundled_content_dir(), measure_pictures=False)
    with store.session() as session, session.begin():
        plan = library.import_content(session, content, "bundled")
    elapsed = time.perf_counter() - started
    store.close()
    return {"seconds": round(elapsed, 3), "rows": len(plan.changes)}


def fill_a_year(db: Path, kiosks: int = 10) -> int:
    """Every event on every target every day for a year, with counts as busy as `kiosks` kiosks would make."""
    import datetime as dt
    import random
    import sqlite3

    from kiosk.services import usage

    connection = sqlite3.connect(db)
    pages = [f"{c}/{s}" for c, s in connection.execute("SELECT chapter_id, slug FROM pages")]
    questions = [q for (q,) in connection.execute("SELECT id FROM faq_entries")]
    chapters = [c for (c,) in connection.execute("SELECT id FROM chapters")]
    checks = [f"{c}/{s}" for c, s in connection.execute("SELECT chapter_id, slug FROM checks")]
    targets = {
        "session": [""], "idle-reset": [""], "start-over": [""], "search-empty": [""],
        "page": pages, "exit-page": pages, "question": questions, "helpful-yes": questions,
        "helpful-no": questions, "chapter-start": chapters, "chapter-end": chapters, "check-right": checks,
        "check-not-yet": checks, "check-skipped": checks, "take-home": chapters + questions,
        "session-minutes": list(usage.MINUTE_BUCKETS), "session-language": ["en", "es"],
        "session-text-size": list(usage.TEXT_SIZE_NAMES),
    }  # fmt: skip
    chance = random.Random(12)
    today = dt.date.today()
    rows = [
        ((today - dt.timedelta(days=n)).isoformat(), event, target, chance.randint(1, 6) * kiosks)
        for n in range(365)
        for event, names in targets.items()
        for target in names
    ]
    with connection:
        connection.executemany(
            "INSERT OR REPLACE INTO usage_counts (day, event, target, count) VALUES (?, ?, ?, ?)", rows
        )
    connection.close()
    return len(rows)


def dashboard_bench(db: Path) -> dict[str, object]:
    from PySide6.QtWidgets import QApplication

    from kiosk.services.auth import ROLES, Account
    from kiosk.ui.app import create_application
    from kiosk.ui.data import ContentSource
    from kiosk.ui.staff.data import StaffSource
    from kiosk.ui.staff.insights import InsightsPanel

    rows = fill_a_year(db)
    app = create_application()
    source = ContentSource(db)
    staff = StaffSource(source, lambda: Account("bench", ROLES))
    source.catalogue("en")  # the console has it already when staff open the dashboard
    times = []
    for _ in range(7):
        started = time.perf_counter()
        panel = InsightsPanel(staff, lambda _text, _error: None, lambda: "en")
        panel.resize(1400, 900)
        panel.refresh()
        panel.show_period(90)
        panel.show()
        QApplication.processEvents()  # laid out and painted
        times.append(time.perf_counter() - started)
        panel.close()
        panel.deleteLater()
        QApplication.processEvents()
    del app
    return {"rows": rows, "median_ms": ms(statistics.median(times)), "worst_ms": ms(max(times))}


def staff_import(db: Path, answers: int = 5000, groups: int = 10) -> dict[str, object]:
    """A nurse imports a folder with 5,000 more answers from the console, reviewing it first, while a 10 ms timer
    on the screen's thread measures the longest wait between its ticks (the watchdog's heartbeat is such a timer)."""
    import shutil
    import tempfile

    from PySide6.QtCore import QElapsedTimer, QTimer

    from kiosk import paths
    from kiosk.services.auth import Account
    from kiosk.ui.staff.console import StaffConsole

    folder = Path(tempfile.mkdtemp(prefix="kiosk-bench-import-")) / "content"
    shutil.copytree(paths.bundled_content_dir(), folder)
    per_group = answers // groups
    for lang in ("en", "es"):
        for group in range(groups):
            lines = ["---", f"id: bench-{group}", "sources: [AMG]", "---", f"# Group {group}", ""]
            for number in range(group * per_group, (group + 1) * per_group):
                lines += [f"## Question number {number}? {{#bench-{number}}}", f"Answer number {number}.", ""]
            (folder / lang / "faq" / f"{group + 50:02d}-bench-{group}.md").write_text(
                "\n".join(lines), "utf-8"
            )

    app, win = window(db)
    win.ctx.staff = Account("Bench Admin", ("admin", "reviewer"))
    win.move_to("staff-console")
    console = win.screen_named("staff-console")
    assert isinstance(console, StaffConsole)
    console.show_panel("transfer")
    panel = console.transfer
    clock, longest = QElapsedTimer(), [0]

    def tick() -> None:
        longest[0] = max(longest[0], clock.restart())

    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(tick)

    def wait_while_busy() -> None:
        while panel.busy:
            app.processEvents()
            time.sleep(0.001)

    clock.start()
    timer.start()
    started = time.perf_counter()
    panel.review_folder(folder)
    wait_while_busy()
    panel.apply_button.click()
    wait_while_busy()
    for _ in range(50):  # and a moment after, for anything the change set off later
        app.processEvents()
        time.sleep(0.01)
    timer.stop()
    shutil.rmtree(folder.parent, ignore_errors=True)
    return {
        "longest_gap_ms": max(longest[0], clock.elapsed()),
        "seconds": round(time.perf_counter() - started, 1),
        "applied": "applied" in console.status.text(),
    }


def main() -> int:
    action, db = sys.argv[1], Path(sys.argv[2])
    actions = {
        "visit-all": visit_all,
        "soak": soak,
        "search": search_bench,
        "import": import_bench,
        "dashboard": dashboard_bench,
        "staff-import": staff_import,
    }
    result = actions[action](db)
    print(json.dumps(result))
    sys.stdout.flush()
    os._exit(0)  # skip Qt's teardown: it is not what is being measured


if __name__ == "__main__":
    main()
