"""What staff do to content: edit, add, rename, reorder, publish, delete (recoverably), review, and undo.

Every action is one change set of revisions written by `kiosk.content.history.record`, naming who did it, so any
action can be looked at later and undone. Every action takes the `Account` doing it and refuses what its roles
do not allow (`auth.RIGHTS`). A text is checked before it is saved with the same checks `content validate` uses;
errors refuse the save and change nothing, warnings are returned for the editor to show.

Medical text (pages and answers) that patients can see changes only with a reviewer: an editor's save becomes a
draft, which a reviewer publishes; a reviewer's own change waits for another reviewer unless the clinic allows
self-review (`allow_self_review`). Drafts are history too, so they can be undone like anything else.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from kiosk.content import checks
from kiosk.content import history as history_log
from kiosk.content.history import ITEM_KINDS, Snapshot, draft_key, review_key, text_of_draft
from kiosk.content.parse import ID_PATTERN, MAX_PICTURE_BYTES, PICTURE_TYPES, Problem, Section
from kiosk.content.pictures import measure, picture_problem
from kiosk.content.state import Fields, Key, Row, is_staff_edited, read_state
from kiosk.content.validate import Targets, check_text
from kiosk.db.models import ChangeSet, Revision
from kiosk.errors import AuthError, ContentError, KioskError
from kiosk.services import auth, search, takehome
from kiosk.services.auth import Account
from kiosk.services.settings import load_settings

TEXT_KINDS = ("chapter_text", "page_text", "check_text", "faq_category_text", "faq_entry_text")
TITLE_FIELD = {
    "chapter_text": "title",
    "page_text": "title",
    "check_text": "question",
    "faq_category_text": "title",
    "faq_entry_text": "question",
}
#: Texts whose changes need a reviewer before patients see them.
MEDICAL_TEXTS = ("page_text", "check_text", "faq_entry_text")
#: A chapter's take-home text that will not fit its code, in one line (the console shows it in its language).
TAKE_HOME_TOO_LONG = (
    "the take-home text is too long ({length} characters; with the title, the clinic's phone and the crisis "
    "line, the code has room for {limit})"
)
#: Items a reviewer signs off: chapters (their pages together) and answers.
REVIEWED_KINDS = ("chapter", "faq_entry")
IMPORT_KINDS = ("bundled-import", "import", "pack-import")


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
    review: str  # "", "never reviewed", "review due" or "changed since review" (chapters and answers)
    children: tuple[Status, ...] = ()
    drafts: tuple[str, ...] = ()  # languages with a change waiting for a reviewer

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
        found += [f"{lang} waiting for review" for lang in self.drafts]
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
        snapshot = Snapshot(session, self.state)
        self.reviews = snapshot.reviews()
        self.drafts = snapshot.drafts()
        # Indexed once: a tree of thousands of answers is built in one pass, not one pass per answer.
        self._texts: dict[Key, dict[str, Row]] = {}
        self._children: dict[tuple[str, str | None], list[Key]] = {}
        for key, row in self.state.items():
            if key.lang:
                self._texts.setdefault(key.item, {})[key.lang] = row
            elif key.kind in ("page", "check"):
                self._children.setdefault((key.kind, key.chapter), []).append(key)
            elif key.kind == "faq_entry":
                self._children.setdefault(("faq_entry", row.fields.get("category")), []).append(key)
            else:
                self._children.setdefault((key.kind, None), []).append(key)
        self._draft_langs: dict[Key, list[str]] = {}
        for key in self.drafts:
            if key.lang is not None:
                self._draft_langs.setdefault(text_of_draft(key).item, []).append(key.lang)

    def texts(self, item: Key) -> dict[str, Row]:
        return self._texts.get(item, {})

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
            review=self.review(item, row) if item.kind in REVIEWED_KINDS else "",
            children=children,
            drafts=tuple(sorted(self._draft_langs.get(item, []))),
        )

    def review(self, item: Key, row: Row) -> str:
        if row.fields.get("kind") == "reference":
            return ""
        signed = review_of(row.fields, self.reviews.get(review_key(item.kind, item.id)))
        if signed is None:
            return "never reviewed"
        if _months_between(signed[0], self.today) > self.review_months:
            return "review due"
        if self.changed_since_review(item):
            return "changed since review"
        return ""

    def changed_since_review(self, item: Key) -> bool:
        """Whether the item's text changed after its review was recorded (by staff or by a content import)."""
        kinds: tuple[str, ...]
        keys: ColumnElement[bool]
        if item.kind == "chapter":
            keys = (Revision.item_key == item.id) | Revision.item_key.startswith(f"{item.id}/")
            kinds = ("chapter", "chapter_text", "page", "page_text", "check", "check_text")
        else:
            keys = Revision.item_key.in_((item.id, review_key(item.kind, item.id).id))
            kinds = ("faq_entry", "faq_entry_text", "review")
        changes = self.session.execute(
            select(Revision, ChangeSet.created_at)
            .join(ChangeSet, ChangeSet.id == Revision.changeset_id)
            .where(keys, Revision.item_kind.in_(kinds))
            .order_by(Revision.id)
        ).all()
        recorded = None
        for revision, when in changes:
            before, after = revision.before or {}, revision.after or {}
            if revision.item_kind in ("chapter", "review") and before.get("reviewed_on") != after.get(
                "reviewed_on"
            ):
                recorded = when
        if recorded is None:
            return False
        return any(when > recorded and revision.item_kind.endswith("_text") for revision, when in changes)

    def items(self, kind: str, parent: str | None = None) -> list[Key]:
        found = self._children.get((kind, parent), [])
        return sorted(found, key=lambda k: (self.state[k].fields.get("position", 0), k.id))


