"""The group office runs the touch-screen staff console on the hub: a window that opens on the staff login, editing
with the patients' own preview, drafts a reviewer publishes, clinical sign-off, history and undo, all written to
PostgreSQL; what only a kiosk has is absent or says so; and admins see every kiosk of the group."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from kiosk.content.state import Key
from kiosk.db.store import open_hub
from kiosk.services.staff import Status
from kiosk.ui.app import create_application
from kiosk.ui.data import ContentSource
from kiosk.ui.screens.staff import StaffLoginScreen
from kiosk.ui.staff.console import StaffConsole
from kiosk.ui.staff.data import KIOSK_ONLY
from kiosk.ui.window import KioskWindow
from tests.helpers.hub import Hub, fixture_bundle, make_hub, make_kiosk, run
from tests.helpers.ui import open_window

__all__ = ["fixture_bundle"]
pytestmark = pytest.mark.usefixtures("fixture_bundle")

EVE = ("Eve Editor", "615243")  # writes; cannot publish medical text
RITA = ("Rita Reviewer", "482916")  # reviews, and runs the office (admin)
DRIVING = Key("page", "second/driving")
DRIVING_EN = Key("page_text", "second/driving", "en")
OLD = "Do not drive until the next day."
NEW = "Do not drive until the next morning, and never alone."


@pytest.fixture
def office(
    qtbot: QtBot, qapp: QApplication, hub_url: str, tmp_path: Path
) -> Iterator[tuple[Hub, KioskWindow]]:
    """The office's console on a hub that `content import` filled, with an editor and a reviewer."""
    create_application()  # the kiosk's fonts
    hub = make_hub(hub_url, tmp_path)
    hub.kiosk("staff", "add", RITA[0], "--role", "reviewer", "--role", "admin", stdin=f"{RITA[1]}\n")
    hub.kiosk("staff", "add", EVE[0], "--role", "editor", stdin=f"{EVE[1]}\n")
    window = open_window(qtbot, ContentSource(open_hub(hub.url)))
    yield hub, window
    window.idle.stop()
    window.gesture.uninstall()
    window.close()
    window.source.close()


def rows(hub: Hub, sql: str, *params: object) -> list[tuple[Any, ...]]:
    """What PostgreSQL itself holds, read apart from the console."""
    with psycopg.connect(hub.url) as conn:
        return conn.execute(sql, params).fetchall()


def page_markdown(hub: Hub) -> str:
    found = rows(
        hub,
        "SELECT t.markdown FROM page_texts t JOIN pages p ON p.id = t.page_id "
        "WHERE p.chapter_id = 'second' AND p.slug = 'driving' AND t.lang = 'en'",
    )
    assert len(found) == 1
    return str(found[0][0])


def log_in(qtbot: QtBot, window: KioskWindow, who: tuple[str, str]) -> StaffConsole:
    """Sign in on the login the window rests on, with the PIN on the keypad's own check, and open the console."""
    assert window.current == "staff-login"
    login = window.screen_named("staff-login")
    assert isinstance(login, StaffLoginScreen)
    login.choose(who[0])
    login.check(who[1])
    assert window.current == "staff-menu" and window.ctx.staff is not None and window.ctx.staff.name == who[0]
    menu = window.staff_menu
    assert not menu.exit_button.isVisibleTo(menu)  # the office's window is closed like any other
    assert menu.return_button.text() == "Log out"
    menu.console_button.click()
    console = window.screen_named("staff-console")
    assert isinstance(console, StaffConsole) and window.current == "staff-console"
    return console


def log_out(window: KioskWindow) -> None:
    window.move_to("staff-menu")
    window.staff_menu.return_button.click()
    assert window.current == "staff-login" and window.ctx.staff is None


