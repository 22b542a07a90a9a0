"""What staff do to content: edit, add, rename, reorder, publish, delete (recoverably), review, and undo.

Every action is one change set of revisions, written through the same row shape imports use
(`kiosk.content.state`), so any action can be looked at later and restored. A text is checked before it is
saved with the same checks `content validate` uses; errors refuse the save and change nothing, warnings are
returned for the editor to show.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.content.parse import ID_PATTERN, MAX_PICTURE_BYTES, PICTURE_TYPES, Problem, Section
from kiosk.content.pictures import measure, picture_problem
from kiosk.content.state import KINDS, Fields, Key, Row, RowWriter, is_staff_edited, read_state
from kiosk.content.validate import Targets, check_text
from kiosk.db.lite import delete_setting, put_setting
from kiosk.db.models import ChangeSet, Revision
from kiosk.errors import ContentError, KioskError
from kiosk.services import search
from kiosk.services.settings import load_settings

TEXT_KINDS = ("chapter_text", "page_text", "faq_category_text", "faq_entry_text")
TITLE_FIELD = {
    "chapter_text": "title",
    "page_text": "title",
    "faq_category_text": "title",
    "faq_entry_text": "question",
}


# --- reading ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Status:
    """One item as staff see it in the tree."""

    key: Key  # the item (chapter, page, faq_category, faq_entry)
    title: str
    published: bool
    deleted: bool
    staff_edited: bool
    missing: tuple[str, ...]  # languages with no text yet
    outdated: tuple[str, ...]  # languages whose text is older than the first language's
    bundled_update: bool  # the bundled content changed this item after staff edited it
    review: str  # "", "never reviewed", "review due" or "changed since review" (chapters only)
    children: tuple[Status, ...] = ()

    @property
    def badges(self) -> tuple[str, ...]:
        found = ["deleted" if self.deleted else "published" if self.published else "draft"]
        if self.staff_edited:
            found.append("edited by staff")
        found += [f"missing {lang}" for lang in self.missing]
        found += [f"{lang} outdated" for lang in self.outdated]
        if self.bundled_update:
            found.append("newer bundled version")
        if self.review:
            found.append(self.review)
        return tuple(found)


def _months_between(earlier: dt.date, later: dt.date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


class _Tree:
    def __init__(self, session: Session, lang: str, today: dt.date) -> None:
        self.session = session
        self.state = read_state(session)
        settings = load_settings(session)
        self.languages = settings.languages
        self.review_months = settings.review_months
        self.lang = lang
        self.today = today

    def texts(self, item: Key) -> dict[str, Row]:
        kind = f"{item.kind}_text"
        return {k.lang: r for k, r in self.state.items() if k.kind == kind and k.id == item.id and k.lang}

    def status(self, item: Key, children: tuple[Status, ...] = ()) -> Status:
        row = self.state[item]
        texts = self.texts(item)
        title_field = TITLE_FIELD[f"{item.kind}_text"]
        chosen = texts.get(self.lang) or texts.get(self.languages[0]) or next(iter(texts.values()), None)
        title = str(chosen.fields[title_field]) if chosen else item.id
        edited = is_staff_edited(item, row.fields, row.bundled_hash) or any(
            is_staff_edited(Key(f"{item.kind}_text", item.id, lang), text.fields, text.bundled_hash)
            for lang, text in texts.items()
        )
        reference = texts.get(self.languages[0])
        outdated = tuple(
            lang
            for lang in self.languages[1:]
            if reference is not None and lang in texts and texts[lang].updated_at < reference.updated_at
        )
        return Status(
            key=item,
            title=title,
            published=bool(row.fields.get("published", True)),
            deleted=bool(row.fields.get("deleted")),
            staff_edited=edited,
            missing=tuple(lang for lang in self.languages if lang not in texts),
            outdated=outdated,
            bundled_update=row.bundled_changed or any(t.bundled_changed for t in texts.values()),
            review=self.review(item, row, texts) if item.kind == "chapter" else "",
            children=children,
        )

    def review(self, item: Key, row: Row, texts: dict[str, Row]) -> str:
        if row.fields.get("kind") == "reference":
            return ""
        reviewed_on = row.fields.get("reviewed_on")
        if not reviewed_on or not row.fields.get("reviewed_by"):
            return "never reviewed"
        reviewed = dt.date.fromisoformat(reviewed_on)
        if _months_between(reviewed, self.today) > self.review_months:
            return "review due"
        if self.changed_since_review(item.id):
            return "changed since review"
        return ""

    def changed_since_review(self, chapter_id: str) -> bool:
        """Whether the chapter's text changed after its review was recorded (by staff or by a content import)."""
        history = self.session.execute(
            select(Revision, ChangeSet.created_at)
            .join(ChangeSet, ChangeSet.id == Revision.changeset_id)
            .where(
                (Revision.item_key == chapter_id) | Revision.item_key.startswith(f"{chapter_id}/"),
                Revision.item_kind.in_(("chapter", "chapter_text", "page", "page_text")),
            )
            .order_by(Revision.id)
        ).all()
        recorded = None
        for revision, when in history:
            before, after = revision.before or {}, revision.after or {}
            if revision.item_kind == "chapter" and before.get("reviewed_on") != after.get("reviewed_on"):
                recorded = when
        if recorded is None:
            return False
        return any(when > recorded and revision.item_kind != "chapter" for revision, when in history)

    def items(self, kind: str, parent: str | None = None) -> list[Key]:
        found = []
        for key, row in self.state.items():
            if key.kind != kind:
                continue
            if kind == "page" and key.chapter != parent:
                continue
            if kind == "faq_entry" and row.fields.get("category") != parent:
                continue
            found.append(key)
        return sorted(found, key=lambda k: (self.state[k].fields.get("position", 0), k.id))