def content_tree(session: Session, lang: str, today: dt.date | None = None) -> tuple[tuple[Status, ...], ...]:
    """(chapters with their pages and then their teach-back questions, question categories with their
    questions), deleted items included."""
    tree = _Tree(session, lang, today or dt.date.today())
    chapters = tuple(
        tree.status(
            chapter,
            tuple(tree.status(item) for kind in ("page", "check") for item in tree.items(kind, chapter.id)),
        )
        for chapter in tree.items("chapter")
    )
    categories = tuple(
        tree.status(category, tuple(tree.status(entry) for entry in tree.items("faq_entry", category.id)))
        for category in tree.items("faq_category")
    )
    return chapters, categories


def review_of(fields: Fields, review: Fields | None) -> tuple[dt.date, str] | None:
    """When and by whom an item was last reviewed: a chapter's own fields, or an answer's review record."""
    source = review if review is not None else fields
    day, name = source.get("reviewed_on"), str(source.get("reviewed_by") or "").strip()
    if not day or not name:
        return None
    try:
        return dt.date.fromisoformat(str(day)), name
    except ValueError:
        return None


@dataclass(frozen=True)
class TextView:
    key: Key
    fields: dict[str, Any]
    updated_at: dt.datetime | None
    draft: dict[str, Any] | None = None  # a change waiting for a reviewer: its fields
    draft_author: str = ""


def load_text(session: Session, key: Key) -> TextView | None:
    """A text as patients see it, with the draft waiting for review, if any."""
    row = read_state(session).get(key)
    pending = Snapshot(session, {}).drafts().get(draft_key(key))
    draft = {k: v for k, v in pending.items() if k != "author"} if pending else None
    author = str(pending.get("author", "")) if pending else ""
    if row is None and draft is None:
        return None
    return TextView(key, dict(row.fields) if row else {}, row.updated_at if row else None, draft, author)


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
    if key.kind not in ("page_text", "faq_entry_text", "check_text"):
        return []
    section = Section(
        key.id, str(fields.get(TITLE_FIELD[key.kind], "")), str(fields.get("markdown", "")), 1, 1
    )
    problems, _ = check_text(
        key.describe(), section, key.lang or "en", targets(session), answer=key.kind != "page_text"
    )
    if key.kind == "check_text":  # the choices, the one ticked and the link to a page, as in a file
        _, found = checks.parse_body(section.markdown)
        problems += [Problem(key.describe(), 1 + offset, message) for offset, message in found]
        if len(section.title) > checks.MAX_QUESTION:
            problems.append(
                Problem(
                    key.describe(), 1, checks.PROBLEMS["question_too_long"].format(limit=checks.MAX_QUESTION)
                )
            )
    return problems