def test_the_office_edits_reviews_and_undoes_on_the_hub_through_the_console(
    qtbot: QtBot, office: tuple[Hub, KioskWindow]
) -> None:
    hub, window = office
    assert window.current == "staff-login"  # no patients at the office: no attract screen, no patient screens
    assert not set(window.screens) & {"attract", "home", "reader", "faq"}

    # An editor changes a page: a draft, so patients (and the next release) still get the old text.
    console = log_in(qtbot, window, EVE)
    console.open_item(DRIVING)
    preview = console.editor.preview
    assert preview.rendered is not None  # the page as patients would see it, drawn from the hub's rows
    editor = console.editor.editors["en"]
    assert OLD in editor.markdown.toPlainText()
    editor.markdown.setPlainText(editor.markdown.toPlainText().replace(OLD, NEW))
    before = preview.rendered
    qtbot.wait_until(lambda: preview.rendered is not before, timeout=5000)  # the preview follows the typing
    assert editor.save()
    assert editor.state.text() == "Saved as a draft, waiting for a reviewer"
    assert rows(hub, "SELECT item_kind, item_id, lang, author FROM drafts") == [
        ("page_text", "second/driving", "en", EVE[0])
    ]
    [(fields,)] = rows(hub, "SELECT fields FROM drafts")
    assert NEW in fields["markdown"]
    assert OLD in page_markdown(hub)
    assert rows(hub, "SELECT kind, author FROM changesets ORDER BY id DESC LIMIT 1") == [("draft", EVE[0])]
    log_out(window)

    # The reviewer publishes it and signs the chapter off.
    console = log_in(qtbot, window, RITA)
    console.open_item(DRIVING)
    editor = console.editor.editors["en"]
    assert editor.publish_draft_button.isVisibleTo(console.editor)
    editor.publish_draft_button.click()
    assert NEW in page_markdown(hub) and OLD not in page_markdown(hub)
    assert rows(hub, "SELECT count(*) FROM drafts") == [(0,)]
    console.open_item(Key("chapter", "second"))
    console.editor.review_button.click()
    assert rows(hub, "SELECT reviewed_on, reviewed_by FROM chapters WHERE id = 'second'") == [
        (dt.date.today(), RITA[0])
    ]

    # History names who did what; undoing the publication puts the old text back on the hub.
    page = console.statuses()[DRIVING]
    assert isinstance(page, Status)
    console.open_history(page)
    lines = [console.history.versions.item(i).text() for i in range(console.history.versions.count())]
    assert any(f"publish (en) by {RITA[0]}" in line for line in lines), lines
    assert any(f"draft (en) by {EVE[0]}" in line for line in lines), lines
    console.show_panel("changes")
    changes = console.changes
    assert changes.kinds[:3] == ["review", "publish", "draft"]
    changes.list.setCurrentRow(1)
    changes.undo_button.click()
    assert changes.confirm_button.isVisibleTo(changes)
    changes.confirm_button.click()
    assert OLD in page_markdown(hub) and NEW not in page_markdown(hub)
    assert rows(hub, "SELECT kind, author FROM changesets ORDER BY id DESC LIMIT 1") == [("undo", RITA[0])]
    assert rows(hub, "SELECT reviewed_by FROM chapters WHERE id = 'second'") == [(RITA[0],)]  # not undone

    # What only a kiosk's file allows says so in one line instead of failing.
    console.show_panel("transfer")
    transfer = console.transfer
    assert transfer.kiosk_only.isVisibleTo(transfer) and transfer.kiosk_only.text() == KIOSK_ONLY
    assert not transfer.backup_button.isVisibleTo(transfer) and not transfer.restore_button.isVisibleTo(
        transfer
    )
    assert transfer.backups.count() == 0
    for panel in ("pictures", "settings", "insights"):  # each reads the hub without a kiosk's file
        console.show_panel(panel)
    assert "pixel.png" in [console.pictures.list.item(i).text() for i in range(console.pictures.list.count())]


def test_imports_from_the_console_run_on_the_hub_in_a_process_of_their_own(
    qtbot: QtBot, office: tuple[Hub, KioskWindow], tmp_path: Path
) -> None:
    hub, window = office
    folder = tmp_path / "office-copy"
    hub.kiosk("content", "export", str(folder))
    faq = folder / "en/faq/01-general.md"
    faq.write_text(
        faq.read_text(encoding="utf-8").replace("Please bring a driver.", "Bring a driver, please.")
    )
    console = log_in(qtbot, window, RITA)
    console.show_panel("transfer")
    transfer = console.transfer
    transfer.review_folder(folder)
    qtbot.wait_until(lambda: not transfer.busy, timeout=60000)
    assert "Bring a driver, please." in transfer.plan_view.toPlainText(), console.status.text()
    assert transfer.apply_button.isEnabled()
    transfer.apply_button.click()
    qtbot.wait_until(lambda: not transfer.busy, timeout=60000)
    assert console.status.text() == "Content folder applied.", console.status.text()
    assert rows(hub, "SELECT kind, author FROM changesets ORDER BY id DESC LIMIT 1") == [("import", RITA[0])]
    answer = window.source.catalogue("en").question("can-i-drive")  # read by the job, handed over
    assert answer is not None and "Bring a driver, please." in answer.html


