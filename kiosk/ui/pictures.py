"""Drawing pictures without ever making the screen wait, and measuring what drawing a picture costs.

Every picture (SVG, or PNG and JPEG wrapped in a one-line SVG, so that Qt unpacks them too) is parsed and drawn by
`QSvgRenderer` on a worker thread. The work is started with queued calls to the renderer's own slots (`load`,
`render`), so it runs as C++ on that thread, without Python's global lock: the UI thread, and with it the
watchdog's heartbeat, keeps running however long a picture takes. Before that, `kiosk.content.pictures` checks
the file in Python (on a plain Python thread) and a picture it refuses is never drawn: that is what keeps a
hostile picture stored before those checks existed from ever reaching Qt. `PictureLoader` keeps what was drawn
by (picture, size), and says when a picture is ready; `PictureView` shows a calm placeholder until then.

Run as a program (`python -m kiosk.ui.pictures --measure ...`), this module is the probe that content and pack
imports use to measure a picture: it limits its own memory, draws each file once at the largest size the kiosk
uses, and prints what it cost (see `kiosk.content.pictures.measure`).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import hashlib
import logging
import os
import sys
import threading
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import (
    Q_ARG,
    QByteArray,
    QCoreApplication,
    QMetaObject,
    QObject,
    QRectF,
    QSize,
    Qt,
    QThread,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

from kiosk.content.pictures import RENDER_SIDE, media_type_of, picture_problem, picture_size, raster_size

log = logging.getLogger(__name__)

#: A picture that has cost this much of the processor's time to draw and is not done is given up on (shown by
#: its alt text) and the worker is replaced. Processor time, not time on the clock: on a busy machine (an import
#: running, a slow disk) an ordinary picture waits longer, and must not be refused for it.
SLOW_RENDER_MS = 5000
#: Drawn pictures kept here, in bytes of pixels, beyond the newest: none. Each view keeps the picture it shows
#: (and keeps it when shown the same picture again), so a cache here would only hold memory (the kiosk's budget
#: is twice a bare window's) for pictures no view is showing.
CACHE_BYTES = 0
_QUEUED = Qt.ConnectionType.QueuedConnection


def as_svg(data: bytes, media_type: str) -> bytes:
    """The picture as an SVG: itself, or a PNG or JPEG as the one image of an SVG of its own size."""
    if media_type == "image/svg+xml":
        return data
    width, height = raster_size(data) or (1, 1)
    encoded = base64.b64encode(data).decode("ascii")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">'
        f'<image width="{width}" height="{height}" preserveAspectRatio="none" '
        f'href="data:{media_type};base64,{encoded}"/></svg>'
    ).encode("ascii")


def fit(aspect: float, size: QSize) -> QSize:
    """The largest size of this aspect (height / width) inside `size`, and never over `RENDER_SIDE`."""
    width = min(size.width(), RENDER_SIDE, round(RENDER_SIDE / aspect) if aspect > 1 else RENDER_SIDE)
    height = round(width * aspect)
    if height > size.height():
        height = size.height()
        width = round(height / aspect)
    return QSize(max(1, width), max(1, height))


def aspect_of(data: bytes) -> float:
    """Height / width as the picture declares it, kept between 1:5 and 5:1 so no picture can take over a layout."""
    declared = picture_size(data)
    if declared is None:
        return 0.7
    return min(5.0, max(0.2, declared[1] / declared[0]))


def _blank(size: QSize) -> QImage:
    image = QImage(size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(QColor(0, 0, 0, 0))
    return image


# --- in the kiosk ------------------------------------------------------------------------------------------------


@dataclass
class _Picture:
    """What is known about one picture (by its SHA-1): whether it may be drawn, and its shape."""

    data: bytes
    media_type: str
    aspect: float
    checked: bool = False
    refused: bool = False


class _DrawingThread(QThread):
    """The worker pictures are drawn on, and how much of the processor's time it has used."""

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("picture-drawing")
        self._clock: int | None = None
        self.start(QThread.Priority.LowPriority)
        probe = _ClockProbe()
        probe.moveToThread(self)
        QMetaObject.invokeMethod(probe, "read", Qt.ConnectionType.BlockingQueuedConnection)
        self._clock = probe.clock
        probe.deleteLater()

    def cpu_ms(self) -> float:
        """Processor time the thread has used, in ms; time on the clock where the system cannot say."""
        if self._clock is not None:
            with contextlib.suppress(OSError):
                return time.clock_gettime(self._clock) * 1000
        return time.monotonic() * 1000