# --- writing ----------------------------------------------------------------------------------------------------


def commit(
    session: Session,
    kind: str,
    summary: str,
    changes: list[tuple[Key, Fields | None]],
    *,
    by: Account,
    blobs: dict[str, bytes] | None = None,
    detail: dict[str, Any] | None = None,
    state: dict[Key, Row] | None = None,
) -> ChangeSet | None:
    """Write rows as one change set by `by`, with a revision for each row that really changed, then refresh the
    search index."""
    changeset = history_log.record(
        session,
        kind,
        summary,
        changes,
        author=by.name,
        before=Snapshot(session, state),
        blobs=blobs,
        detail=detail,
    )
    if changeset is not None:
        search.reindex(session)
    return changeset


def _live(state: dict[Key, Row], item: Key) -> bool:
    """Whether patients can see an item (and so any change to its text)."""
    row = state.get(item)
    if row is None or row.fields.get("deleted") or not row.fields.get("published", True):
        return False
    if item.kind in ("page", "check"):
        return _live(state, Key("chapter", item.chapter))
    if item.kind == "faq_entry":
        return _live(state, Key("faq_category", str(row.fields.get("category"))))
    return True


def _may_publish_own(session: Session, by: Account) -> bool:
    """Whether `by` may publish medical text they wrote themselves (the command line always may)."""
    return not by.person or bool(load_settings(session).allow_self_review)


def save_text(session: Session, key: Key, fields: Fields, *, by: Account) -> list[Problem]:
    """Save a title, page, question or answer in one language (creating a missing translation).

    Medical text patients can see becomes a draft waiting for a reviewer, unless `by` is a reviewer the clinic
    lets publish their own changes (`drafted` then says which happened: see `last_save_drafted`). Raises
    `ContentError` listing the errors, and saves nothing, if the text has any; returns the warnings.
    """
    by.require("edit", "edit content")
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
    if key.kind == "chapter_text":
        fields = _with_take_home(session, key, fields)
    problems = check(session, key, fields)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ContentError("the text has problems; nothing was saved", [p.message for p in errors])
    warnings = [p for p in problems if p.severity == "warning"]
    current = state.get(key)
    medical = needs_review(state, key) or (
        # what patients take home is medical text too, though the chapter's title and summary are not
        key.kind == "chapter_text"
        and _live(state, key.item)
        and fields.get("take_home_text", "") != (current.fields.get("take_home_text", "") if current else "")
    )
    if medical and not (by.can("review") and _may_publish_own(session, by)):
        if current is not None and current.fields == fields:
            commit(
                session, "draft", f"dropped the draft of {key.describe()}", [(draft_key(key), None)], by=by
            )
        else:
            commit(
                session,
                "draft",
                f"draft of {key.describe()}, waiting for review",
                [(draft_key(key), {**fields, "author": by.name})],
                by=by,
                state=state,
            )
        return warnings
    commit(
        session,
        "edit",
        f"edited {key.describe()}",
        [(key, fields), (draft_key(key), None)],
        by=by,
        state=state,
        detail={"reviewed_by": by.name} if medical else None,
    )
    return warnings


def _with_take_home(session: Session, key: Key, fields: Fields) -> Fields:
    """A chapter's texts with its take-home text tidied (left out when empty), refused if its code has no room."""
    text = str(fields.get("take_home_text") or "").strip()
    fields = {name: value for name, value in fields.items() if name != "take_home_text"}
    if not text:
        return fields
    room = takehome.room_for_text(str(fields["title"]), load_settings(session), key.lang or "en")
    length = takehome.text_length(text)
    if length > room:
        raise KioskError(TAKE_HOME_TOO_LONG.format(length=length, limit=room))
    return {**fields, "take_home_text": text}