def test_kiosk_run_on_a_hub_opens_the_office_console(hub_url: str) -> None:
    assert run("--db", hub_url, "hub", "init")[0] == 0
    done = subprocess.run(
        [sys.executable, "-m", "kiosk", "--db", hub_url, "run", "--exit-after-first-frame"],
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "staff console started on the hub" in done.stderr
    code, out, err = run("--db", hub_url, "run", "--kiosk")
    assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
    assert "--kiosk and --probe are for a kiosk" in err


def test_admins_see_every_kiosk_and_who_is_behind_in_english_and_spanish(
    qtbot: QtBot, office: tuple[Hub, KioskWindow], tmp_path: Path
) -> None:
    hub, window = office
    hub.publish()
    lobby = make_kiosk(tmp_path / "lobby.sqlite3", hub.enroll("lobby"))
    make_kiosk(tmp_path / "annex.sqlite3", hub.enroll("annex"))
    assert run("--db", str(lobby), "sync")[0] == 0  # lobby takes release 1; annex has never called
    status = {kiosk["name"]: kiosk for kiosk in json.loads(hub.kiosk("hub", "status", "--json"))}
    assert (status["lobby"]["behind"], status["annex"]["behind"]) == (False, True)

    # An editor is not shown the fleet.
    console = log_in(qtbot, window, EVE)
    assert not console.sections["fleet"].isVisibleTo(console)
    log_out(window)

    console = log_in(qtbot, window, RITA)
    assert console.sections["fleet"].isVisibleTo(console)
    console.sections["fleet"].click()
    fleet = console.fleet
    assert console.current_panel == "fleet"
    assert fleet.summary.text() == "Kiosks: 2. Behind: 1."
    assert (
        fleet.shown
        == [  # as `hub status` orders them: by group, then name
            (
                "annex (group g1)",
                "Release 0 of 1: behind",
                "Never seen: it has not reached the hub since it was enrolled",
            ),
            (
                "lobby (group g1)",
                "Release 1: up to date",
                f"Last seen {status['lobby']['last_seen'][:16].replace('T', ' ')} UTC",
            ),
        ]
    )
    assert fleet.marked == ["annex"]

    # A kiosk silent for more than a day is marked plainly (the hub's clock, moved back for the test).
    with psycopg.connect(hub.url, autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")  # past the trigger that stamps the hub's time
        conn.execute(
            "UPDATE hub_heartbeats SET seen_at = seen_at - interval '26 hours' WHERE kiosk = 'lobby'"
        )
    fleet.again_button.click()
    assert fleet.shown[1][2].startswith("Not seen for more than a day (last seen ")
    assert fleet.marked == ["annex", "lobby"]

    console.set_language("es")
    console.show_panel("fleet")
    assert fleet.title.text() == "Kioscos del grupo de clínicas"
    assert fleet.summary.text() == "Kioscos: 2. Atrasados: 1."
    assert fleet.shown[0][1] == "Publicación 0 de 1: atrasado"
    assert fleet.shown[1][2].startswith("Sin contacto desde hace más de un día")
    assert console.sections["fleet"].text() == "Kioscos"


def test_the_office_dashboard_adds_up_the_groups_kiosks_and_leaves_out_totals_under_eleven(
    qtbot: QtBot, office: tuple[Hub, KioskWindow]
) -> None:
    hub, window = office
    hub.publish()  # kiosks enrol with the key of the group's first release
    for name in ("north-1", "north-2"):
        hub.enroll(name)
    today = dt.date.today()
    with psycopg.connect(hub.url, autocommit=True) as conn:
        for kiosk, day, event, target, count in [
            ("north-1", today, "session", "", 8),
            ("north-2", today, "session", "", 5),  # 13 today: shown, though neither site reaches 11 alone
            ("north-1", today - dt.timedelta(days=1), "session", "", 3),  # 3 yesterday: left out
            ("north-1", today, "question", "can-i-drive", 7),
            ("north-2", today, "question", "can-i-drive", 6),  # 13: shown
            ("north-2", today, "question", "what-is-it", 10),  # 10: left out
        ]:
            conn.execute(
                "INSERT INTO hub_usage (kiosk, day, event, target, count) VALUES (%s, %s, %s, %s, %s)",
                (kiosk, day, event, target, count),
            )
    console = log_in(qtbot, window, RITA)
    console.show_panel("insights")
    panel = console.insights
    data = panel.data
    assert data is not None
    assert data.sessions == 13 and data.sessions_by_day[-1] == (today, 13)
    assert [(answer.id, answer.count) for answer in data.answers] == [("can-i-drive", 13)]
    assert data.left_out == 2  # yesterday's sessions and the other answer
    assert panel.scope.isVisibleTo(panel) and "2 totals under 11 are left out" in panel.scope.text()
    assert not panel.export_button.isVisibleTo(
        panel
    )  # a kiosk's own counts; the group's: `kiosk hub insights`
    console.set_language("es")
    assert "Se omiten 2 totales menores de 11" in panel.scope.text()