class _ClockProbe(QObject):
    """Asks, on the thread it lives on, for that thread's processor-time clock (POSIX systems have one)."""

    def __init__(self) -> None:
        super().__init__()
        self.clock: int | None = None

    @Slot()
    def read(self) -> None:
        clock_of = getattr(time, "pthread_getcpuclockid", None)
        if clock_of is not None:
            with contextlib.suppress(OSError):
                self.clock = clock_of(threading.get_ident())


class _Job(QObject):
    """One picture at one size, drawn on the worker thread in three queued steps: load, render, unload."""

    def __init__(
        self, loader: PictureLoader, key: tuple[str, int, int], svg: bytes, thread: _DrawingThread
    ) -> None:
        super().__init__()
        self.loader = loader
        self.key = key
        self.worker = thread  # the thread it is drawn on
        self.started = thread.cpu_ms()
        self.image: QImage | None = None
        self.painter: QPainter | None = None
        self.steps = 0
        self.renderer = QSvgRenderer()
        self.renderer.moveToThread(thread)
        self.renderer.repaintNeeded.connect(self._on_renderer_step, _QUEUED)
        QMetaObject.invokeMethod(self.renderer, "load", _QUEUED, Q_ARG(QByteArray, QByteArray(svg)))

    @Slot()
    def _on_renderer_step(self) -> None:
        self.steps += 1
        # Step 1, loaded: the worker is idle until it is given the next call, so the renderer may be read here.
        if self.steps == 1:
            if not self.renderer.isValid():
                self._finish(None)
                return
            self.image = _blank(QSize(self.key[1], self.key[2]))
            self.painter = QPainter(self.image)
            self.painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            self.painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
            target = QRectF(0, 0, self.key[1], self.key[2])
            QMetaObject.invokeMethod(
                self.renderer, "render", _QUEUED, Q_ARG("QPainter*", self.painter), Q_ARG(QRectF, target)
            )
            QMetaObject.invokeMethod(self.renderer, "load", _QUEUED, Q_ARG(QByteArray, QByteArray()))
        elif self.steps == 2:  # drawn, and the document let go of
            assert self.painter is not None
            self.painter.end()
            self._finish(self.image)

    def close(self) -> None:
        """Let go of the image, ending its painter first (only once the worker thread has stopped)."""
        if self.painter is not None and self.painter.isActive():
            self.painter.end()
        self.painter = None
        self.image = None

    def _finish(self, image: QImage | None) -> None:
        self.renderer.repaintNeeded.disconnect(self._on_renderer_step)
        self.renderer.deleteLater()  # on the worker thread, after anything still queued there
        self.loader._on_job_done(self, image)