def save_draft(session: Session, key: Key, fields: Fields, *, by: Account) -> None:
    """Keep unsaved text as a draft, never published (the console locking while staff were away)."""
    by.require("edit", "edit content")
    if key.kind not in TEXT_KINDS or not key.lang or key.item not in read_state(session):
        raise KioskError(f"{key.describe()} cannot hold a draft")
    commit(
        session,
        "draft",
        f"unsaved text of {key.describe()} kept as a draft",
        [(draft_key(key), {**fields, "author": by.name})],
        by=by,
    )


def needs_review(state: dict[Key, Row], key: Key) -> bool:
    """Whether a change to this text needs a reviewer: medical text of an item patients can see."""
    return key.kind in MEDICAL_TEXTS and _live(state, key.item)


def is_draft_pending(session: Session, key: Key) -> bool:
    return draft_key(key) in Snapshot(session, {}).drafts()


def publish_draft(session: Session, key: Key, *, by: Account) -> None:
    """A reviewer puts the draft of a text on the kiosk (never their own, unless the clinic allows it)."""
    by.require("review", "publish a change to medical text")
    pending = Snapshot(session, {}).drafts().get(draft_key(key))
    if pending is None:
        raise KioskError(f"{key.describe()} has no draft waiting for review")
    author = str(pending.get("author") or "")
    if author == by.name and not _may_publish_own(session, by):
        raise AuthError(
            f"{by.name} wrote this draft: another reviewer must publish it (or the clinic allows self-review in "
            "Settings)"
        )
    fields = {k: v for k, v in pending.items() if k != "author"}
    # A draft kept as typed (the console locking) is held to the take-home code's room too.
    if key.kind == "chapter_text":
        fields = _with_take_home(session, key, fields)
    commit(
        session,
        "publish",
        f"published the reviewed change to {key.describe()} (written by {author or 'unknown'})",
        [(key, fields), (draft_key(key), None)],
        by=by,
        detail={"reviewed_by": by.name, "written_by": author},
    )


def discard_draft(session: Session, key: Key, *, by: Account) -> None:
    """Drop a draft (its author or a reviewer); it stays in the history."""
    pending = Snapshot(session, {}).drafts().get(draft_key(key))
    if pending is None:
        raise KioskError(f"{key.describe()} has no draft")
    if pending.get("author") != by.name:
        by.require("review", "discard someone else's draft")
    commit(session, "draft", f"discarded the draft of {key.describe()}", [(draft_key(key), None)], by=by)


def drafts(session: Session) -> list[tuple[Key, str]]:
    """Every text with a change waiting for review, and who wrote it."""
    return sorted(
        (text_of_draft(key), str(fields.get("author") or ""))
        for key, fields in Snapshot(session, {}).drafts().items()
    )


def _item(state: dict[Key, Row], key: Key) -> Fields:
    row = state.get(key)
    if row is None:
        raise KioskError(f"{key.describe()} does not exist")
    return dict(row.fields)


def set_published(session: Session, key: Key, published: bool, *, by: Account) -> None:
    """Publishing puts medical text in front of patients, so it needs a reviewer; hiding needs an editor."""
    if published:
        by.require("review", "publish content")
    else:
        by.require("edit", "hide content")
    fields = _item(read_state(session), key)
    commit(
        session,
        "publish" if published else "unpublish",
        f"{'published' if published else 'unpublished'} {key.describe()}",
        [(key, {**fields, "published": published})],
        by=by,
    )


def delete(session: Session, key: Key, *, by: Account) -> None:
    """Move an item to the trash (it can be restored)."""
    by.require("edit", "delete content")
    fields = _item(read_state(session), key)
    commit(session, "delete", f"deleted {key.describe()}", [(key, {**fields, "deleted": True})], by=by)


def undelete(session: Session, key: Key, *, by: Account) -> None:
    by.require(
        "review" if key.kind in ("page", "check", "faq_entry", "chapter") else "edit", "restore content"
    )
    fields = _item(read_state(session), key)
    commit(
        session,
        "restore",
        f"restored {key.describe()} from the trash",
        [(key, {**fields, "deleted": False})],
        by=by,
    )


