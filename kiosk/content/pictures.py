"""Checking picture files before the kiosk stores or shows them: for safety, and for what they cost to draw.

An SVG is a document, not just a picture: it can carry scripts, event handlers and references to other files or
the network. The kiosk accepts only self-contained drawings: no DOCTYPE or entities, no script, foreignObject,
embedded documents or event handlers, and no reference that does not point inside the same file (`#id`).

A small file can also be very expensive to draw. A `<use>` draws another part of the drawing again, so eight
levels of groups that each use the level below ten times make a 2 KB file that draws a hundred million shapes;
markers repeat at every point of a path; a PNG header can promise a picture of a billion pixels. `svg_problem` and
`picture_problem` check those costs from the file alone, in Python and in milliseconds (`SvgLimits`), and refuse
with the line to look at. What the file alone cannot tell (how long the shapes take to fill) is measured by
drawing the picture once, offscreen, in a separate process with a hard time and memory limit: `measure`, run
where pictures come in (content and pack imports, `content validate`, and the staff console's "add a picture").
The drawing program is `kiosk.ui.pictures`; this module only starts it and reads its answers, so it needs no Qt.
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
import time
import xml.parsers.expat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.errors import KioskError

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
FORBIDDEN_ELEMENTS = frozenset(
    {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
)
_URL_IN_CSS = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_IMPORT_IN_CSS = re.compile(r"@import", re.IGNORECASE)
_LOCAL_URL = re.compile(r"url\(\s*['\"]?\s*#([^)'\"\s]+)", re.IGNORECASE)
_NUMBER = re.compile(rb"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_MARKER_PROPERTIES = frozenset({"marker-start", "marker-mid", "marker-end", "marker"})
_STYLE_PROPERTY = re.compile(r"([a-z-]+)\s*:\s*([^;]*)", re.IGNORECASE)
#: Elements that are not shapes: a reference to a gradient costs a fill, not another shape.
_NOT_DRAWN = frozenset({"lineargradient", "radialgradient", "stop", "title", "desc", "metadata", "style"})

#: The largest size, on its longest side in pixels, that the kiosk draws a picture at. The reader on a 4K screen
#: draws pictures about 1,800 pixels wide; larger views draw this size scaled up.
RENDER_SIDE = 2048


@dataclass(frozen=True)
class SvgLimits:
    """What an SVG may cost. The bundled illustrations have at most about 100 elements, no `<use>`, and a few
    thousand numbers of path data; a detailed drawing from Inkscape or Illustrator has a few thousand elements."""

    elements: int = 10_000  # elements written in the file
    depth: int = 32  # elements inside elements
    references: int = 10_000  # <use>, href="#..." and url(#...) references
    reference_depth: int = 5  # a <use> of a part that has a <use> of a part that has ...
    drawn: int = 20_000  # elements drawn once every reference is followed: fan-out multiplied through
    path_numbers: int = 400_000  # numbers in path data and point lists, references followed
    filters: int = 16  # filter effects (blur, shadow, ...), each costly on every pixel it covers


SVG_LIMITS = SvgLimits()
#: Raster pictures: the staff console makes photos smaller (1600 pixels); a picture over this many pixels on a
#: side is never needed at `RENDER_SIDE` and would cost up to 64 MB to unpack.
MAX_RASTER_SIDE = 4096


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1].lower()


@dataclass
class _Node:
    """One SVG element, for working out what it costs to draw."""

    tag: str
    line: int
    children: list[int] = field(default_factory=list)
    refs: list[tuple[str, int]] = field(default_factory=list)  # (id, how many times it is drawn)
    numbers: int = 0


def _references(attrs: dict[str, str], numbers: int) -> list[tuple[str, int]]:
    """The parts an element draws again: href="#id", url(#id) in attributes and styles. A marker is drawn at
    every point of the path, so it counts once for each point."""
    found: list[tuple[str, int]] = []
    properties: list[tuple[str, str]] = []
    for key, value in attrs.items():
        name = _local(key)
        if name == "href" and value.strip().startswith("#"):
            found.append((value.strip()[1:], 1))
        elif name == "style":
            properties += [(m.group(1).lower(), m.group(2)) for m in _STYLE_PROPERTY.finditer(value)]
        else:
            properties.append((name, value))
    points = max(1, numbers // 2)
    for name, value in properties:
        for match in _LOCAL_URL.finditer(value):
            found.append((match.group(1), points if name in _MARKER_PROPERTIES else 1))
    return found


def _cost_problem(nodes: list[_Node], ids: dict[str, list[int]], limits: SvgLimits) -> tuple[int, str] | None:
    """Follow every reference from the root and add up what drawing costs, without ever expanding anything:
    each element's cost is worked out once, from its children's and its references' costs."""
    cap = 10 * max(
        limits.drawn, limits.path_numbers
    )  # saturate: a bomb's true count can be astronomically large
    drawn = [0] * len(nodes)
    numbers = [0] * len(nodes)
    depth = [0] * len(nodes)  # the longest chain of references below an element
    state = [0] * len(nodes)  # 0: not seen, 1: being worked out, 2: done

    def targets(index: int) -> list[tuple[int, int]]:
        return [(target, times) for ref, times in nodes[index].refs for target in ids.get(ref, ())]

    stack = [0]
    while stack:
        index = stack[-1]
        if state[index] == 0:
            state[index] = 1
            for child in nodes[index].children:
                if state[child] == 0:
                    stack.append(child)
            for target, _ in targets(index):
                if state[target] == 1:
                    return nodes[
                        index
                    ].line, "a part of the picture uses itself, so drawing it would never end"
                if state[target] == 0:
                    stack.append(target)
            continue
        stack.pop()
        if state[index] == 2:
            continue
        total_drawn = (nodes[index].tag not in _NOT_DRAWN) + sum(drawn[c] for c in nodes[index].children)
        total_numbers = nodes[index].numbers + sum(numbers[c] for c in nodes[index].children)
        chain = max((depth[c] for c in nodes[index].children), default=0)
        for target, times in targets(index):
            if state[target] != 2:  # a reference to an element still being worked out is a cycle
                return nodes[index].line, "a part of the picture uses itself, so drawing it would never end"
            total_drawn += times * drawn[target]
            total_numbers += times * numbers[target]
            chain = max(chain, depth[target] + 1)
        drawn[index] = min(total_drawn, cap)
        numbers[index] = min(total_numbers, cap)
        depth[index] = chain
        state[index] = 2
        if chain > limits.reference_depth:
            return (
                nodes[index].line,
                f"the picture copies parts that copy parts too deeply ({chain} levels; at most "
                f"{limits.reference_depth}): simplify it",
            )

    def worst_reference(values: list[int]) -> int:
        """The line of the reference that adds most: where to look first."""
        best, line = -1, nodes[0].line
        for node in nodes:
            for target_list in (ids.get(ref, ()) for ref, _ in node.refs):
                for target in target_list:
                    if values[target] > best:
                        best, line = values[target], node.line
        return line

    if drawn[0] > limits.drawn:
        amount = f"{drawn[0]:,}" if drawn[0] < cap else f"more than {cap:,}"
        return (
            worst_reference(drawn),
            f"the picture repeats its parts too often: drawing it means drawing {amount} shapes "
            f"(at most {limits.drawn:,}); simplify it",
        )
    if numbers[0] > limits.path_numbers:
        amount = f"{numbers[0]:,}" if numbers[0] < cap else f"more than {cap:,}"
        return (
            worst_reference(numbers),
            f"the picture's outlines are too detailed ({amount} numbers of path data; at most "
            f"{limits.path_numbers:,}): simplify it",
        )
    return None


def svg_problem(data: bytes, limits: SvgLimits = SVG_LIMITS) -> tuple[int, str] | None:
    """(line, message) for the first reason this SVG is refused, or None if it is safe to show and within
    `limits`."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return 1, "the SVG is not UTF-8 text"
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    nodes: list[_Node] = []
    open_nodes: list[int] = []
    ids: dict[str, list[int]] = {}
    counts = {"references": 0, "filters": 0, "numbers": 0}
    style_text: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        tag = _local(name)
        if not nodes and tag != "svg":
            raise _Refused(line, "not an SVG drawing (the first element must be <svg>)")
        if tag in FORBIDDEN_ELEMENTS:
            raise _Refused(line, f"unsafe SVG: <{tag}> is not allowed")
        for key, value in attrs.items():
            attr = _local(key)
            if attr.startswith("on"):
                raise _Refused(line, f"unsafe SVG: event handler {attr!r} is not allowed")
            if attr in ("href", "src") and not value.strip().startswith("#"):
                raise _Refused(line, "unsafe SVG: it refers to another file or the network")
            if attr == "style" and (_URL_IN_CSS.search(value) or _IMPORT_IN_CSS.search(value)):
                raise _Refused(line, "unsafe SVG: a style refers to another file or the network")
        if len(nodes) >= limits.elements:
            raise _Refused(
                line,
                f"the picture has too many parts (more than {limits.elements:,}): simplify it, "
                "or save it as a PNG",
            )
        if len(open_nodes) >= limits.depth:
            raise _Refused(line, f"the picture's parts are nested too deeply (at most {limits.depth} levels)")
        if tag.startswith("fe"):
            counts["filters"] += 1
            if counts["filters"] > limits.filters:
                raise _Refused(line, f"the picture has too many filter effects (at most {limits.filters})")
        numbers = 0
        for key in ("d", "points"):
            if key in attrs:
                numbers += len(_NUMBER.findall(attrs[key].encode()))
        counts["numbers"] += numbers
        if counts["numbers"] > limits.path_numbers:
            raise _Refused(
                line,
                f"the picture's outlines are too detailed (more than {limits.path_numbers:,} numbers of path "
                "data): simplify it",
            )
        node = _Node(tag, line, numbers=numbers, refs=_references(attrs, numbers))
        counts["references"] += len(node.refs)
        if counts["references"] > limits.references:
            raise _Refused(
                line, f"the picture has too many references to its parts (at most {limits.references:,})"
            )
        index = len(nodes)
        nodes.append(node)
        if open_nodes:
            nodes[open_nodes[-1]].children.append(index)
        open_nodes.append(index)
        identifier = attrs.get("id")
        if identifier:
            ids.setdefault(identifier, []).append(index)

    def end(_name: str) -> None:
        open_nodes.pop()

    def text(value: str) -> None:
        if _IMPORT_IN_CSS.search(value) or _URL_IN_CSS.search(value):
            raise _Refused(
                parser.CurrentLineNumber, "unsafe SVG: a style refers to another file or the network"
            )
        if open_nodes and nodes[open_nodes[-1]].tag == "style":
            style_text.append(value)

    def doctype(*_args: object) -> None:
        raise _Refused(parser.CurrentLineNumber, "unsafe SVG: a DOCTYPE or entity declaration is not allowed")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except _Refused as refused:
        return refused.line, refused.message
    except xml.parsers.expat.ExpatError as error:
        return (
            error.lineno,
            f"the SVG is not well-formed XML ({xml.parsers.expat.errors.messages[error.code]})",
        )
    # A style sheet can give every element a fill or a marker that refers to a part: count it for each one.
    sheet = "".join(style_text)
    for match in _LOCAL_URL.finditer(sheet):
        for node in nodes[1:]:
            node.refs.append((match.group(1), max(1, node.numbers // 2)))
    return _cost_problem(nodes, ids, limits)


def raster_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG from its header, without unpacking it; None if the header is not one."""
    if data.startswith(PNG_MAGIC):
        if len(data) < 24 or data[12:16] != b"IHDR":
            return None
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not data.startswith(JPEG_MAGIC):
        return None
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            position += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, start of scan: no frame header before it
            return None
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
            if position + 9 > len(data):
                return None
            height = int.from_bytes(data[position + 5 : position + 7], "big")
            width = int.from_bytes(data[position + 7 : position + 9], "big")
            return width, height
        if length < 2:
            return None
        position += 2 + length
    return None


def raster_problem(data: bytes, media_type: str, max_side: int = MAX_RASTER_SIDE) -> tuple[int, str] | None:
    kind = "PNG" if media_type == "image/png" else "JPEG"
    if not data.startswith(PNG_MAGIC if kind == "PNG" else JPEG_MAGIC):
        return 1, f"the file is not a {kind} picture"
    size = raster_size(data)
    if size is None or 0 in size:
        return 1, f"the {kind} picture is damaged (its size cannot be read)"
    if max(size) > max_side:
        return (
            1,
            f"the picture is too large ({size[0]} x {size[1]} pixels; at most {max_side} on its longest side): "
            "make it smaller, or add it in the staff console, which does that for you",
        )
    return None


def picture_problem(data: bytes, media_type: str) -> tuple[int, str] | None:
    """(line, message) for the first reason a picture is refused, or None."""
    if media_type == "image/svg+xml":
        return svg_problem(data)
    if media_type in ("image/png", "image/jpeg"):
        return raster_problem(data, media_type)
    return None


def media_type_of(data: bytes) -> str | None:
    """What a stored picture is, from its first bytes."""
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if b"<svg" in data[:4096]:
        return "image/svg+xml"
    return None


_VIEW_BOX = re.compile(r"^\s*([-+.\deE]+)[\s,]+([-+.\deE]+)[\s,]+([-+.\deE]+)[\s,]+([-+.\deE]+)\s*$")
_LENGTH = re.compile(r"^\s*([+]?[\d.]+(?:[eE][-+]?\d+)?)\s*(px)?\s*$")


class _Root(Exception):
    def __init__(self, attrs: dict[str, str]) -> None:
        super().__init__()
        self.attrs = attrs


def picture_size(data: bytes) -> tuple[float, float] | None:
    """The width and height a picture declares (an SVG's viewBox or width and height, a raster's header), read
    from the first element or the header only; None if it does not say, or says something absurd."""
    raster = raster_size(data)
    if raster is not None:
        return (float(raster[0]), float(raster[1])) if 0 not in raster else None
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")

    def start(_name: str, attrs: dict[str, str]) -> None:
        raise _Root(attrs)

    def doctype(*_args: object) -> None:  # entities could expand inside the root's attributes
        raise _Refused(parser.CurrentLineNumber, "DOCTYPE")

    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    try:
        parser.Parse(data, True)
    except _Root as root:
        attrs = {_local(key): value for key, value in root.attrs.items()}
    except (xml.parsers.expat.ExpatError, _Refused):
        return None
    else:
        return None
    sizes: tuple[float, float] | None = None
    box = _VIEW_BOX.match(attrs.get("viewbox", ""))
    try:
        if box is not None:
            sizes = (float(box.group(3)), float(box.group(4)))
        else:
            width, height = _LENGTH.match(attrs.get("width", "")), _LENGTH.match(attrs.get("height", ""))
            if width is not None and height is not None:
                sizes = (float(width.group(1)), float(height.group(1)))
    except ValueError:
        return None
    if sizes is None or not all(0 < value < 1e9 for value in sizes):
        return None
    return sizes


# --- measuring what drawing costs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderBudget:
    """What drawing a picture once at `RENDER_SIDE` may cost, and the hard limits of the process that measures
    it. The bundled illustrations draw in 30-90 ms at that size using under 20 MB; the kiosk draws pictures on a
    worker thread, so a picture within budget never holds up the screen, it only appears a little later."""

    seconds: float = 1.0  # processor time to draw it at RENDER_SIDE
    memory_mb: int = 256  # memory used while drawing, beyond the drawing program's own
    timeout: float = 10.0  # a picture still drawing after this is stopped and refused
    # The staff console waits for the check: starting and drawing together stay well under the watchdog's 30 s.
    startup_timeout: float = 10.0  # for the drawing program to start (it loads Qt, usually in half a second)
    total_timeout: float = 15.0  # for every picture together, so no import waits on pictures for long
    address_space_mb: int = 2048  # the drawing program's hard memory limit (RLIMIT_AS)


RENDER_BUDGET = RenderBudget()
#: Pictures already measured by this process, by SHA-256: an import plans (measures) and then applies (finds
#: them here); the staff console checks a pack and then imports it.
_measured: dict[str, tuple[int, str] | None] = {}


def _verdict(answer: dict[str, object], budget: RenderBudget) -> tuple[int, str] | None:
    if "error" in answer:
        return 1, f"the picture cannot be drawn ({answer['error']})"
    seconds = float(answer.get("seconds", 0.0))  # type: ignore[arg-type]
    memory = float(answer.get("memory_mb", 0.0))  # type: ignore[arg-type]
    if seconds > budget.seconds:
        return (
            1,
            f"the picture takes too long to draw ({seconds:.1f} s at {RENDER_SIDE} pixels; at most "
            f"{budget.seconds:.1f} s): simplify it, or save it as a PNG",
        )
    if memory > budget.memory_mb:
        return (
            1,
            f"the picture needs too much memory to draw ({memory:.0f} MB; at most {budget.memory_mb} MB): "
            "simplify it",
        )
    return None


def _run_probe(
    files: list[Path], budget: RenderBudget, time_left: float
) -> tuple[list[dict[str, object]], str | None, float]:
    """Draw `files` in one drawing program, in order. Returns the answers it gave, why it stopped before
    answering for every file ("timeout", "crash" or "startup"; None if it did not), and the drawing time used.

    The drawing program limits its own memory (RLIMIT_AS) before it loads Qt, and is killed, with anything it
    started, when it takes too long."""
    import contextlib  # here, not at the top: the kiosk imports this module at start, and never measures
    import json
    import selectors
    import signal
    import subprocess

    command = [
        sys.executable,
        "-m",
        "kiosk.ui.pictures",
        "--measure",
        f"--side={RENDER_SIDE}",
        f"--memory-mb={budget.address_space_mb}",
        *map(str, files),
    ]
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "QT_LOGGING_RULES": "*=false"}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
    except OSError as error:
        raise KioskError(f"pictures cannot be checked: the drawing check does not start ({error})") from None
    assert process.stdout is not None
    answers: list[dict[str, object]] = []
    reason: str | None = None
    buffer = b""
    started = False
    wait_until = time.monotonic() + budget.startup_timeout
    deadline = wait_until + time_left  # replaced once the program has started
    began = time.monotonic()
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        while len(answers) < len(files):
            left = wait_until - time.monotonic()
            if left <= 0 or not selector.select(left):
                reason = "timeout" if started else "startup"
                break
            chunk = os.read(process.stdout.fileno(), 65536)
            if not chunk:
                reason = "crash" if started else "startup"
                break
            buffer += chunk
            while b"\n" in buffer:
                line, buffer = buffer.split(b"\n", 1)
                try:
                    answer = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(answer, dict):
                    continue
                if answer.get("ready"):
                    started = True
                    began = time.monotonic()
                    deadline = began + time_left
                else:
                    answers.append(answer)
                wait_until = min(time.monotonic() + budget.timeout, deadline)
    with contextlib.suppress(OSError):  # it may have ended by itself
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    process.stdout.close()
    return answers, reason, time.monotonic() - began if started else 0.0