class PictureLoader(QObject):
    """Checks, draws and keeps pictures for every `PictureView`, off the UI thread (see the module docstring).

    One per application (`loader()`). Views register a picture with `add`, ask for it at a size with `request`;
    `ready` says a picture has news (drawn, or refused), and the views that show it take it and repaint.
    """

    ready = Signal(str)  # the picture's digest
    _checked = Signal(str, bool)

    def __init__(self) -> None:
        super().__init__()
        self._pictures: dict[str, _Picture] = {}
        self._images: OrderedDict[tuple[str, int, int], QImage] = OrderedDict()
        self._image_bytes = 0
        self._wanted: OrderedDict[tuple[str, int, int], None] = OrderedDict()
        self._owners: weakref.WeakKeyDictionary[QObject, tuple[str, int, int]] = weakref.WeakKeyDictionary()
        self._job: _Job | None = None
        self._abandoned: list[_Job] = []  # too slow: kept alive (their painter is in use) until they finish
        self._checker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="picture-check")
        self._checks: dict[str, Future[bool]] = {}
        self._thread = self._new_thread()
        self._retired: list[QThread] = []
        self._checked.connect(self._on_checked, _QUEUED)
        self._watch = QTimer(self)
        self._watch.setObjectName("picture_slow_render_timer")
        self._watch.setInterval(500)
        self._watch.timeout.connect(self._on_watch)
        atexit.register(self.shutdown)

    @staticmethod
    def _new_thread() -> _DrawingThread:
        return _DrawingThread()

    # --- what views call
    def add(self, data: bytes) -> str:
        """Register a picture's bytes; returns its digest, the key views use from then on."""
        digest = hashlib.sha1(data, usedforsecurity=False).hexdigest()
        if digest not in self._pictures:
            media_type = media_type_of(data) or "image/svg+xml"
            self._pictures[digest] = _Picture(data, media_type, aspect_of(data))
        return digest

    def aspect(self, digest: str) -> float:
        return self._pictures[digest].aspect

    def refused(self, digest: str) -> bool:
        return self._pictures[digest].refused

    def image(self, digest: str, size: QSize) -> QImage | None:
        """The picture drawn at `size` if it is ready, else the nearest size drawn so far (scaled by the view)."""
        key = (digest, size.width(), size.height())
        exact = self._images.get(key)
        if exact is not None:
            self._images.move_to_end(key)
            return exact
        others = [image for (d, _, _), image in self._images.items() if d == digest]
        return max(others, key=lambda image: image.width(), default=None)

    def request(self, digest: str, size: QSize, owner: QObject) -> None:
        """Ask for the picture at `size` (already fitted with `fit`) for `owner`, replacing what it asked for
        before; `ready` is emitted when it is drawn. A request no view still waits for is never drawn."""
        picture = self._pictures[digest]
        if picture.refused:
            return
        key = (digest, size.width(), size.height())
        if key in self._images:
            return
        self._owners[owner] = key
        self._wanted[key] = None
        self._wanted.move_to_end(key)  # the newest request is drawn first: it is the one on screen
        while len(self._wanted) > 32:
            self._wanted.popitem(last=False)
        if not picture.checked:
            self._check(digest)
        else:
            self._next()

    @property
    def busy(self) -> bool:
        waited_for = set(self._owners.values())
        return (
            any(key in waited_for for key in self._wanted)
            or self._job is not None
            or any(not future.done() for future in self._checks.values())
        )

    # --- checking (Python, off the UI thread)
    def _check(self, digest: str) -> None:
        if digest in self._checks:
            return
        picture = self._pictures[digest]

        def check() -> bool:
            ok = picture_problem(picture.data, picture.media_type) is None
            self._checked.emit(digest, ok)
            return ok

        self._checks[digest] = self._checker.submit(check)

    @Slot(str, bool)
    def _on_checked(self, digest: str, ok: bool) -> None:
        picture = self._pictures[digest]
        picture.checked = True
        self._checks.pop(digest, None)
        if not ok:
            log.warning("a stored picture is refused by the picture checks and is shown by its alt text")
            picture.refused = True
            for key in [k for k in self._wanted if k[0] == digest]:
                del self._wanted[key]
            self.ready.emit(digest)
        self._next()

    # --- drawing (C++, on the worker thread)
    def _next(self) -> None:
        if self._job is not None:
            return
        waited_for = set(self._owners.values())
        for key in [k for k in self._wanted if k not in waited_for]:  # its views moved on, or are gone
            del self._wanted[key]
        for key in reversed(self._wanted):
            picture = self._pictures[key[0]]
            if picture.checked and not picture.refused:
                del self._wanted[key]
                self._job = _Job(self, key, as_svg(picture.data, picture.media_type), self._thread)
                self._watch.start()
                return

    def _on_job_done(self, job: _Job, image: QImage | None) -> None:
        if job is not self._job:  # given up on as too slow, it has finished after all: its thread may end now
            if job in self._abandoned:
                self._abandoned.remove(job)
            job.worker.quit()
            return
        self._job = None
        self._watch.stop()
        digest = job.key[0]
        if image is None:
            self._pictures[digest].refused = True
        else:
            self._keep(job.key, image)
        self.ready.emit(digest)
        self._next()

    def _keep(self, key: tuple[str, int, int], image: QImage) -> None:
        self._images[key] = image
        self._image_bytes += image.sizeInBytes()
        while self._image_bytes > CACHE_BYTES and len(self._images) > 1:
            _, old = self._images.popitem(last=False)
            self._image_bytes -= old.sizeInBytes()

    @Slot()
    def _on_watch(self) -> None:
        job = self._job
        if job is None or job.worker.cpu_ms() - job.started < SLOW_RENDER_MS:
            return
        log.warning(
            "a picture took more than %d ms of processor time to draw; it is shown by its alt text",
            SLOW_RENDER_MS,
        )
        self._pictures[job.key[0]].refused = True
        self._abandoned.append(job)
        self._job = None
        self._watch.stop()
        # The slow picture's thread is left to finish it (and let go of it: quitting now could strand the job's
        # last steps in its queue) and ends then; a new thread draws the rest.
        self._retired = [thread for thread in self._retired if not thread.isFinished()]
        self._retired.append(self._thread)
        self._thread = self._new_thread()
        self.ready.emit(job.key[0])
        self._next()

    def wait_until_idle(self, timeout_ms: int = 10_000) -> bool:
        """Process events until every requested picture is drawn (for screenshots and tests); False on timeout."""
        app = QCoreApplication.instance()
        deadline = time.monotonic() + timeout_ms / 1000
        while self.busy and time.monotonic() < deadline:
            if app is not None:
                app.processEvents()
            time.sleep(0.002)
        return not self.busy

    def shutdown(self) -> None:
        """Stop the worker threads (at exit). A thread still drawing a picture after the time any picture is
        given (a hostile one, given up on) is stopped the hard way: Qt ends the process if one is left running."""
        self._checker.shutdown(wait=False, cancel_futures=True)
        waits = [(self._thread, SLOW_RENDER_MS + 1000)] + [(thread, 500) for thread in self._retired]
        for thread, wait_ms in waits:  # a retired thread is drawing a picture already known to be too slow
            try:
                thread.quit()
                if not thread.wait(wait_ms):
                    thread.terminate()
                    thread.wait(1000)
            except RuntimeError:  # already deleted by Qt
                pass
        self._retired.clear()
        # A job whose drawing had not run when its thread stopped still holds a painter open on its image; end it
        # now, or the image may be destroyed under an active painter and take the process down as it exits.
        for job in [self._job, *self._abandoned]:
            if job is not None:
                job.close()
        self._job = None
        self._abandoned.clear()