def _siblings(state: dict[Key, Row], key: Key) -> list[Key]:
    fields = state[key].fields
    if key.kind in ("page", "check"):
        group = [k for k in state if k.kind == key.kind and k.chapter == key.chapter]
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


def move(session: Session, key: Key, step: int, *, by: Account) -> bool:
    """Move an item up (-1) or down (+1) among its siblings; False if it is already at that end."""
    by.require("edit", "reorder content")
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
    commit(
        session, "move", f"moved {key.describe()} {'up' if step < 0 else 'down'}", changes, by=by, state=state
    )
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


def add_chapter(session: Session, lang: str, title: str, *, by: Account) -> Key:
    """A new chapter, as a draft, with one first page to fill in."""
    by.require("edit", "add content")
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
        by=by,
        state=state,
    )
    return chapter


def add_page(session: Session, chapter_id: str, lang: str, title: str, markdown: str, *, by: Account) -> Key:
    by.require("edit", "add content")
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
        by=by,
        state=state,
    )
    return page


def add_question(
    session: Session, category_id: str, lang: str, question: str, answer: str, *, by: Account
) -> Key:
    by.require("edit", "add content")
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
        by=by,
        state=state,
    )
    return entry


def add_category(session: Session, lang: str, title: str, *, by: Account) -> Key:
    by.require("edit", "add content")
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
        by=by,
        state=state,
    )
    return category


def add_picture(
    session: Session, name: str, data: bytes, media_type: str | None = None, *, by: Account
) -> Key:
    """Store a picture (a new one, or a new version of one with this name). Unsafe SVG is refused, and so is a
    picture that costs too much to draw (drawn once, offscreen, in a separate process to find out)."""
    by.require("edit", "add pictures")
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
    commit(session, "picture", f"picture {clean}", [(key, after)], by=by, blobs={digest: data})
    return key


# --- staff accounts: changed by an admin, named in the history (but never undone: credentials are not content) --


def _note(session: Session, summary: str, by: Account) -> None:
    history_log.record(session, "staff", summary, [], author=by.name, keep_empty=True)


def add_account(session: Session, name: str, roles: list[str], pin: str, *, by: Account) -> Account:
    by.require("admin", "add staff accounts")
    account = auth.add_account(session, name, roles, pin)
    _note(session, f"added {account.name} ({', '.join(account.roles)})", by)
    return account


def remove_account(session: Session, name: str, *, by: Account) -> Account:
    by.require("admin", "remove staff accounts")
    account = auth.remove_account(session, name)
    _note(session, f"removed {account.name}", by)
    return account


def reset_pin(session: Session, name: str, pin: str, *, by: Account) -> None:
    if auth.find_account(session, name) != by or not by.person:
        by.require("admin", "set other people's PINs")
    auth.set_account_pin(session, name, pin)
    _note(session, f"new PIN for {' '.join(name.split())}", by)


def set_roles(session: Session, name: str, roles: list[str], *, by: Account) -> Account:
    by.require("admin", "change roles")
    account = auth.set_roles(session, name, roles)
    _note(session, f"{account.name} is now {', '.join(account.roles)}", by)
    return account


# --- clinical review --------------------------------------------------------------------------------------------


def mark_reviewed(session: Session, key: Key, *, by: Account, today: dt.date | None = None) -> None:
    """A reviewer signs off a chapter (all its pages) or an answer: their name and today's date."""
    by.require("review", "mark content reviewed")
    if key.kind not in REVIEWED_KINDS:
        raise KioskError("only a chapter or a question's answer is reviewed")
    state = read_state(session)
    fields = _item(state, key)
    day = (today or dt.date.today()).isoformat()
    if key.kind == "chapter":
        change: tuple[Key, Fields | None] = (key, {**fields, "reviewed_on": day, "reviewed_by": by.name})
    else:
        change = (review_key(key.kind, key.id), {"reviewed_on": day, "reviewed_by": by.name})
    commit(session, "review", f"{by.name} reviewed {key.describe()}", [change], by=by, state=state)


