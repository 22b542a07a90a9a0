"""Import a content folder into the database, and export the database back to a content folder.

An import is planned first (what would be added, changed, removed, and which staff edits it touches) and then
applied inside the caller's transaction, writing one revision per changed row under one change set, so the
whole import can be undone. Two modes:

- ``bundled``: the content shipped with the program. It updates what staff never touched, keeps what they
  changed (flagging it when the bundle has a newer version), only adds missing settings, and never brings back
  an item staff deleted.
- ``replace``: a folder or pack a person chose. The database is made to match it: items missing from the folder
  are deleted (recoverably) and staff edits it differs from are replaced, after the plan has said so.

Export writes files that import back to the same rows: export, import, export gives identical files.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast

import yaml
from sqlalchemy.orm import Session

from kiosk.config import SETTINGS
from kiosk.content import checks, history
from kiosk.content.history import COMMAND_LINE, Snapshot
from kiosk.content.links import page_ref
from kiosk.content.parse import ContentSet, asked_of, printable, review_date, shown
from kiosk.content.state import (
    KINDS,
    AssetFields,
    CategoryFields,
    CategoryTextFields,
    ChapterFields,
    ChapterTextFields,
    CheckFields,
    CheckTextFields,
    EntryFields,
    EntryTextFields,
    Fields,
    Key,
    PageFields,
    PageTextFields,
    Row,
    RowWriter,
    fields_hash,
    is_staff_edited,
    read_state,
)
from kiosk.content.validate import picture_costs, validate
from kiosk.db.lite import all_settings
from kiosk.db.models import AssetBlob, ChangeSet
from kiosk.errors import ContentError, KioskError

Mode = Literal["bundled", "replace"]


@dataclass(frozen=True)
class Change:
    key: Key
    before: Fields | None
    after: Fields | None
    replaces_staff_edit: bool = False

    @property
    def action(self) -> str:
        if self.before is None or self.before.get("deleted"):
            return "added"
        if self.after is None or self.after.get("deleted"):
            return "removed"
        return "changed"


@dataclass
class ImportPlan:
    mode: Mode
    changes: list[Change] = field(default_factory=list)
    kept_staff_edits: list[Key] = field(default_factory=list)  # bundled mode: a newer bundle left them alone
    new_bundled_hash: dict[Key, str] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    settings_before: dict[str, object] = field(default_factory=dict)  # the values in effect before
    blobs: dict[str, bytes] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def actions(self) -> dict[Key, str]:
        """What happens to each item (chapter, page, question, picture): added, changed or removed.

        An item whose own row is added or removed is "added" or "removed"; one where only a text changes
        (or a translation is added or dropped) is "changed".
        """
        result: dict[Key, str] = {}
        for change in self.changes:
            item = change.key.item
            if change.key == item and change.action != "changed":
                result[item] = change.action
            else:
                result.setdefault(item, "changed")
        return result

    def items(self, action: str) -> list[Key]:
        return sorted(key for key, value in self.actions().items() if value == action)

    @property
    def replaced_staff_edits(self) -> list[Key]:
        return sorted({c.key for c in self.changes if c.replaces_staff_edit})

    @property
    def is_empty(self) -> bool:
        return not self.changes and not self.settings

    def summary(self) -> str:
        parts = [f"{len(self.items(a))} {a}" for a in ("added", "changed", "removed")]
        text = ", ".join(parts)
        if self.settings:
            text += f", {len(self.settings)} setting(s)"
        if self.replaced_staff_edits:
            text += f"; replaces {len(self.replaced_staff_edits)} staff edit(s)"
        if self.kept_staff_edits:
            text += f"; kept {len(self.kept_staff_edits)} staff edit(s)"
        return text

    def report(self) -> list[str]:
        """Lines for a person deciding whether to go ahead: each item that changes, with its old and new values
        and a short diff of its text, then each setting, old and new. Every line is printed escaped, so nothing
        in the content can start a line of its own."""
        lines: list[str] = []
        by_item: dict[Key, list[Change]] = {}
        for change in self.changes:
            by_item.setdefault(change.key.item, []).append(change)
        for action in ("added", "changed", "removed"):
            for item in self.items(action):
                lines.append(f"{action}: {item.describe()}")
                if action != "removed":
                    for change in by_item.get(item, []):
                        lines += [f"    {line}" for line in _field_lines(change)]
        lines += [f"replaces staff edit: {k.describe()}" for k in self.replaced_staff_edits]
        lines += [
            f"kept staff edit (a newer version is available): {k.describe()}" for k in self.kept_staff_edits
        ]
        for key, value in self.settings.items():
            lines += _setting_lines(key, self.settings_before.get(key, SETTINGS[key].default), value)
        return [printable(line) for line in lines]


#: Lines of a text's diff shown per field: enough to see what changes, short enough to read every item.
DIFF_LINES = 8
_LABELS = {
    "markdown": "text",
    "position": "place in order",
    "category": "question group",
    "media_type": "file type",
    "reviewed_on": "reviewed on",
    "reviewed_by": "reviewed by",
}
_FIRST = ("title", "question", "summary", "markdown")


def _diff(before: str, after: str) -> list[str]:
    """The lines taken out (-) and put in (+), at most `DIFF_LINES` of them."""
    changed = [
        line
        for line in difflib.unified_diff(before.split("\n"), after.split("\n"), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]
    shown_lines = [f"{line[0]} {line[1:]}" for line in changed[:DIFF_LINES]]
    if len(changed) > DIFF_LINES:
        shown_lines.append(f"… and {len(changed) - DIFF_LINES} more changed lines")
    return shown_lines


def _field_lines(change: Change) -> list[str]:
    """What changes in one row: `field: old -> new`, or a diff for text."""
    old, new = change.before or {}, change.after or {}
    if change.after is None:  # a translation dropped
        return [f"({change.key.lang}) removed"] if change.key.lang else []
    prefix = f"({change.key.lang}) " if change.key.lang else ""
    lines: list[str] = []
    names = sorted(set(old) | set(new), key=lambda n: (_FIRST.index(n) if n in _FIRST else len(_FIRST), n))
    for name in names:
        before, after = old.get(name), new.get(name)
        if name == "deleted" or before == after:
            continue
        label = (
            "answer" if (name, change.key.kind) == ("markdown", "faq_entry_text") else _LABELS.get(name, name)
        )
        if change.key.kind == "asset":
            if name == "sha256" and change.before is not None:
                lines.append("a new version of the picture file")
            continue
        if name == "markdown" or any(isinstance(v, str) and "\n" in v for v in (before, after)):
            lines.append(f"{prefix}{label}:")
            lines += [f"    {line}" for line in _diff(str(before or ""), str(after or ""))]
        elif change.before is None or change.before.get("deleted"):
            lines.append(f"{prefix}{label}: {shown(after, 80)}")
        else:
            lines.append(f"{prefix}{label}: {shown(before, 80)} -> {shown(after, 80)}")
    return lines


def _setting_lines(name: str, before: object, after: object) -> list[str]:
    if isinstance(before, dict) and isinstance(after, dict):  # a text per language
        return [
            f"setting {name} ({lang}): {shown(before.get(lang, ''), 80)} -> {shown(after.get(lang, ''), 80)}"
            for lang in sorted(set(before) | set(after), key=str)
            if before.get(lang) != after.get(lang)
        ]
    return [f"setting {name}: {shown(before, 80)} -> {shown(after, 80)}"]


# --- files -> rows -------------------------------------------------------------------------------------------


def desired_state(content: ContentSet) -> tuple[dict[Key, Fields], dict[str, bytes]]:
    """The rows a content folder describes, and the picture data they need."""
    state: dict[Key, Fields] = {}
    blobs: dict[str, bytes] = {}

    def put(key: Key, fields: Mapping[str, Any]) -> None:
        state[key] = dict(fields)

    for picture in content.pictures.values():
        digest = hashlib.sha256(picture.data).hexdigest()
        blobs[digest] = picture.data
        put(
            Key("asset", picture.name),
            AssetFields(sha256=digest, media_type=picture.media_type, deleted=False),
        )
    reference = content.languages[0]
    for doc in content.docs("chapter", reference):
        reviewed_on = review_date(doc.meta)
        chapter = ChapterFields(
            position=doc.position,
            kind=doc.meta.get("kind") or "topic",
            published=doc.published,
            sources=[str(s) for s in doc.meta.get("sources") or []],
            reviewed_on=reviewed_on.isoformat() if reviewed_on else None,
            reviewed_by=str(doc.meta.get("reviewed_by") or ""),
            deleted=False,
        )
        if doc.meta.get("take_home"):
            chapter["take_home"] = str(doc.meta["take_home"])
        put(Key("chapter", doc.id), chapter)
        for index, section in enumerate(doc.sections, start=1):
            published = section.id not in doc.unpublished
            put(
                Key("page", page_ref(doc.id, section.id)),
                PageFields(position=index, published=published, deleted=False),
            )
    for doc in content.docs("faq", reference):
        sources = [str(s) for s in doc.meta.get("sources") or []]
        put(
            Key("faq_category", doc.id),
            CategoryFields(position=doc.position, published=doc.published, sources=sources, deleted=False),
        )
        for index, section in enumerate(doc.sections, start=1):
            published = section.id not in doc.unpublished
            entry = EntryFields(category=doc.id, position=index, published=published, deleted=False)
            put(Key("faq_entry", section.id), entry)
    for doc in content.docs("check", reference):
        for index, section in enumerate(doc.sections, start=1):
            published = doc.published and section.id not in doc.unpublished
            put(
                Key("check", page_ref(doc.id, section.id)),
                CheckFields(position=index, published=published, deleted=False),
            )
    for lang in content.languages:
        for doc in content.docs("check", lang):
            for section in doc.sections:
                check_text = CheckTextFields(question=section.title, markdown=section.markdown)
                put(Key("check_text", page_ref(doc.id, section.id), lang), check_text)
        for doc in content.docs("chapter", lang):
            summary = str(doc.meta.get("summary") or "").strip()
            chapter_text = ChapterTextFields(title=doc.title, summary=summary)
            take_home_text = str(doc.meta.get("take_home_text") or "").strip()
            if take_home_text:
                chapter_text["take_home_text"] = take_home_text
            put(Key("chapter_text", doc.id, lang), chapter_text)
            for section in doc.sections:
                page_text = PageTextFields(title=section.title, markdown=section.markdown)
                put(Key("page_text", page_ref(doc.id, section.id), lang), page_text)
        for doc in content.docs("faq", lang):
            put(Key("faq_category_text", doc.id, lang), CategoryTextFields(title=doc.title))
            asked = asked_of(doc.meta) or {}
            for section in doc.sections:
                entry_text = EntryTextFields(question=section.title, markdown=section.markdown)
                if asked.get(section.id):
                    entry_text["asked"] = asked[section.id]
                put(Key("faq_entry_text", section.id, lang), entry_text)
    return state, blobs


def load_for_import(root: Path, *, measure_pictures: bool = True) -> ContentSet:
    """Parse and validate a folder; raise `ContentError` listing every error if it cannot be imported."""
    from kiosk.content.parse import read_content

    return check_importable(read_content(root), str(root), measure_pictures=measure_pictures)


def check_importable(content: ContentSet, label: str, *, measure_pictures: bool = True) -> ContentSet:
    """`content`, if it has no errors; else `ContentError` listing them. Unless `measure_pictures` is False (the
    bundled content, which is measured by its tests), pictures are also drawn once to measure their cost."""
    errors = [str(p) for p in validate(content, readability_checks=False) if p.severity == "error"]
    if not errors and measure_pictures:
        errors = [str(p) for p in picture_costs(content)]
    if errors:
        noun = "error" if len(errors) == 1 else "errors"
        raise ContentError(f"{label}: {len(errors)} {noun}; nothing was imported", errors)
    return content


# --- planning and applying -------------------------------------------------------------------------------------


def _settings_plan(
    session: Session, site: dict[str, object], mode: Mode
) -> tuple[dict[str, object], dict[str, object]]:
    """Settings to store: missing ones (bundled mode), or every one that differs from what is in effect; and the
    values in effect before, for the report."""
    stored = all_settings(session)
    plan: dict[str, object] = {}
    before: dict[str, object] = {}
    for key, value in site.items():
        missing = mode == "bundled" and key not in stored
        differs = mode == "replace" and value != stored.get(key, SETTINGS[key].default)
        if missing or differs:
            plan[key] = value
            before[key] = stored.get(key, SETTINGS[key].default)
    return plan, before


def plan_import(session: Session, content: ContentSet, mode: Mode) -> ImportPlan:
    desired, blobs = desired_state(content)
    current = read_state(session)
    settings, settings_before = _settings_plan(session, content.site, mode)
    plan = ImportPlan(mode=mode, blobs=blobs, settings=settings, settings_before=settings_before)
    desired_items = {key.item for key in desired}
    for key in sorted(set(desired) | set(current), key=lambda k: (KINDS.index(k.kind), k)):
        row = current.get(key)
        want = desired.get(key)
        if want is None:
            if row is None:
                continue
            if key.lang:
                # A text row without a file: drop it only when its item stays (a language was removed);
                # a deleted item keeps its texts so that restoring it brings them back.
                if key.item not in desired_items:
                    continue
                after: Fields | None = None
            else:
                if row.fields.get("deleted"):
                    continue
                after = {**row.fields, "deleted": True}
        else:
            after = dict(want)
            if key.kind == "chapter" and row is not None and mode == "bundled":
                after["reviewed_on"] = row.fields.get("reviewed_on")
                after["reviewed_by"] = row.fields.get("reviewed_by")
        before = row.fields if row is not None else None
        if before == after:
            continue
        edited = row is not None and is_staff_edited(key, row.fields, row.bundled_hash)
        if mode == "bundled":
            new_hash = fields_hash(key.kind, after) if after is not None else ""
            if edited and row is not None:
                if new_hash != row.bundled_hash:
                    plan.kept_staff_edits.append(key)
                continue
            plan.new_bundled_hash[key] = new_hash
        plan.changes.append(Change(key, before, after, replaces_staff_edit=edited and mode == "replace"))
    return plan


def apply_import(
    session: Session, plan: ImportPlan, *, kind: str, summary: str = "", author: str = COMMAND_LINE
) -> ChangeSet | None:
    """Apply a plan made by `plan_import` in the caller's transaction; None if there was nothing to do."""
    if plan.is_empty and not plan.kept_staff_edits:
        return None
    before = Snapshot(session)
    for change in plan.changes:
        before.remember(change.key, change.before)
    changes: list[tuple[Key, Fields | None]] = [(change.key, change.after) for change in plan.changes]
    changes += [(Key("setting", name), {"value": value}) for name, value in plan.settings.items()]
    changeset = history.record(
        session,
        kind,
        summary or plan.summary(),
        changes,
        author=author,
        before=before,
        blobs=plan.blobs,
        bundled_hash=plan.new_bundled_hash,
        keep_empty=True,
    )
    writer = RowWriter(session) if plan.kept_staff_edits else None
    for key in plan.kept_staff_edits:
        kept = writer.find(key) if writer is not None else None
        if kept is not None:
            kept.bundled_changed = True
    session.flush()
    return changeset


