"""Reading a content folder (the format in docs/CONTENT.md) into documents, with every problem at FILE:LINE.

Parsing never raises for bad content: it records a `Problem` and carries on, so one run tells an author about
every mistake at once. Cross-file checks (links, languages agreeing) live in `kiosk.content.validate`.

Nothing in a folder is trusted to be small or well-behaved, so reading has limits that no real content comes
near: only plain files and folders are read (never links, devices or pipes, which could point anywhere or never
end), each file at most a set size and the whole folder at most `MAX_FOLDER_BYTES`, and YAML without aliases
(`*name`, which can make a few hundred bytes expand to gigabytes) and without deep nesting. Each refusal is one
`Problem`, found in well under a second.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import frontmatter
import yaml
from frontmatter.default_handlers import YAMLHandler
from yaml.composer import ComposerError

from kiosk.config import MAX_TAKE_HOME, SETTINGS, SUPPORTED_LANGUAGES, coerce
from kiosk.content import checks
from kiosk.content.pictures import picture_problem
from kiosk.errors import KioskError

MAX_TEXT_BYTES = 256 * 1024
MAX_PICTURE_BYTES = 4 * 1024 * 1024
MAX_FOLDER_BYTES = 256 * 1024 * 1024  # everything read from one folder, pictures included
MAX_FOLDER_TEXT_BYTES = 4 * 1024 * 1024  # its Markdown and YAML: the bundled content has 0.15 MB
MAX_FOLDER_ENTRIES = 1000  # files in one folder of a content folder
MAX_YAML_DEPTH = 8  # settings and front matter are flat; a list in a map is two levels
PICTURE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILE_NAME = re.compile(r"^(\d+)-([a-z0-9-]+)\.md$")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")
HEADING_ID = re.compile(r"^(.*?)\s*\{\s*#([^}\s]*)\s*\}$")
FENCE = re.compile(r"^(```|~~~)")
BOUNDARY = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)
_LONG_NUMBER = re.compile(r"\d{1000,}")

Severity = Literal["error", "warning"]


def printable(text: str) -> str:
    """`text` with every control, format and line-separator character escaped, so that a name or a value can
    never start a new line, move the cursor or reverse the text of a report it is printed in."""
    if text.isprintable():
        return text
    out = []
    for char in text:
        if char.isprintable() or char == " ":
            out.append(char)
        elif unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
            code = ord(char)
            out.append(
                f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
            )
        else:  # other spaces (no-break, ideographic) print as themselves
            out.append(char)
    return "".join(out)


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{printable(self.path)}:{self.line}: {prefix}{printable(self.message)}"


@dataclass
class Section:
    """One `## Heading {#id}` and the Markdown below it: a reader page or a FAQ question."""

    id: str
    title: str
    markdown: str
    line: int  # of the heading
    body_line: int  # first line of the body


@dataclass
class Document:
    """One chapter or FAQ category file in one language."""

    kind: Literal["chapter", "faq", "check"]
    lang: str
    path: str  # relative to the content root, with forward slashes
    position: int
    id: str
    title: str
    title_line: int
    meta: dict[str, Any]
    sections: list[Section] = field(default_factory=list)

    @property
    def published(self) -> bool:
        return bool(self.meta.get("published", True))

    @property
    def unpublished(self) -> list[str]:
        value = self.meta.get("unpublished") or []
        return [str(item) for item in value] if isinstance(value, list) else []


@dataclass(frozen=True)
class PictureFile:
    name: str
    data: bytes
    media_type: str


@dataclass
class ContentSet:
    root: Path
    languages: list[str]
    site: dict[str, object]
    documents: list[Document] = field(default_factory=list)
    pictures: dict[str, PictureFile] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def docs(self, kind: str, lang: str) -> list[Document]:
        return sorted(
            (d for d in self.documents if d.kind == kind and d.lang == lang),
            key=lambda d: (d.position, d.path),
        )

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class _Reporter:
    def __init__(self, problems: list[Problem], path: str) -> None:
        self.problems = problems
        self.path = path

    def error(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message, "error"))

    def warn(self, line: int, message: str) -> None:
        self.problems.append(Problem(self.path, line, message, "warning"))


class Unreadable(Exception):
    """A file that is not read: why, in words for the person who put it there."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