@dataclass(frozen=True)
class Due:
    """An item whose clinical review is missing or out of date."""

    key: Key
    title: str
    reason: str  # "never reviewed", "review due" or "changed since review"
    reviewed_on: dt.date | None
    reviewed_by: str


def due(session: Session, lang: str = "en", today: dt.date | None = None) -> list[Due]:
    """Every chapter and answer whose review is missing, older than the review interval, or out of date."""
    tree = _Tree(session, lang, today or dt.date.today())
    found: list[Due] = []
    for kind in REVIEWED_KINDS:
        for key, row in sorted(tree.state.items()):
            if key.kind != kind or row.fields.get("deleted"):
                continue
            status = tree.status(key)
            if status.review:
                signed = review_of(row.fields, tree.reviews.get(review_key(key.kind, key.id)))
                found.append(
                    Due(
                        key,
                        status.title,
                        status.review,
                        signed[0] if signed else None,
                        signed[1] if signed else "",
                    )
                )
    return found


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
    author: str = ""


def history(session: Session, item: Key, limit: int = 200) -> list[HistoryEntry]:
    """Every change to an item and its texts (drafts and reviews included), newest first."""
    kinds = [item.kind, f"{item.kind}_text"]
    ids = [item.id, f"{item.kind}_text/{item.id}", review_key(item.kind, item.id).id]
    query = (
        select(Revision, ChangeSet)
        .join(ChangeSet, ChangeSet.id == Revision.changeset_id)
        .where(Revision.item_kind.in_([*kinds, "draft", "review"]), Revision.item_key.in_(ids))
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
            c.author,
        )
        for r, c in session.execute(query)
    ]


@dataclass(frozen=True)
class Change:
    """One action in the history, as staff and support see it."""

    id: int
    when: dt.datetime
    kind: str
    summary: str
    author: str
    rows: int  # how many rows it changed

    def line(self) -> str:
        who = f" by {self.author}" if self.author else ""
        return f"{self.when:%Y-%m-%d %H:%M}  {self.kind}{who}: {self.summary}"


def recent_changes(session: Session, limit: int = 50) -> list[Change]:
    """The latest actions, newest first."""
    from sqlalchemy import func

    counts = (
        select(Revision.changeset_id, func.count().label("rows")).group_by(Revision.changeset_id).subquery()
    )
    rows = session.execute(
        select(ChangeSet, func.coalesce(counts.c.rows, 0))
        .outerjoin(counts, counts.c.changeset_id == ChangeSet.id)
        .order_by(ChangeSet.id.desc())
        .limit(limit)
    )
    return [Change(c.id, c.created_at, c.kind, c.summary, c.author, int(n)) for c, n in rows]


def restore_revision(session: Session, revision_id: int, *, by: Account) -> Key:
    """Make a row hold what it held right after that revision (a new change, itself undoable)."""
    revision = session.get(Revision, revision_id)
    if revision is None:
        raise KioskError("that version no longer exists")
    key = Key(revision.item_kind, revision.item_key, revision.lang)
    after = revision.after
    if key.kind in TEXT_KINDS and after is None:
        raise KioskError("that version is the removal of a text; restore an earlier version instead")
    if key.kind in ITEM_KINDS and after is None:
        raise KioskError("that version is before the item existed; restore a later version instead")
    by.require(_right_for(session, [(key, after)], ()), "restore that version")
    when = f"{revision.changeset.created_at:%Y-%m-%d %H:%M}"
    commit(
        session,
        "restore",
        f"restored {key.describe() if key.kind not in history_log.EXTRA_KINDS else key.id} to its version of {when}",
        [(key, after)],
        by=by,
    )
    return key


# --- undo ------------------------------------------------------------------------------------------------------

NOUNS = {
    "chapter": ("chapter", "chapters"),
    "page": ("page", "pages"),
    "check": ("teach-back question", "teach-back questions"),
    "faq_category": ("question group", "question groups"),
    "faq_entry": ("answer", "answers"),
    "asset": ("picture", "pictures"),
}