# --- export ----------------------------------------------------------------------------------------------------


def _scalar(value: Any) -> str:
    if value is None or value == "":
        return ""
    dumped = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10_000).strip()
    return dumped.removesuffix("...").strip()


def _front_matter(pairs: Iterable[tuple[str, Any]]) -> str:
    lines = ["---"]
    for key, value in pairs:
        if isinstance(value, dict):  # one line per entry, so staff can edit each in a text editor
            lines.append(f"{key}:")
            lines += [f"  {_scalar(name)}: {_scalar(entry)}" for name, entry in value.items()]
            continue
        text = _scalar(value)
        lines.append(f"{key}: {text}" if text else f"{key}:")
    lines.append("---")
    return "\n".join(lines) + "\n"


def _live(state: dict[Key, Row], kind: str) -> list[tuple[Key, Fields]]:
    rows = [(k, r.fields) for k, r in state.items() if k.kind == kind and not r.fields.get("deleted")]
    return sorted(rows, key=lambda item: (item[1].get("position", 0), item[0].id))


def _document(
    meta: list[tuple[str, Any]], published: bool, sections: list[tuple[str, bool, str | None]], title: str
) -> str:
    """A chapter or questions file: front matter, `# title`, then a `## ... {#id}` section for each page or
    question (`sections`: id, published, heading and text or None when it has no text in this language)."""
    if not published:
        meta.append(("published", False))
    hidden = [identifier for identifier, shown, _ in sections if not shown]
    if hidden:
        meta.append(("unpublished", hidden))
    body = [f"# {title}"] + [text for _, _, text in sections if text is not None]
    return _front_matter(meta) + "\n\n".join(body) + "\n"