def content_tree(session: Session, lang: str, today: dt.date | None = None) -> tuple[tuple[Status, ...], ...]:
    """(chapters with their pages, question categories with their questions), deleted items included."""
    tree = _Tree(session, lang, today or dt.date.today())
    chapters = tuple(
        tree.status(chapter, tuple(tree.status(page) for page in tree.items("page", chapter.id)))
        for chapter in tree.items("chapter")
    )
    categories = tuple(
        tree.status(category, tuple(tree.status(entry) for entry in tree.items("faq_entry", category.id)))
        for category in tree.items("faq_category")
    )
    return chapters, categories


@dataclass(frozen=True)
class TextView:
    key: Key
    fields: dict[str, Any]
    updated_at: dt.datetime | None


def load_text(session: Session, key: Key) -> TextView | None:
    row = read_state(session).get(key)
    return TextView(key, dict(row.fields), row.updated_at) if row else None


def load_item(session: Session, key: Key) -> dict[str, Any] | None:
    row = read_state(session).get(key)
    return dict(row.fields) if row else None


def targets(session: Session) -> Targets:
    """What links and pictures may point at, now."""
    state = read_state(session)
    live = {k for k, r in state.items() if not r.fields.get("deleted")}
    return Targets(
        pages=frozenset(k.id for k in live if k.kind == "page"),
        questions=frozenset(k.id for k in live if k.kind == "faq_entry"),
        pictures=frozenset(k.id for k in live if k.kind == "asset"),
    )


def check(session: Session, key: Key, fields: Fields) -> list[Problem]:
    """The problems a text would have, as the editor shows them while staff type."""
    if key.kind not in ("page_text", "faq_entry_text"):
        return []
    section = Section(
        key.id, str(fields.get(TITLE_FIELD[key.kind], "")), str(fields.get("markdown", "")), 1, 1
    )
    problems, _ = check_text(
        key.describe(), section, key.lang or "en", targets(session), answer=key.kind == "faq_entry_text"
    )
    return problems


# --- writing ----------------------------------------------------------------------------------------------------


def commit(
    session: Session,
    kind: str,
    summary: str,
    changes: list[tuple[Key, Fields | None]],
    blobs: dict[str, bytes] | None = None,
) -> ChangeSet:
    """Write rows as one change set, with a revision for each row that really changed."""
    state = read_state(session)
    writer = RowWriter(session)
    changeset = ChangeSet(kind=kind, summary=summary)
    session.add(changeset)
    for key, after in changes:
        row = state.get(key)
        before = row.fields if row else None
        if before == after:
            continue
        writer.write(key, after, blobs)
        changeset.revisions.append(
            Revision(item_kind=key.kind, item_key=key.id, lang=key.lang, before=before, after=after)
        )
    session.flush()
    search.reindex(session)
    return changeset