def _count(counter: dict[str, int]) -> str:
    parts = [
        f"{number} {NOUNS[kind][0] if number == 1 else NOUNS[kind][1]}"
        for kind in NOUNS
        if (number := counter.get(kind, 0))
    ]
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1]
    return parts[0] if parts else ""


def _setting_name(key: str) -> str:
    return key.replace("_", " ")


@dataclass(frozen=True)
class UndoPlan:
    """What undoing a change would do, in words, before anything is done."""

    changeset_id: int
    summary: str
    kind: str
    effects: tuple[str, ...]  # "This removes 9 chapters and 55 answers."
    later: tuple[str, ...]  # later changes that depend on it (undone with it when asked to)
    later_ids: tuple[int, ...]
    right: str  # what the account doing it needs: "edit", "review" or "admin"
    targets: tuple[tuple[Key, Fields | None], ...]

    @property
    def words(self) -> str:
        lines = list(self.effects) or ["Nothing would change: it was already undone."]
        if self.later:
            shown = "; ".join(self.later[:5]) + (
                f"; and {len(self.later) - 5} more" if len(self.later) > 5 else ""
            )
            lines.append(f"Later changes depend on it and are undone with it: {shown}.")
        return " ".join(lines)

    @property
    def is_empty(self) -> bool:
        return not self.targets


def _keys(changeset: ChangeSet) -> list[Key]:
    return [Key(r.item_kind, r.item_key, r.lang) for r in changeset.revisions]


def _child_of(key: Key, items: set[Key]) -> bool:
    """Whether a row belongs under one of `items` (a page or question under a chapter, a text under its item)."""
    if key.kind in history_log.EXTRA_KINDS:
        return False
    if key.item in items:
        return True
    return key.kind in ("page", "page_text", "check", "check_text") and Key("chapter", key.chapter) in items


def _later(session: Session, changeset: ChangeSet) -> list[ChangeSet]:
    """Later changes that undoing `changeset` would undercut: they changed a row it changed (and it no longer
    holds what `changeset` left), or they added something under an item it created."""
    snapshot = Snapshot(session)
    changed = {
        Key(r.item_kind, r.item_key, r.lang)
        for r in changeset.revisions
        if snapshot.get(Key(r.item_kind, r.item_key, r.lang)) != r.after
    }
    created = {
        Key(r.item_kind, r.item_key)
        for r in changeset.revisions
        if r.item_kind in ITEM_KINDS and (r.before is None or r.before.get("deleted")) and r.after is not None
    }
    if not changed and not created:
        return []
    found: list[ChangeSet] = []
    reach = set(changed)
    for later in session.scalars(select(ChangeSet).where(ChangeSet.id > changeset.id).order_by(ChangeSet.id)):
        keys = _keys(later)
        if any(key in reach or _child_of(key, created) for key in keys):
            found.append(later)
            reach.update(keys)
    return found


def _right_for(session: Session, targets: list[tuple[Key, Fields | None]], kinds: tuple[str, ...]) -> str:
    if any(kind in IMPORT_KINDS or kind in ("settings", "backup-restore") for kind in kinds):
        return "admin"
    if any(key.kind == "setting" for key, _ in targets):
        return "admin"
    state = read_state(session)
    for key, after in targets:
        if key.kind in MEDICAL_TEXTS and _live(state, key.item):
            return "review"
        if key.kind == "review":
            return "review"
        if (
            key.kind in ITEM_KINDS
            and after is not None
            and after.get("published")
            and not after.get("deleted")
            and not _live(state, key)
        ):
            return "review"  # it would put something in front of patients
    return "edit"


