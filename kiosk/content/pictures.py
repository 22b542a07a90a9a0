"""Checking picture files before the kiosk stores or shows them.

An SVG is a document, not just a picture: it can carry scripts, event handlers and references to other files or
the network. The kiosk accepts only self-contained drawings: no DOCTYPE or entities, no script, foreignObject,
embedded documents or event handlers, and no reference that does not point inside the same file (`#id`).
"""

from __future__ import annotations

import re
import xml.parsers.expat

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
FORBIDDEN_ELEMENTS = frozenset(
    {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener"}
)
_URL_IN_CSS = re.compile(r"url\(\s*['\"]?\s*(?!#)", re.IGNORECASE)
_IMPORT_IN_CSS = re.compile(r"@import", re.IGNORECASE)


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def _local(name: str) -> str:
    return name.rsplit(" ", 1)[-1].lower()


def svg_problem(data: bytes) -> tuple[int, str] | None:
    """(line, message) for the first reason this SVG is refused, or None if it is safe to show."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return 1, "the SVG is not UTF-8 text"
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    depth = [0]

    def start(name: str, attrs: dict[str, str]) -> None:
        line = parser.CurrentLineNumber
        tag = _local(name)
        if depth[0] == 0 and tag != "svg":
            raise _Refused(line, "not an SVG drawing (the first element must be <svg>)")
        depth[0] += 1
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

    def end(_name: str) -> None:
        depth[0] -= 1

    def text(value: str) -> None:
        if _IMPORT_IN_CSS.search(value) or _URL_IN_CSS.search(value):
            raise _Refused(
                parser.CurrentLineNumber, "unsafe SVG: a style refers to another file or the network"
            )

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
    return None


def picture_problem(data: bytes, media_type: str) -> tuple[int, str] | None:
    """(line, message) for the first reason a picture is refused, or None."""
    if media_type == "image/svg+xml":
        return svg_problem(data)
    if media_type == "image/png" and not data.startswith(PNG_MAGIC):
        return 1, "the file is not a PNG picture"
    if media_type == "image/jpeg" and not data.startswith(JPEG_MAGIC):
        return 1, "the file is not a JPEG picture"
    return None
