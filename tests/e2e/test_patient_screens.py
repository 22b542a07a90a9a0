"""What patients see in the real window (X, through Xvfb): every page at every supported size, text size and
language; every screen against `kiosk screenshot`; and real taps and drags from xdotool.

One kiosk process runs per screen size, in kiosk mode on a virtual screen of that size, answering questions
through its test hook (`kiosk run --probe`, kiosk/ui/probe.py): it moves itself to a screen the way a patient's
taps would, and reports what its widgets show. The screen is captured from outside the kiosk, as X has it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from PySide6.QtGui import QImage

from kiosk.cli import SCREENS
from kiosk.ui.probe import SIZES, SUMMARY_SHARE
from tests.helpers.xvfb import VirtualScreen

pytestmark = pytest.mark.e2e
KIOSK = str(Path(sys.executable).parent / "kiosk")
#: Another X client grabs the screen, so the picture is what X shows, not what the kiosk thinks it drew. It
#: grabs until two grabs in a row agree (a frame still on its way to the X server is not the picture), for each
#: file named on its input, and answers with a line once the file is written.
CAPTURE = (
    "import sys, time\n"
    "from PySide6.QtGui import QGuiApplication\n"
    "app = QGuiApplication(sys.argv[:1])\n"
    "for out in sys.stdin:\n"
    "    image = app.primaryScreen().grabWindow(0).toImage()\n"
    "    for _ in range(30):\n"
    "        time.sleep(0.1)\n"
    "        again = app.primaryScreen().grabWindow(0).toImage()\n"
    "        if again == image:\n"
    "            break\n"
    "        image = again\n"
    "    assert image.save(out.strip())\n"
    "    print('done', flush=True)\n"
)


class RealKiosk:
    """`kiosk run --kiosk --probe` full screen on its own virtual screen of `size`."""

    def __init__(self, folder: Path, size: tuple[int, int]) -> None:
        width, height = size
        self.size = size
        self.screen = VirtualScreen(width, height)
        self.capturer: subprocess.Popen[str] | None = None
        self.env = {
            **os.environ,
            "DISPLAY": self.screen.display,
            "QT_QPA_PLATFORM": "xcb",
            "KIOSK_DB": str(folder / "kiosk.sqlite3"),
            "KIOSK_DATA_DIR": str(folder / "data"),
        }
        subprocess.run(
            [KIOSK, "pin", "set"], input="482916\n", text=True, env=self.env, check=True, capture_output=True
        )
        self.errors = (folder / f"kiosk-{width}x{height}.log").open("w")
        self.process = subprocess.Popen(
            [KIOSK, "run", "--kiosk", "--probe"],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.errors,
            text=True,
        )
        try:
            state = self.ask("state")
        except BaseException:
            self.close()  # the log and the X server too: a kiosk that failed to start leaves nothing open
            raise
        assert state["size"] == list(size), state  # full screen

    def ask(self, do: str, **args: object) -> Any:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"do": do, **args}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        assert line, f"the kiosk stopped: see {self.errors.name}"
        reply = json.loads(line)
        assert reply["ok"], reply
        return reply["result"]

    def capture(self, out: Path) -> QImage:
        """The screen as X has it, saved to `out` (a .bmp is quickest) and read back."""
        if self.capturer is None:
            self.capturer = subprocess.Popen(
                [sys.executable, "-c", CAPTURE],
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        assert self.capturer.stdin is not None and self.capturer.stdout is not None
        self.capturer.stdin.write(f"{out}\n")
        self.capturer.stdin.flush()
        assert self.capturer.stdout.readline() == "done\n", "the capture failed"
        return QImage(str(out))

    def xdotool(self, *args: str) -> None:
        subprocess.run(["xdotool", *args], env=self.env, check=True, timeout=30)

    def close(self) -> None:
        try:
            self.ask("quit")
            self.process.wait(timeout=20)
        except Exception:
            self.process.kill()
            self.process.wait()
        finally:
            if self.capturer is not None:
                self.capturer.communicate(timeout=20)  # its input closed: it ends
            for stream in (self.process.stdin, self.process.stdout, self.errors):
                if stream is not None:
                    stream.close()
            self.screen.close()


@pytest.fixture
def kiosk_at(tmp_path: Path) -> Iterator[Any]:
    if not shutil.which("Xvfb") or not shutil.which("xdotool"):
        pytest.skip("needs Xvfb and xdotool (.ci/run installs them)")
    started: list[RealKiosk] = []

    def start(size: tuple[int, int]) -> RealKiosk:
        kiosk = RealKiosk(tmp_path, size)
        started.append(kiosk)
        return kiosk

    yield start
    for kiosk in started:
        kiosk.close()
    log = "".join(path.read_text(encoding="utf-8") for path in tmp_path.glob("kiosk-*.log"))
    assert "Traceback" not in log, log


def differing_pixels(first: QImage, second: QImage, fuzz: int = 24) -> int:
    """Pixels whose colour differs by more than `fuzz` (of 255) in any channel."""
    assert first.size() == second.size(), (first.size(), second.size())
    a = first.convertToFormat(QImage.Format.Format_RGB32)
    b = second.convertToFormat(QImage.Format.Format_RGB32)
    count = 0
    for y in range(a.height()):
        row_a, row_b = bytes(cast(Any, a.constScanLine(y))), bytes(cast(Any, b.constScanLine(y)))
        if row_a == row_b:
            continue
        for x in range(0, len(row_a), 4):
            if row_a[x : x + 4] != row_b[x : x + 4] and any(
                abs(row_a[x + c] - row_b[x + c]) > fuzz for c in range(3)
            ):
                count += 1
    return count


#: Shots that put a screen in a telling state, beyond each screen at rest.
SHOTS: list[dict[str, Any]] = [{"screen": screen} for screen in SCREENS] + [
    {"screen": "reader", "page": "side-effects-and-risks/who-should-not", "lang": "es"},
    {"screen": "reader", "page": "what-is-ketamine/summary", "text_size": 2},
    {"screen": "faq", "query": "can i drive"},
    {"screen": "home", "text_size": 2, "high_contrast": True},
    {"screen": "teach-back", "page": "treatment-day", "answer": 1, "lang": "es"},
    {"screen": "teach-back", "page": "side-effects-and-risks", "question": "2", "answer": 2, "text_size": 2},
    {"screen": "take-home", "question": "can-i-drive", "text_size": 2, "lang": "es"},
    {"screen": "take-home", "page": "treatment-day/after"},
]


@pytest.mark.parametrize("size", [(1920, 1080), (1080, 1920)], ids=["1920x1080", "1080x1920"])
def test_kiosk_screenshot_draws_what_the_real_window_shows(
    kiosk_at: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    """Same widgets, same state, same screen: the two pictures agree to within 0.1% of their pixels (the
    countdown may tick between the two; a widget out of place by even a few pixels differs far more)."""
    kiosk = kiosk_at(size)
    dpi = 25.4 / kiosk.ask("state")["mm_per_px"]  # the screenshot is told the screen the kiosk has
    width, height = size
    for index, shot in enumerate(SHOTS):
        offscreen = tmp_path / f"shot-{index}.png"
        command = [KIOSK, "screenshot", shot["screen"], str(offscreen), "--size", f"{width}x{height}"]
        command += [
            "--dpi",
            str(dpi),
            "--text-size",
            ("normal", "large", "largest")[int(shot.get("text_size", 0))],
        ]
        for option in ("page", "lang", "query", "question", "answer"):
            if option in shot:
                command += [f"--{option}", str(shot[option])]
        if shot.get("high_contrast"):
            command.append("--high-contrast")
        # The offscreen picture is drawn while the real window is put in the same state and captured.
        drawing = subprocess.Popen(
            command,
            env={**kiosk.env, "QT_QPA_PLATFORM": "offscreen"},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        geometry = kiosk.ask("shot", **shot)
        real = kiosk.capture(tmp_path / f"real-{index}.bmp")
        _, errors = drawing.communicate(timeout=120)
        assert drawing.returncode == 0, errors
        differing = differing_pixels(real, QImage(str(offscreen)))
        assert differing <= width * height // 1000, (shot, differing, geometry)
        if shot["screen"] == "staff-login":
            keys = [rect for name, rect in geometry.items() if name.startswith("key:")]
            assert keys and all(rect[3] >= 64 for rect in keys)  # the keypad's primary keys, as drawn


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_every_page_shows_whole_or_says_there_is_more_in_the_real_window(
    kiosk_at: Any, tmp_path: Path, size: tuple[int, int]
) -> None:
    kiosk = kiosk_at(size)
    # `kiosk content fit` measures the same offscreen, meanwhile: the two must agree (below).
    dpi = 25.4 / kiosk.ask("state")["mm_per_px"]
    measuring = subprocess.Popen(
        [KIOSK, "content", "fit", "--json", "--all", "--size", f"{size[0]}x{size[1]}", "--dpi", str(dpi)],
        env={**kiosk.env, "QT_QPA_PLATFORM": "offscreen"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    fits = kiosk.ask("fit")
    pages = {fit["page"] for fit in fits}
    assert len(fits) == len(pages) * 3 * 2 and len(pages) >= 40  # every page, text size and language
    hidden = [fit for fit in fits if fit["scrolls"] and not fit["cue"]]
    assert hidden == []
    short = [fit for fit in fits if fit["summary"] and fit["visible_fraction"] < SUMMARY_SHARE]
    assert short == []
    if size in ((1920, 1080), (1080, 1920)):
        scrolling = [
            fit for fit in fits if fit["scrolls"] and fit["text_size"] == "normal" and not fit["reference"]
        ]
        assert scrolling == []
    assert max(fit["longest_line"] for fit in fits) <= 78
    # `kiosk content fit` measures offscreen what the real window shows
    measured, errors = measuring.communicate(timeout=600)
    assert measuring.returncode in (0, 1), errors  # 1: some page does not fit somewhere, which it lists
    offscreen = {(f["page"], f["lang"], f["text_size"]): f for f in json.loads(measured)}
    for fit in fits:
        other = offscreen[(fit["page"], fit["lang"], fit["text_size"])]
        assert other["scrolls"] == fit["scrolls"], (fit, other)
        assert abs(other["visible_fraction"] - fit["visible_fraction"]) <= 0.01, (fit, other)


def centre(rect: list[int]) -> tuple[str, str]:
    x, y, width, height = rect
    return str(x + width // 2), str(y + height // 2)


def test_real_taps_and_drags(kiosk_at: Any) -> None:
    kiosk = kiosk_at((1920, 1080))
    kiosk.xdotool("mousemove", "960", "540", "click", "1")  # wakes the kiosk
    time.sleep(0.6)  # past the moment in which the waking touch is swallowed
    geometry = kiosk.ask("geometry")
    assert kiosk.ask("state")["screen"] == "home"
    tiles = {name: rect for name, rect in geometry.items() if name.startswith("tile:")}
    footer_top = geometry["footer"][1]
    assert len(tiles) >= 8 and all(rect[1] + rect[3] <= footer_top for rect in tiles.values())  # no fold
    first = min(tiles, key=lambda name: (tiles[name][1], tiles[name][0]))
    kiosk.xdotool("mousemove", *centre(tiles[first]), "click", "1")
    state = kiosk.ask("state")
    assert state["screen"] == "reader" and state["index"] == 0
    nav = kiosk.ask("geometry")
    kiosk.xdotool("mousemove", *centre(nav["next"]), "click", "--repeat", "2", "--delay", "120", "1")
    time.sleep(0.5)
    assert kiosk.ask("state")["index"] == 1  # a double tap turns one page
    # a slow drag, two seconds long, past a third of the page's width
    x, y = (int(n) for n in centre(nav["page-text"]))
    kiosk.xdotool("mousemove", str(x), str(y), "mousedown", "1")
    for step in range(1, 11):
        kiosk.xdotool("mousemove", str(x - 70 * step), str(y))
        time.sleep(0.2)
    kiosk.xdotool("mouseup", "1")
    time.sleep(0.6)
    assert kiosk.ask("state")["index"] == 2
    # Back returns home from the chapter; the chapter then resumes where the patient was
    kiosk.xdotool("mousemove", *centre(nav["back"]), "click", "1")
    assert kiosk.ask("state")["screen"] == "home"
    time.sleep(0.5)
    kiosk.xdotool("mousemove", *centre(tiles[first]), "click", "1")
    state = kiosk.ask("state")
    assert (state["screen"], state["index"]) == ("reader", 2)