def _sections(
    state: dict[Key, Row], kind: str, parent: str, lang: str
) -> tuple[list[tuple[str, bool, str | None]], dict[str, list[str]]]:
    """The pages or teach-back questions of a chapter, or the questions of a group, in order: each one's id in the
    file, whether it is published, and its `## heading {#id}` and text in `lang` (None without a text in that
    language); and the other ways each question is asked."""
    sections: list[tuple[str, bool, str | None]] = []
    asked: dict[str, list[str]] = {}
    in_chapter = kind in ("page", "check")
    for key, fields in _live(state, kind):
        own = key.slug if in_chapter else key.id
        belongs = key.chapter if in_chapter else cast(EntryFields, fields)["category"]
        if belongs != parent:
            continue
        text = state.get(Key(f"{kind}_text", key.id, lang))
        shown = None
        if text is not None and kind == "page":
            page = cast(PageTextFields, text.fields)
            shown = f"## {page['title']} {{#{own}}}\n{page['markdown']}"
        elif text is not None and kind == "check":
            check = cast(CheckTextFields, text.fields)
            shown = f"## {check['question']} {{#{own}}}\n{check['markdown']}"
        elif text is not None:
            question = cast(EntryTextFields, text.fields)
            shown = f"## {question['question']} {{#{own}}}\n{question['markdown']}"
            if question.get("asked"):
                asked[own] = question["asked"]
        sections.append((own, bool(fields["published"]), shown))
    return sections, asked