def measure(
    pictures: Mapping[str, tuple[bytes, str]], budget: RenderBudget | None = None
) -> dict[str, tuple[int, str]]:
    """Draw each picture once at `RENDER_SIDE`, in a separate process with hard limits; the problems of those
    over `budget`, by name. Pictures are assumed to have passed `picture_problem` already.

    Stops at the first picture that is too slow or makes the drawing program fail (the import is refused anyway),
    so the whole check never takes much longer than `budget.total_timeout`. Raises `KioskError` if the drawing
    program cannot run at all: pictures that cannot be checked are not let in.
    """
    budget = budget or RENDER_BUDGET
    problems: dict[str, tuple[int, str]] = {}
    waiting: list[tuple[str, str, bytes, str]] = []
    for name, (data, media_type) in pictures.items():
        digest = hashlib.sha256(data).hexdigest()
        if digest in _measured:
            known = _measured[digest]
            if known is not None:
                problems[name] = known
        else:
            waiting.append((name, digest, data, media_type))
    if not waiting:
        return problems
    import tempfile

    suffixes = {"image/svg+xml": ".svg", "image/png": ".png", "image/jpeg": ".jpg"}
    time_left = budget.total_timeout
    with tempfile.TemporaryDirectory(prefix="kiosk-measure-") as folder:
        files = []
        for number, (_, _, data, media_type) in enumerate(waiting):
            path = Path(folder) / f"{number}{suffixes.get(media_type, '.bin')}"
            path.write_bytes(data)
            files.append(path)
        done = 0
        while done < len(waiting):
            answers, reason, used = _run_probe(files[done:], budget, time_left)
            time_left -= used
            for answer in answers:
                name, digest, _, _ = waiting[done]
                _measured[digest] = problems_for = _verdict(answer, budget)
                if problems_for is not None:
                    problems[name] = problems_for
                done += 1
            if reason is None:
                continue
            if reason == "startup":
                raise KioskError("pictures cannot be checked: the drawing check did not start")
            name, digest, _, _ = waiting[done]
            if reason == "timeout" and time_left <= 0:
                problems[name] = (
                    1,
                    "the pictures together take too long to draw: there are too many, or they are too complex",
                )
            elif reason == "timeout":
                problems[name] = (
                    1,
                    f"the picture takes too long to draw (more than {budget.timeout:.0f} s; at most "
                    f"{budget.seconds:.1f} s): simplify it, or save it as a PNG",
                )
            else:
                problems[name] = (1, "the picture needs too much memory to draw, or cannot be drawn")
            _measured[digest] = problems[name]
            break  # the import is refused: do not keep the person waiting for the rest
    return problems