def save_text(session: Session, key: Key, fields: Fields) -> list[Problem]:
    """Save a title, page, question or answer in one language (creating a missing translation).

    Raises `ContentError` listing the errors, and saves nothing, if the text has any; returns the warnings.
    """
    if key.kind not in TEXT_KINDS or not key.lang:
        raise KioskError(f"{key.describe()} is not a text")
    title = str(fields.get(TITLE_FIELD[key.kind], "")).strip()
    if not title:
        raise KioskError("the title cannot be empty")
    fields = {**fields, TITLE_FIELD[key.kind]: title}
    if "markdown" in fields:
        fields["markdown"] = str(fields["markdown"]).strip("\n")
        if not fields["markdown"].strip():
            raise KioskError("the text cannot be empty")
    if key.kind == "chapter_text":
        fields.setdefault("summary", "")
    state = read_state(session)
    if key.item not in state:
        raise KioskError(f"{key.item.describe()} does not exist")
    if key in state:  # fields the editor does not show (a question's other wordings) stay as they are
        fields = {**state[key].fields, **fields}
    problems = check(session, key, fields)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContentError("the text has problems; nothing was saved", [p.message for p in errors])
    commit(session, "edit", f"edited {key.describe()}", [(key, fields)])
    return [p for p in problems if p.severity == "warning"]


def _item(state: dict[Key, Row], key: Key) -> Fields:
    row = state.get(key)
    if row is None:
        raise KioskError(f"{key.describe()} does not exist")
    return dict(row.fields)


def set_published(session: Session, key: Key, published: bool) -> None:
    fields = _item(read_state(session), key)
    commit(
        session,
        "publish" if published else "unpublish",
        f"{'published' if published else 'unpublished'} {key.describe()}",
        [(key, {**fields, "published": published})],
    )


def delete(session: Session, key: Key) -> None:
    """Move an item to the trash (it can be restored)."""
    fields = _item(read_state(session), key)
    commit(session, "delete", f"deleted {key.describe()}", [(key, {**fields, "deleted": True})])


def undelete(session: Session, key: Key) -> None:
    fields = _item(read_state(session), key)
    commit(
        session, "restore", f"restored {key.describe()} from the trash", [(key, {**fields, "deleted": False})]
    )


def _siblings(state: dict[Key, Row], key: Key) -> list[Key]:
    fields = state[key].fields
    if key.kind == "page":
        group = [k for k in state if k.kind == "page" and k.chapter == key.chapter]
    elif key.kind == "faq_entry":
        group = [
            k
            for k in state
            if k.kind == "faq_entry" and state[k].fields.get("category") == fields["category"]
        ]
    else:
        group = [k for k in state if k.kind == key.kind]
    group = [k for k in group if not state[k].fields.get("deleted") or k == key]
    return sorted(group, key=lambda k: (state[k].fields.get("position", 0), k.id))


def move(session: Session, key: Key, step: int) -> bool:
    """Move an item up (-1) or down (+1) among its siblings; False if it is already at that end."""
    state = read_state(session)
    siblings = _siblings(state, key)
    index = siblings.index(key)
    target = index + step
    if not 0 <= target < len(siblings):
        return False
    siblings[index], siblings[target] = siblings[target], siblings[index]
    changes: list[tuple[Key, Fields | None]] = []
    for position, sibling in enumerate(siblings, start=1):
        fields = state[sibling].fields
        if fields.get("position") != position:
            changes.append((sibling, {**fields, "position": position}))
    commit(session, "move", f"moved {key.describe()} {'up' if step < 0 else 'down'}", changes)
    return True


def slug(title: str, taken: set[str]) -> str:
    """A new id from a title: lowercase words joined by hyphens, unique among `taken`."""
    base = unicodedata.normalize("NFKD", title.lower())
    base = "".join(ch for ch in base if not unicodedata.combining(ch))
    base = re.sub(r"[^a-z0-9]+", "-", base).strip("-")[:60].strip("-") or "item"
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def _next_position(state: dict[Key, Row], keys: list[Key]) -> int:
    return max((state[k].fields.get("position", 0) for k in keys), default=0) + 1