def _chapter_file(state: dict[Key, Row], key: Key, lang: str) -> str | None:
    text = state.get(Key("chapter_text", key.id, lang))
    if text is None:
        return None
    chapter = cast(ChapterFields, state[key].fields)
    titles = cast(ChapterTextFields, text.fields)
    meta: list[tuple[str, Any]] = [("id", key.id)]
    if chapter["kind"] != "topic":
        meta.append(("kind", chapter["kind"]))
    reviewed_on = chapter["reviewed_on"]
    meta += [
        ("summary", titles["summary"]),
        ("reviewed_on", dt.date.fromisoformat(reviewed_on) if reviewed_on else None),
        ("reviewed_by", chapter["reviewed_by"]),
        ("sources", chapter["sources"]),
    ]
    if chapter.get("take_home"):
        meta.append(("take_home", chapter["take_home"]))
    if titles.get("take_home_text"):
        meta.append(("take_home_text", titles["take_home_text"]))
    sections, _ = _sections(state, "page", key.id, lang)
    return _document(meta, chapter["published"], sections, titles["title"])


def _questions_file(state: dict[Key, Row], key: Key, lang: str) -> str | None:
    text = state.get(Key("faq_category_text", key.id, lang))
    if text is None:
        return None
    category = cast(CategoryFields, state[key].fields)
    meta: list[tuple[str, Any]] = [("id", key.id), ("sources", category["sources"])]
    sections, asked = _sections(state, "faq_entry", key.id, lang)
    if asked:
        meta.append(("asked", asked))
    return _document(meta, category["published"], sections, cast(CategoryTextFields, text.fields)["title"])


