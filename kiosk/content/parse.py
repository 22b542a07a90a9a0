"""Reading a content folder (the format in docs/CONTENT.md) into documents, with every problem at FILE:LINE.

Parsing never raises for bad content: it records a `Problem` and carries on, so one run tells an author about
every mistake at once. Cross-file checks (links, languages agreeing) live in `kiosk.content.validate`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import frontmatter
import yaml

from kiosk.config import SETTINGS, SUPPORTED_LANGUAGES, coerce
from kiosk.content.pictures import picture_problem
from kiosk.errors import KioskError

MAX_TEXT_BYTES = 256 * 1024
MAX_PICTURE_BYTES = 4 * 1024 * 1024
PICTURE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg"}
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
FILE_NAME = re.compile(r"^(\d+)-([a-z0-9-]+)\.md$")
HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")
HEADING_ID = re.compile(r"^(.*?)\s*\{\s*#([^}\s]*)\s*\}$")
FENCE = re.compile(r"^(```|~~~)")
BOUNDARY = re.compile(r"^-{3,}[ \t]*$", re.MULTILINE)

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        prefix = "warning: " if self.severity == "warning" else ""
        return f"{self.path}:{self.line}: {prefix}{self.message}"


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

    kind: Literal["chapter", "faq"]
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


def read_text(path: Path, report: _Reporter, limit: int = MAX_TEXT_BYTES) -> str | None:
    """The file's text, or None after reporting why it cannot be read (too big, not UTF-8, unreadable)."""
    try:
        size = path.stat().st_size
        if size > limit:
            report.error(1, f"file is too large ({size // 1024} KB; the limit is {limit // 1024} KB)")
            return None
        data = path.read_bytes()
    except OSError as error:
        report.error(1, f"cannot read the file: {error.strerror}")
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        report.error(line, "the file is not valid UTF-8 text (save it as UTF-8)")
        return None
    return text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _split_front_matter(text: str, report: _Reporter) -> tuple[dict[str, Any], str, int] | None:
    """(metadata, body, line number of the body's first line) or None after reporting the problem."""
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
    try:
        post = frontmatter.loads(text)
    except yaml.YAMLError as error:
        # The context mark says where the broken construct began (an unclosed "["), which is where to look.
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1  # the YAML text starts with the first line's newline
        problem = getattr(error, "problem", None) or "not valid YAML"
        report.error(line, f"front matter is not valid YAML: {problem}")
        return None
    except (TypeError, ValueError):  # YAML that is a list or a bare value, not "key: value" lines
        report.error(2, "front matter must be 'key: value' lines")
        return None
    body = text[boundaries[1].end() :].removeprefix("\n")
    return dict(post.metadata), body, body_line


def _check_meta(kind: str, meta: dict[str, Any], report: _Reporter, text: str) -> None:
    def line_of(key: str) -> int:
        match = re.search(rf"^{re.escape(key)}\s*:", text, re.MULTILINE)
        return text.count("\n", 0, match.start()) + 1 if match else 1

    allowed = {"id", "sources", "published", "unpublished"}
    if kind == "chapter":
        allowed |= {"summary", "reviewed_on", "reviewed_by", "kind"}
    else:
        allowed |= {"asked"}
    for key in meta:
        if key not in allowed:
            report.warn(line_of(str(key)), f"unknown front matter key {key!r} is ignored")
    identifier = meta.get("id")
    if identifier is None:
        report.error(2, "front matter has no 'id'")
    elif not isinstance(identifier, str) or not ID_PATTERN.match(identifier):
        report.error(line_of("id"), f"id {identifier!r} must be lowercase words joined by hyphens")
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
            sections.append(
                Section(
                    current["id"],
                    current["title"],
                    "\n".join(lines).strip("\n"),
                    current["line"],
                    current["line"] + 1,
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
    root: Path, path: Path, kind: Literal["chapter", "faq"], lang: str, problems: list[Problem]
) -> Document | None:
    relative = path.relative_to(root).as_posix()
    report = _Reporter(problems, relative)
    name = FILE_NAME.match(path.name)
    if not name:
        report.error(1, "file name must be a number for the order, a hyphen and a name: 01-my-topic.md")
        return None
    text = read_text(path, report)
    if text is None:
        return None
    split = _split_front_matter(text, report)
    if split is None:
        return None
    meta, body, body_line = split
    _check_meta(kind, meta, report, text)
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


def read_site(root: Path, problems: list[Problem]) -> dict[str, object]:
    """Settings from `site.yaml`, each checked by `kiosk.config.coerce`."""
    path = root / "site.yaml"
    if not path.exists():
        return {}
    report = _Reporter(problems, "site.yaml")
    text = read_text(path, report)
    if text is None:
        return {}
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        report.error(mark.line + 1 if mark is not None else 1, "site.yaml is not valid YAML")
        return {}
    if not isinstance(data, dict):
        report.error(1, "site.yaml must be 'key: value' lines")
        return {}
    site: dict[str, object] = {}
    for key, value in data.items():
        match = re.search(rf"^{re.escape(str(key))}\s*:", text, re.MULTILINE)
        line = text.count("\n", 0, match.start()) + 1 if match else 1
        if key not in SETTINGS:
            report.warn(line, f"unknown setting {key!r} is ignored")
            continue
        try:
            site[key] = coerce(key, value)
        except KioskError as error:
            report.error(line, str(error))
    return site


def read_pictures(root: Path, problems: list[Problem]) -> dict[str, PictureFile]:
    folder = root / "illustrations"
    pictures: dict[str, PictureFile] = {}
    if not folder.is_dir():
        return pictures
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.is_dir():
            continue
        relative = path.relative_to(root).as_posix()
        report = _Reporter(problems, relative)
        media_type = PICTURE_TYPES.get(path.suffix.lower())
        if media_type is None:
            report.warn(1, "not a picture the kiosk shows (use .svg, .png or .jpg); ignored")
            continue
        size = path.stat().st_size
        if size > MAX_PICTURE_BYTES:
            report.error(
                1, f"picture is too large ({size // 1024} KB; the limit is {MAX_PICTURE_BYTES // 1024} KB)"
            )
            continue
        data = path.read_bytes()
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
        raise KioskError(f"{root} is not a folder")
    problems: list[Problem] = []
    site = read_site(root, problems)
    languages = [lang for lang in SUPPORTED_LANGUAGES if (root / lang).is_dir()]
    configured = site.get("languages")
    if isinstance(configured, list):
        languages = [lang for lang in configured if isinstance(lang, str)]
    if not languages or not any((root / lang).is_dir() for lang in languages):
        raise KioskError(f"{root} has no content: expected folders such as {root / 'en' / 'topics'}")
    content = ContentSet(root=root, languages=languages, site=site, problems=problems)
    for lang in languages:
        for kind, folder in (("chapter", "topics"), ("faq", "faq")):
            directory = root / lang / folder
            if not directory.is_dir():
                continue
            for path in sorted(directory.glob("*.md")):
                doc = parse_document(root, path, kind, lang, problems)  # type: ignore[arg-type]
                if doc is not None:
                    content.documents.append(doc)
    content.pictures = read_pictures(root, problems)
    return content