def add_chapter(session: Session, lang: str, title: str) -> Key:
    """A new chapter, as a draft, with one first page to fill in."""
    state = read_state(session)
    chapters = [k for k in state if k.kind == "chapter"]
    chapter = Key("chapter", slug(title, {k.id for k in chapters}))
    fields: Fields = {
        "position": _next_position(state, chapters),
        "kind": "topic",
        "published": False,
        "sources": [],
        "reviewed_on": None,
        "reviewed_by": "",
        "deleted": False,
    }
    page = Key("page", f"{chapter.id}/summary")
    commit(
        session,
        "create",
        f"added chapter {chapter.id}",
        [
            (chapter, fields),
            (Key("chapter_text", chapter.id, lang), {"title": title.strip(), "summary": ""}),
            (page, {"position": 1, "published": True, "deleted": False}),
            (Key("page_text", page.id, lang), {"title": "Summary", "markdown": "Write the key points here."}),
        ],
    )
    return chapter


def add_page(session: Session, chapter_id: str, lang: str, title: str, markdown: str) -> Key:
    state = read_state(session)
    _item(state, Key("chapter", chapter_id))
    pages = [k for k in state if k.kind == "page" and k.chapter == chapter_id]
    slug_id = slug(title, {k.slug for k in pages})
    page = Key("page", f"{chapter_id}/{slug_id}")
    text_key = Key("page_text", page.id, lang)
    fields = {"title": title.strip(), "markdown": markdown}
    errors = [p.message for p in check(session, text_key, fields) if p.severity == "error"]
    if errors or not title.strip() or not markdown.strip():
        raise ContentError(
            "the new page has problems; nothing was added", errors or ["a page needs a title and text"]
        )
    commit(
        session,
        "create",
        f"added {page.describe()}",
        [
            (page, {"position": _next_position(state, pages), "published": False, "deleted": False}),
            (text_key, fields),
        ],
    )
    return page


def add_question(session: Session, category_id: str, lang: str, question: str, answer: str) -> Key:
    state = read_state(session)
    _item(state, Key("faq_category", category_id))
    entries = [k for k in state if k.kind == "faq_entry"]
    siblings = [k for k in entries if state[k].fields.get("category") == category_id]
    entry = Key("faq_entry", slug(question, {k.id for k in entries}))
    text_key = Key("faq_entry_text", entry.id, lang)
    fields = {"question": question.strip(), "markdown": answer}
    errors = [p.message for p in check(session, text_key, fields) if p.severity == "error"]
    if errors or not question.strip() or not answer.strip():
        raise ContentError(
            "the new question has problems; nothing was added",
            errors or ["a question needs the question and its answer"],
        )
    commit(
        session,
        "create",
        f"added {entry.describe()}",
        [
            (
                entry,
                {
                    "category": category_id,
                    "position": _next_position(state, siblings),
                    "published": False,
                    "deleted": False,
                },
            ),
            (text_key, fields),
        ],
    )
    return entry


def add_category(session: Session, lang: str, title: str) -> Key:
    state = read_state(session)
    categories = [k for k in state if k.kind == "faq_category"]
    category = Key("faq_category", slug(title, {k.id for k in categories}))
    commit(
        session,
        "create",
        f"added {category.describe()}",
        [
            (
                category,
                {
                    "position": _next_position(state, categories),
                    "published": False,
                    "sources": [],
                    "deleted": False,
                },
            ),
            (Key("faq_category_text", category.id, lang), {"title": title.strip()}),
        ],
    )
    return category


def set_review(session: Session, chapter_id: str, reviewed_on: dt.date | None, reviewed_by: str) -> None:
    key = Key("chapter", chapter_id)
    fields = _item(read_state(session), key)
    if reviewed_on is not None and reviewed_on > dt.date.today():
        raise KioskError("the review date cannot be in the future")
    commit(
        session,
        "review",
        f"review of {key.describe()}",
        [
            (
                key,
                {
                    **fields,
                    "reviewed_on": reviewed_on.isoformat() if reviewed_on else None,
                    "reviewed_by": reviewed_by.strip(),
                },
            ),
        ],
    )