def _checks_file(state: dict[Key, Row], key: Key, lang: str) -> str | None:
    """A chapter's teach-back questions in `lang`, if it has any there."""
    sections, _ = _sections(state, "check", key.id, lang)
    if not any(text is not None for _, _, text in sections):
        return None
    return _document([("id", key.id)], True, sections, checks.TITLES.get(lang, checks.TITLES["en"]))


def export_files(session: Session) -> dict[str, bytes]:
    """The content folder for the database, as relative path -> file bytes."""
    state = read_state(session)
    files: dict[str, bytes] = {}
    settings = all_settings(session)
    site = {key: settings.get(key, spec.default) for key, spec in SETTINGS.items() if spec.kind != "asset"}
    files["site.yaml"] = yaml.safe_dump(site, sort_keys=False, allow_unicode=True, width=10_000).encode()
    configured = site["languages"] if isinstance(site["languages"], list) else []
    present = {k.lang for k in state if k.lang}
    languages = [lang for lang in configured if lang in present] + sorted(present - set(configured))
    for key, fields in _live(state, "asset"):
        blob = session.get(AssetBlob, cast(AssetFields, fields)["sha256"])
        if blob is not None:
            files[f"illustrations/{key.id}"] = blob.data
    for lang in languages:
        for folder, kind, write in (
            ("topics", "chapter", _chapter_file),
            ("faq", "faq_category", _questions_file),
            ("checks", "chapter", _checks_file),
        ):
            for key, fields in _live(state, kind):
                written = write(state, key, lang)
                if written is not None:
                    files[f"{lang}/{folder}/{fields['position']:02d}-{key.id}.md"] = written.encode()
    return files