_loader: PictureLoader | None = None


def loader() -> PictureLoader:
    """The application's picture loader, made the first time a picture is shown."""
    global _loader
    if _loader is None:
        _loader = PictureLoader()
    return _loader


# --- the probe ---------------------------------------------------------------------------------------------------


def draw(data: bytes, media_type: str, side: int = RENDER_SIDE) -> QImage | None:
    """The picture drawn at the size the kiosk's largest view would draw it, here and now; None if Qt cannot
    read it. For the probe: in the kiosk, pictures are drawn by `PictureLoader`."""
    renderer = QSvgRenderer(QByteArray(as_svg(data, media_type)))
    if not renderer.isValid():
        return None
    image = _blank(fit(aspect_of(data), QSize(side, side)))
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter, QRectF(0, 0, image.width(), image.height()))
    painter.end()
    return image


def _memory_kb(field: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _reset_peak_memory() -> None:
    """Make VmHWM start again from the current size (Linux), so each picture's peak is its own."""
    with contextlib.suppress(OSError):  # not Linux: each peak then includes the pictures before it
        Path("/proc/self/clear_refs").write_text("5")


def _measure(files: list[Path], side: int, say: Callable[[dict[str, object]], None]) -> None:
    for path in files:
        data = path.read_bytes()
        media_type = media_type_of(data) or "image/svg+xml"
        # A raster must unpack, not just have a plausible header.
        if media_type != "image/svg+xml" and QImage.fromData(data).isNull():
            say({"error": "the file cannot be read as a picture"})
            continue
        _reset_peak_memory()
        before = _memory_kb("VmRSS")
        # The drawing's own processor time, not the clock: a busy machine (an update running beside the kiosk, a
        # test run) must not turn an ordinary picture into a "slow" one. A hostile one burns processor time.
        started = time.thread_time()
        image = draw(data, media_type, side)
        seconds = time.thread_time() - started
        if image is None:
            say({"error": "Qt cannot read it"})
            continue
        peak = max(0, _memory_kb("VmHWM") - before)
        say({"seconds": round(seconds, 4), "memory_mb": round(peak / 1024, 1)})


def main(argv: list[str] | None = None) -> int:
    import argparse  # here, not at the top: the kiosk imports this module at start, and never runs this
    import json
    import resource

    parser = argparse.ArgumentParser(prog="python -m kiosk.ui.pictures")
    parser.add_argument("--measure", action="store_true", help="draw each file once and print what it cost")
    parser.add_argument("--side", type=int, default=RENDER_SIDE)
    parser.add_argument("--memory-mb", type=int, default=0, help="limit this program's memory (RLIMIT_AS)")
    parser.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    if args.memory_mb:  # lower the limit, never raise it above what this process was given
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = args.memory_mb * 1024 * 1024
        limit = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    app = QGuiApplication([sys.argv[0]])

    def say(answer: dict[str, object]) -> None:
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()

    say({"ready": True})
    if args.measure:
        _measure(args.files, args.side, say)
    del app
    return 0


if __name__ == "__main__":
    sys.exit(main())