def add_picture(session: Session, name: str, data: bytes, media_type: str | None = None) -> Key:
    """Store a picture (a new one, or a new version of one with this name). Unsafe SVG is refused, and so is a
    picture that costs too much to draw (drawn once, offscreen, in a separate process to find out)."""
    suffix = PurePosixPath(name).suffix.lower()
    media_type = media_type or PICTURE_TYPES.get(suffix)
    if media_type is None:
        raise KioskError("choose a PNG, JPEG or SVG picture")
    clean = re.sub(r"[^a-z0-9.-]+", "-", PurePosixPath(name).name.lower()).strip("-")
    if not clean or not ID_PATTERN.match(clean.rsplit(".", 1)[0]):
        raise KioskError(f"{name!r} is not a usable file name for a picture")
    if len(data) > MAX_PICTURE_BYTES:
        raise KioskError(
            f"the picture is too large ({len(data) // 1024} KB; the limit is {MAX_PICTURE_BYTES // 1024} KB)"
        )
    problem = picture_problem(data, media_type) or measure({clean: (data, media_type)}).get(clean)
    if problem is not None:
        raise KioskError(f"{clean}: {problem[1]}")
    key = Key("asset", clean)
    digest = hashlib.sha256(data).hexdigest()
    after = {"sha256": digest, "media_type": media_type, "deleted": False}
    commit(session, "picture", f"picture {clean}", [(key, after)], {digest: data})
    return key


# --- history -----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryEntry:
    revision_id: int
    changeset_id: int
    when: dt.datetime
    kind: str  # what happened: edit, import, restore, ...
    summary: str
    key: Key
    before: Fields | None
    after: Fields | None


def history(session: Session, item: Key, limit: int = 200) -> list[HistoryEntry]:
    """Every change to an item and its texts, newest first."""
    kinds = [item.kind, f"{item.kind}_text"]
    query = (
        select(Revision, ChangeSet)
        .join(ChangeSet, ChangeSet.id == Revision.changeset_id)
        .where(Revision.item_kind.in_(kinds), Revision.item_key == item.id)
        .order_by(Revision.id.desc())
        .limit(limit)
    )
    return [
        HistoryEntry(
            r.id,
            c.id,
            c.created_at,
            c.kind,
            c.summary,
            Key(r.item_kind, r.item_key, r.lang),
            r.before,
            r.after,
        )
        for r, c in session.execute(query)
    ]


def recent_changes(session: Session, limit: int = 50) -> list[tuple[int, dt.datetime, str, str]]:
    """(change set id, when, kind, summary) of the latest actions, newest first."""
    rows = session.scalars(select(ChangeSet).order_by(ChangeSet.id.desc()).limit(limit))
    return [(c.id, c.created_at, c.kind, c.summary) for c in rows]


def restore_revision(session: Session, revision_id: int) -> Key:
    """Make a row hold what it held right after that revision (a new change, itself undoable)."""
    revision = session.get(Revision, revision_id)
    if revision is None:
        raise KioskError("that version no longer exists")
    key = Key(revision.item_kind, revision.item_key, revision.lang)
    if key.kind == "setting":
        _restore_setting(session, key.id, revision.after)
        return key
    after = revision.after
    if key.kind in TEXT_KINDS and after is None:
        raise KioskError("that version is the removal of a text; restore an earlier version instead")
    when = f"{revision.changeset.created_at:%Y-%m-%d %H:%M}"
    commit(session, "restore", f"restored {key.describe()} to its version of {when}", [(key, after)])
    return key


def undo(session: Session, changeset_id: int) -> int:
    """Undo a whole action (an import, a save) by putting back what each row held before it."""
    changeset = session.get(ChangeSet, changeset_id)
    if changeset is None:
        raise KioskError("that change no longer exists")
    changes: list[tuple[Key, Fields | None]] = []
    settings: list[tuple[str, Any]] = []
    for revision in reversed(changeset.revisions):
        if revision.item_kind == "setting":
            settings.append((revision.item_key, revision.before))
        else:
            changes.append((Key(revision.item_kind, revision.item_key, revision.lang), revision.before))
    # Put parents back before their texts, and remove texts before their (soft-deleted) parents.
    changes.sort(key=lambda change: KINDS.index(change[0].kind) if change[1] is not None else -1)
    commit(session, "undo", f"undid: {changeset.summary}", changes)
    for name, before in settings:
        _restore_setting(session, name, before)
    return len(changes) + len(settings)


def _restore_setting(session: Session, name: str, value: Any) -> None:
    if value is None:
        delete_setting(session, name)
    else:
        put_setting(session, name, value["value"])