#: What an export writes into its folder besides the content: the list of files it wrote, with their hashes, so
#: the next export into the same folder removes only its own files, and only those nobody has changed since.
EXPORT_MANIFEST = ".kiosk-export.json"
_EXPORTED_PATH = re.compile(r"^(site\.yaml|illustrations/[^/]+|[a-z]{2}/(topics|faq|checks)/[^/]+\.md)$")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _earlier_export(destination: Path) -> dict[str, str]:
    """The files an earlier export wrote here (relative path -> SHA-256), from its manifest. Only names an export
    can write are believed: a manifest is a file like any other, and must not be able to point elsewhere."""
    try:
        listed = json.loads((destination / EXPORT_MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(listed, dict):
        return {}
    return {
        name: digest
        for name, digest in listed.items()
        if isinstance(name, str)
        and isinstance(digest, str)
        and _EXPORTED_PATH.match(name)
        and ".." not in name
    }


def write_folder(files: dict[str, bytes], destination: Path) -> None:
    """Write an exported folder. Files in it that this export does not write are left alone, except the ones an
    earlier export wrote, no longer part of the content and unchanged since: those are removed, so the folder
    imports back to what the database holds."""
    destination = Path(destination)
    if destination.exists() and not destination.is_dir():
        raise KioskError(f"{destination} is a file, not a folder")
    try:
        destination.mkdir(parents=True, exist_ok=True)
        earlier = _earlier_export(destination)
        staging = Path(tempfile.mkdtemp(prefix=".export-", dir=destination))
        try:
            for relative, data in files.items():
                target = staging / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            inside = destination.resolve()
            for relative in files:
                final = destination / relative
                final.parent.mkdir(parents=True, exist_ok=True)
                if not final.parent.resolve().is_relative_to(inside):  # a linked folder pointing elsewhere
                    raise KioskError(f"cannot write {final}: its folder leads outside {destination}")
                if final.is_dir() and not final.is_symlink():
                    raise KioskError(f"cannot write {final}: a folder of that name is in the way")
                (staging / relative).replace(final)
            for relative, digest in earlier.items():
                old = destination / relative
                if (
                    relative not in files
                    and old.is_file()
                    and not old.is_symlink()
                    and old.parent.resolve().is_relative_to(inside)
                    and _sha256(old) == digest
                ):
                    old.unlink()
            manifest = staging / EXPORT_MANIFEST
            written = {relative: hashlib.sha256(data).hexdigest() for relative, data in sorted(files.items())}
            manifest.write_text(json.dumps(written, indent=1) + "\n", encoding="utf-8")
            manifest.replace(destination / EXPORT_MANIFEST)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    except OSError as error:
        raise KioskError(f"cannot write to {destination}: {error.strerror or error}") from error