@dataclass
class _Budget:
    """What is left of `MAX_FOLDER_BYTES` and `MAX_FOLDER_TEXT_BYTES` while one folder is read."""

    left: int = field(default_factory=lambda: MAX_FOLDER_BYTES)
    text_left: int = field(default_factory=lambda: MAX_FOLDER_TEXT_BYTES)


_OPEN_FLAGS = (
    os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
)


def read_file(path: Path, limit: int) -> bytes:
    """The bytes of a plain file of at most `limit` bytes, or `Unreadable`.

    A link, device, pipe or socket is refused without reading it (a link to /dev/zero never ends, a pipe can
    wait forever), and no more than `limit` + 1 bytes are ever read, whatever the file claims its size is.
    """
    try:
        info = os.lstat(path)
        if stat.S_ISLNK(info.st_mode):
            raise Unreadable("is a link; only plain files are read (copy the file itself here)")
        if not stat.S_ISREG(info.st_mode):
            raise Unreadable("is not a plain file (a device, pipe or folder); only plain files are read")
        if info.st_size > limit:
            raise Unreadable(
                f"file is too large ({info.st_size // 1024} KB; the limit is {limit // 1024} KB)",
                too_large=True,
            )
        fd = os.open(path, _OPEN_FLAGS)  # no link, no waiting: the file could have been swapped since lstat
    except OSError as error:
        if error.errno == errno.ELOOP:
            raise Unreadable("is a link; only plain files are read (copy the file itself here)") from None
        raise Unreadable(f"cannot read the file: {error.strerror or error}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise Unreadable("is not a plain file (a device, pipe or folder); only plain files are read")
        chunks: list[bytes] = []
        left = limit + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
    except OSError as error:
        raise Unreadable(f"cannot read the file: {error.strerror or error}") from None
    finally:
        os.close(fd)
    data = b"".join(chunks)
    if len(data) > limit:
        raise Unreadable(f"file is too large (more than {limit // 1024} KB, the limit)", too_large=True)
    return data


def _is_folder(path: Path) -> bool:
    """A real folder (not a link to one: a link could lead anywhere, /proc included)."""
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def _entries(root: Path, folder: Path, problems: list[Problem], pattern: str = "*") -> list[Path]:
    """The entries of a content folder matching `pattern`, sorted, at most `MAX_FOLDER_ENTRIES` of them."""
    found: list[Path] = []
    try:
        with os.scandir(folder) as listing:
            for entry in listing:
                if len(found) >= MAX_FOLDER_ENTRIES:
                    relative = folder.relative_to(root).as_posix()
                    problems.append(
                        Problem(
                            relative, 1, f"too many files in this folder (the limit is {MAX_FOLDER_ENTRIES})"
                        )
                    )
                    break
                if Path(entry.name).match(pattern):
                    found.append(Path(entry.path))
    except OSError as error:
        relative = folder.relative_to(root).as_posix()
        problems.append(Problem(relative, 1, f"cannot read the folder: {error.strerror or error}"))
    return sorted(found)


def _read(path: Path, report: _Reporter, limit: int, budget: _Budget, *, text: bool = False) -> bytes | None:
    left = min(budget.left, budget.text_left) if text else budget.left
    try:
        data = read_file(path, min(limit, left))
    except Unreadable as why:
        if why.too_large and left < limit:
            if text and budget.text_left < budget.left:
                whole = f"more than {MAX_FOLDER_TEXT_BYTES // (1024 * 1024)} MB of text"
            else:
                whole = f"more than {MAX_FOLDER_BYTES // (1024 * 1024)} MB in all"
            report.error(1, f"the folder holds too much ({whole})")
        else:
            report.error(1, str(why))
        return None
    budget.left -= len(data)
    if text:
        budget.text_left -= len(data)
    return data


def read_text(
    path: Path, report: _Reporter, budget: _Budget | None = None, limit: int = MAX_TEXT_BYTES
) -> str | None:
    """The file's text, or None after reporting why it cannot be read (too big, not UTF-8, not a plain file)."""
    data = _read(path, report, limit, budget or _Budget(), text=True)
    if data is None:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.error(line, "the file is not valid UTF-8 text (save it as UTF-8)")
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


# --- YAML, with limits ---------------------------------------------------------------------------------------


class YamlError(Exception):
    """YAML that is refused: a message and the (1-based) line within the YAML text."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing aliases and deep nesting while it builds the node tree (before any value
    is made, so nothing can expand)."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        if self.check_event(yaml.AliasEvent):
            raise ComposerError(
                None,
                None,
                "aliases (*name) are not allowed: write the value out",
                self.peek_event().start_mark,  # type: ignore[no-untyped-call]
            )
        collection = self.check_event(yaml.SequenceStartEvent, yaml.MappingStartEvent)
        self.depth += collection  # a level is a map or a list; the values in it are not levels of their own
        try:
            if self.depth > MAX_YAML_DEPTH:
                raise ComposerError(
                    None,
                    None,
                    f"values are nested too deeply (at most {MAX_YAML_DEPTH} levels)",
                    self.peek_event().start_mark,  # type: ignore[no-untyped-call]
                )
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self.depth -= collection


def load_yaml(text: str) -> tuple[object, dict[str, int]]:
    """The value of a YAML text and, if it is a map, the line of each key (1-based, within `text`).

    Raises `YamlError` for YAML that is broken or refused (aliases, deep nesting, a number too long to read).
    """
    loader: _Loader | None = None
    try:
        loader = _Loader(text)  # refuses characters YAML does not allow (control characters) at once
        node = loader.get_single_node()
        value = loader.construct_document(node) if node is not None else None
    except yaml.reader.ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        character = chr(error.character) if isinstance(error.character, int) else str(error.character)
        raise YamlError(line, f"a control character ({printable(character)}) is not allowed") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        problem = getattr(error, "problem", None) or "not valid YAML"
        raise YamlError(mark.line + 1 if mark is not None else 1, str(problem)) from None
    except (ValueError, OverflowError):  # Python refuses to read an integer of thousands of digits
        match = _LONG_NUMBER.search(text)
        line = text.count("\n", 0, match.start()) + 1 if match else 1
        raise YamlError(line, "a number is too long") from None
    finally:
        if loader is not None:
            loader.dispose()
    lines: dict[str, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                lines.setdefault(str(key_node.value), key_node.start_mark.line + 1)
    return value, lines


class _FrontMatter(YAMLHandler):
    """python-frontmatter's YAML handler, loading with `load_yaml` and keeping each key's line."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[str, int] = {}

    def load(self, fm: str, **kwargs: object) -> Any:
        value, self.lines = load_yaml(fm)
        if value is not None and not isinstance(value, dict):
            raise YamlError(1, "front matter must be 'key: value' lines")
        return value


# --- documents --------------------------------------------------------------------------------------------


def _split_front_matter(
    text: str, report: _Reporter
) -> tuple[dict[str, Any], dict[str, int], str, int] | None:
    """(metadata, line of each key, body, line number of the body's first line) or None after reporting."""
    if not text.startswith("---"):
        report.error(
            1, "missing front matter: the file must start with a '---' line, then 'id: ...', then '---'"
        )
        return None
    boundaries = list(BOUNDARY.finditer(text))
    if len(boundaries) < 2 or boundaries[0].start() != 0:
        report.error(1, "front matter is not closed: add a '---' line after it")
        return None
    body_line = text.count("\n", 0, boundaries[1].end()) + 2
    handler = _FrontMatter()
    try:
        # The YAML text starts with the first line's newline, so its line numbers are the file's.
        metadata, _ = frontmatter.parse(text, handler=handler)
    except YamlError as error:
        report.error(error.line, f"front matter is not valid YAML: {error.message}")
        return None
    if any(not isinstance(key, str) for key in metadata):
        report.error(2, "front matter keys must be words, like 'id:' or 'summary:'")
        return None
    body = text[boundaries[1].end() :].removeprefix("\n")
    return dict(metadata), handler.lines, body, body_line


def _check_meta(kind: str, meta: dict[str, Any], report: _Reporter, lines: dict[str, int]) -> None:
    def line_of(key: str) -> int:
        return lines.get(key, 1)

    allowed = {"id", "sources", "published", "unpublished"}
    if kind == "chapter":
        allowed |= {"summary", "reviewed_on", "reviewed_by", "kind", "take_home", "take_home_text"}
    elif kind == "check":
        allowed = {"id", "published", "unpublished"}
    else:
        allowed |= {"asked"}
    for key in meta:
        if key not in allowed:
            report.warn(line_of(str(key)), f"unknown front matter key {shown(key)} is ignored")
    identifier = meta.get("id")
    if identifier is None:
        report.error(2, "front matter has no 'id'")
    elif not isinstance(identifier, str) or not ID_PATTERN.match(identifier):
        report.error(line_of("id"), f"id {shown(identifier)} must be lowercase words joined by hyphens")
    sources = meta.get("sources")
    if sources is not None and not (isinstance(sources, list) and all(isinstance(s, str) for s in sources)):
        report.error(line_of("sources"), "sources must be a list of source tags: [Tag 1, Tag 2]")
    if not isinstance(meta.get("published", True), bool):
        report.error(line_of("published"), "published must be true or false")
    unpublished = meta.get("unpublished")
    if unpublished is not None and not isinstance(unpublished, list):
        report.error(line_of("unpublished"), "unpublished must be a list of ids: [id-1, id-2]")
    if meta.get("asked") is not None and asked_of(meta) is None:
        report.error(
            line_of("asked"), "asked must list other ways to ask each question: 'question-id: [words, ...]'"
        )
    if kind != "chapter":
        return
    if meta.get("kind", "topic") not in ("topic", "reference"):
        report.error(line_of("kind"), "kind must be 'topic' or 'reference'")
    summary = meta.get("summary")
    if summary is not None and not isinstance(summary, str):
        report.error(line_of("summary"), "summary must be one line of text")
    if meta.get("reviewed_on") not in (None, "") and review_date(meta) is None:
        report.error(line_of("reviewed_on"), "reviewed_on must be a date like 2026-11-01, or empty")
    reviewed_by = meta.get("reviewed_by")
    if reviewed_by is not None and not isinstance(reviewed_by, str):
        report.error(line_of("reviewed_by"), "reviewed_by must be a name, or empty")
    take_home = meta.get("take_home")
    if take_home not in (None, "") and not (isinstance(take_home, str) and ID_PATTERN.match(take_home)):
        report.error(line_of("take_home"), "take_home must be the id of one of this chapter's pages")
    take_home_text = meta.get("take_home_text")
    if take_home_text is not None and not isinstance(take_home_text, str):
        report.error(line_of("take_home_text"), "take_home_text must be text")
    elif take_home_text and len(take_home_text.strip()) > MAX_TAKE_HOME:
        report.error(
            line_of("take_home_text"),
            f"take_home_text is too long ({len(take_home_text.strip())} characters; at most {MAX_TAKE_HOME})",
        )


def asked_of(meta: dict[str, Any]) -> dict[str, list[str]] | None:
    """A questions file's `asked`: other ways patients ask each question, by question id (None if malformed)."""
    value = meta.get("asked") or {}
    if not isinstance(value, dict):
        return None
    asked: dict[str, list[str]] = {}
    for identifier, ways in value.items():
        if not isinstance(identifier, str) or not isinstance(ways, list):
            return None
        if not all(isinstance(way, str) and way.strip() and "\n" not in way for way in ways):
            return None
        asked[identifier] = [" ".join(way.split()) for way in ways]
    return asked


def review_date(meta: dict[str, Any]) -> dt.date | None:
    """The chapter's `reviewed_on` as a date (YAML gives a date, or a string if the author quoted it)."""
    value = meta.get("reviewed_on")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _parse_body(body: str, first_line: int, report: _Reporter) -> tuple[str, int, list[Section]]:
    """The `# Title` (and its line) and the `##` sections of a document body."""
    title, title_line = "", 0
    sections: list[Section] = []
    current: dict[str, Any] | None = None
    lines: list[str] = []
    in_fence = False
    preamble_line = 0

    def finish() -> None:
        if current is not None:
            blank = next((i for i, line in enumerate(lines) if line), len(lines))  # stripped below
            sections.append(
                Section(
                    current["id"],
                    current["title"],
                    "\n".join(lines).strip("\n"),
                    current["line"],
                    current["line"] + 1 + blank,
                )
            )

    for offset, raw in enumerate(body.split("\n")):
        number = first_line + offset
        if FENCE.match(raw.strip()):
            in_fence = not in_fence
        match = None if in_fence else HEADING.match(raw)
        if match and len(match.group(1)) == 1:
            if title:
                report.error(number, "a file has one '# Title'; use '## ' for pages and questions")
            elif sections or current:
                report.error(number, "the '# Title' must come before the first '## ' heading")
            else:
                title, title_line = match.group(2).strip(), number
            continue
        if match and len(match.group(1)) == 2:
            finish()
            heading = match.group(2)
            id_match = HEADING_ID.match(heading)
            if not id_match:
                report.error(number, f"heading {heading!r} has no id: end it with {{#an-id}}")
                current = {"id": "", "title": heading.strip(), "line": number}
            else:
                identifier = id_match.group(2)
                if not ID_PATTERN.match(identifier):
                    report.error(number, f"id {identifier!r} must be lowercase words joined by hyphens")
                current = {"id": identifier, "title": id_match.group(1).strip(), "line": number}
                if not current["title"]:
                    report.error(number, "heading has an id but no text")
            lines = []
            continue
        if current is None:
            if raw.strip() and not preamble_line:
                preamble_line = number
            continue
        lines.append(raw)
    finish()
    if not title:
        report.error(first_line, "missing '# Title' line")
    if preamble_line and title_line and preamble_line > title_line:
        report.warn(preamble_line, "text between the title and the first '## ' heading is not shown")
    return title, title_line, sections


def parse_document(
    root: Path,
    path: Path,
    kind: Literal["chapter", "faq", "check"],
    lang: str,
    problems: list[Problem],
    budget: _Budget | None = None,
) -> Document | None:
    relative = path.relative_to(root).as_posix()
    report = _Reporter(problems, relative)
    name = FILE_NAME.fullmatch(path.name)
    if not name:
        report.error(1, "file name must be a number for the order, a hyphen and a name: 01-my-topic.md")
        return None
    text = read_text(path, report, budget)
    if text is None:
        return None
    split = _split_front_matter(text, report)
    if split is None:
        return None
    meta, lines, body, body_line = split
    _check_meta(kind, meta, report, lines)
    title, title_line, sections = _parse_body(body, body_line, report)
    seen: dict[str, int] = {}
    for section in sections:
        if section.id and section.id in seen:
            report.error(section.line, f"duplicate id {section.id!r} (first used on line {seen[section.id]})")
        seen.setdefault(section.id, section.line)
        if not section.markdown.strip():
            report.error(
                section.line, f"{'page' if kind == 'chapter' else 'question'} {section.id!r} has no text"
            )
        elif kind == "check":
            _check_question(section, report)
    if not sections:
        report.error(
            title_line or body_line,
            "no pages: add '## Heading {#id}' sections"
            if kind == "chapter"
            else "no questions: add '## Question? {#id}' sections",
        )
    identifier = meta.get("id")
    return Document(
        kind=kind,
        lang=lang,
        path=relative,
        position=int(name.group(1)),
        id=identifier if isinstance(identifier, str) else "",
        title=title,
        title_line=title_line or body_line,
        meta=meta,
        sections=sections,
    )


def _check_question(section: Section, report: _Reporter) -> None:
    """A teach-back question's heading and body (`kiosk.content.checks`), each problem at its line."""
    if len(section.title) > checks.MAX_QUESTION:
        report.error(section.line, checks.PROBLEMS["question_too_long"].format(limit=checks.MAX_QUESTION))
    _, problems = checks.parse_body(section.markdown)
    for offset, message in problems:
        report.error(section.body_line + offset, message)


def shown(value: object, limit: int = 60) -> str:
    """A value as it appears in a message: quoted, and cut short if it is long."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def read_site(root: Path, problems: list[Problem], budget: _Budget | None = None) -> dict[str, object]:
    """Settings from `site.yaml`, each checked by `kiosk.config.coerce`."""
    path = root / "site.yaml"
    if not os.path.lexists(path):
        return {}
    report = _Reporter(problems, "site.yaml")
    text = read_text(path, report, budget)
    if text is None:
        return {}
    try:
        data, lines = load_yaml(text)
    except YamlError as error:
        report.error(error.line, f"site.yaml is not valid YAML: {error.message}")
        return {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        report.error(1, "site.yaml must be 'key: value' lines")
        return {}
    site: dict[str, object] = {}
    for key, value in data.items():
        line = lines.get(str(key), 1)
        if not isinstance(key, str) or key not in SETTINGS:
            report.warn(line, f"unknown setting {shown(key)} is ignored")
            continue
        try:
            site[key] = coerce(key, value)
        except KioskError as error:
            report.error(line, str(error))
    return site


def read_pictures(
    root: Path, problems: list[Problem], budget: _Budget | None = None
) -> dict[str, PictureFile]:
    folder = root / "illustrations"
    pictures: dict[str, PictureFile] = {}
    if not _is_folder(folder):
        if os.path.lexists(folder):
            problems.append(
                Problem("illustrations", 1, "is not a plain folder (a link or a file); it is not read")
            )
        return pictures
    for path in _entries(root, folder, problems):
        if path.name.startswith(".") or _is_folder(path):
            continue
        relative = path.relative_to(root).as_posix()
        report = _Reporter(problems, relative)
        media_type = PICTURE_TYPES.get(path.suffix.lower())
        if media_type is None:
            report.warn(1, "not a picture the kiosk shows (use .svg, .png or .jpg); ignored")
            continue
        if not path.name.isprintable():
            report.error(1, "the file name has a control character in it: rename the file")
            continue
        data = _read(path, report, MAX_PICTURE_BYTES, budget or _Budget())
        if data is None:
            continue
        problem = picture_problem(data, media_type)
        if problem:
            report.error(problem[0], problem[1])
            continue
        pictures[path.name] = PictureFile(path.name, data, media_type)
    return pictures


def read_content(root: Path) -> ContentSet:
    """Parse everything under `root`. Raises `KioskError` only if `root` is not a content folder at all."""
    root = Path(root)
    if not root.is_dir():
        raise KioskError(f"{printable(str(root))} is not a folder")
    problems: list[Problem] = []
    budget = _Budget()
    site = read_site(root, problems, budget)
    languages = [lang for lang in SUPPORTED_LANGUAGES if _is_folder(root / lang)]
    configured = site.get("languages")
    if isinstance(configured, list):
        languages = [lang for lang in configured if isinstance(lang, str)]
    if not languages or not any(_is_folder(root / lang) for lang in languages):
        raise KioskError(
            f"{printable(str(root))} has no content: expected folders such as {printable(str(root / 'en' / 'topics'))}"
        )
    content = ContentSet(root=root, languages=languages, site=site, problems=problems)
    for lang in languages:
        for kind, folder in (("chapter", "topics"), ("faq", "faq"), ("check", "checks")):
            directory = root / lang / folder
            if not _is_folder(directory):
                if os.path.lexists(directory):
                    problems.append(
                        Problem(
                            f"{lang}/{folder}", 1, "is not a plain folder (a link or a file); it is not read"
                        )
                    )
                continue
            for path in _entries(root, directory, problems, "*.md"):
                doc = parse_document(root, path, kind, lang, problems, budget)  # type: ignore[arg-type]
                if doc is not None:
                    content.documents.append(doc)
    content.pictures = read_pictures(root, problems, budget)
    return content