def plan_undo(session: Session, changeset_id: int, *, with_later: bool = True) -> UndoPlan:
    """What undoing a change (and, with `with_later`, the later changes that depend on it) would do."""
    changeset = session.get(ChangeSet, changeset_id)
    if changeset is None:
        raise KioskError("that change no longer exists")
    if changeset.kind == "staff":
        raise KioskError(
            "changes to staff accounts are not undone: add, remove or change the account instead"
        )
    later = _later(session, changeset)
    undone = [changeset, *later] if with_later else [changeset]
    wanted: dict[Key, Fields | None] = {}
    for each in reversed(undone):  # newest first: what the oldest one found is what stays
        for revision in reversed(each.revisions):
            wanted[Key(revision.item_kind, revision.item_key, revision.lang)] = revision.before
    snapshot = Snapshot(session)
    targets: list[tuple[Key, Fields | None]] = []
    removed: dict[str, int] = {}
    back: dict[str, int] = {}
    changed: dict[str, set[Key]] = {}
    settings_reset: list[str] = []
    settings_back: list[str] = []
    other: list[str] = []
    trashed = {key for key, target in wanted.items() if key.kind in ITEM_KINDS and target is None}
    for key, target in wanted.items():
        current = snapshot.get(key)
        if target is None and key.lang is not None and key.item in trashed:
            continue  # a text stays with its item in the trash, so restoring the item brings it back whole
        if key.kind in ITEM_KINDS and target is None:
            # An item is never removed by an undo, only moved to the trash: what was added under it since stays.
            if current is None or current.get("deleted"):
                continue
            target = {**current, "deleted": True}
        if current == target:
            continue
        targets.append((key, target))
        if key.kind in ITEM_KINDS:
            live_now = current is not None and not current.get("deleted")
            live_then = target is not None and not target.get("deleted")
            if live_now and not live_then:
                removed[key.kind] = removed.get(key.kind, 0) + 1
            elif live_then and not live_now:
                back[key.kind] = back.get(key.kind, 0) + 1
            else:
                changed.setdefault(key.kind, set()).add(key)
        elif key.kind == "setting":
            (settings_reset if target is None else settings_back).append(_setting_name(key.id))
        elif key.kind == "review":
            other.append("takes back a review" if target is None else "puts back an earlier review")
        elif key.kind == "draft":
            other.append("removes a draft" if target is None else "puts back a draft")
        else:
            changed.setdefault(key.item.kind, set()).add(key.item)
    effects: list[str] = []
    if removed:
        effects.append(f"This removes {_count(removed)} (they can be restored from the trash).")
    if back:
        effects.append(f"This brings back {_count(back)}.")
    changed_counts = {kind: len(items) for kind, items in changed.items()}
    if changed_counts:
        effects.append(f"It changes {_count(changed_counts)} back.")
    if settings_reset:
        effects.append(
            f"It resets {len(settings_reset)} setting(s) to their defaults: {', '.join(sorted(settings_reset))}."
        )
    if settings_back:
        effects.append(f"It sets {len(settings_back)} setting(s) back: {', '.join(sorted(settings_back))}.")
    for phrase in dict.fromkeys(other):
        effects.append(f"It {phrase}.")
    return UndoPlan(
        changeset_id=changeset.id,
        summary=changeset.summary,
        kind=changeset.kind,
        effects=tuple(effects),
        later=tuple(c.summary for c in later),
        later_ids=tuple(c.id for c in later),
        right=_right_for(session, targets, tuple(c.kind for c in undone)),
        targets=tuple(targets),
    )


def undo(session: Session, changeset_id: int, *, by: Account, with_later: bool = False) -> UndoPlan:
    """Undo a whole action (an import, a save, a settings change) by putting back what each row held before it.

    Where later changes depend on it, they are undone with it only when `with_later` says so; otherwise nothing
    is done and `KioskError` says which they are. Items an undo would remove go to the trash instead, so nothing
    added under them since is lost. The undo is itself a change: undoing it puts back exactly what was there.
    """
    plan = plan_undo(session, changeset_id, with_later=True)
    if plan.later and not with_later:
        raise KioskError(
            "later changes depend on this one: "
            + "; ".join(plan.later[:5])
            + ". Undo them together, or undo the later ones first."
        )
    by.require(plan.right, "undo that change")
    if plan.is_empty:
        raise KioskError("nothing to undo: that change was already undone")
    summary = f"undid: {plan.summary}" + (f" (and {len(plan.later)} later change(s))" if plan.later else "")
    commit(
        session,
        "undo",
        summary,
        list(plan.targets),
        by=by,
        detail={"undoes": [changeset_id, *plan.later_ids]},
    )
    return plan
