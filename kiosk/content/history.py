"""History: every change to content, settings, answer reviews and drafts is written here, as one change set.

`record` is the one function that writes history. Imports, staff edits, settings, reviews, undo and restores all
call it with the rows they change, each as a `Key` and its fields after the change (None: the row goes away), and
it writes the rows and a revision for each (the fields before and after), under one `ChangeSet` that names who
made it. Because every kind of row goes through the same revisions, undoing a change, and undoing that undo, put
back exactly what was there: content, pictures, settings and reviews alike.

Row kinds besides the content kinds of `kiosk.content.state`:

- ``setting``: id is the setting's key; fields ``{"value": ...}``.
- ``review``: id is ``"faq_entry/<question id>"``; fields ``{"reviewed_on": "YYYY-MM-DD", "reviewed_by": name}``.
- ``draft``: id is ``"<text kind>/<text id>"`` with the language; fields are the text's fields plus ``author``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.content.state import KINDS, Fields, Key, Row, RowWriter, read_state
from kiosk.db.lite import all_settings, delete_setting, put_setting
from kiosk.db.models import ChangeSet, Draft, Review, Revision, Tracked, utcnow

EXTRA_KINDS = ("setting", "review", "draft")
ITEM_KINDS = ("asset", "chapter", "page", "check", "faq_category", "faq_entry")
#: Who made a change from a terminal rather than from the console.
COMMAND_LINE = "command line"
#: Rows written between flushes (see `record`).
FLUSH_EVERY = 200


def review_key(kind: str, item_id: str) -> Key:
    return Key("review", f"{kind}/{item_id}")


def draft_key(text: Key) -> Key:
    return Key("draft", f"{text.kind}/{text.id}", text.lang)


def text_of_draft(key: Key) -> Key:
    kind, _, item_id = key.id.partition("/")
    return Key(kind, item_id, key.lang)


class Snapshot:
    """What rows hold now, read once per kind and only for the kinds asked about."""

    def __init__(self, session: Session, state: Mapping[Key, Row] | None = None) -> None:
        self.session = session
        self._state = state
        self._settings: dict[str, Any] | None = None
        self._reviews: dict[Key, Fields] | None = None
        self._drafts: dict[Key, Fields] | None = None
        self._known: dict[Key, Fields | None] = {}

    def remember(self, key: Key, fields: Fields | None) -> None:
        """What a caller already read for `key` (an import's plan), so it is not read again."""
        self._known[key] = fields

    @property
    def state(self) -> Mapping[Key, Row]:
        if self._state is None:
            self._state = read_state(self.session)
        return self._state

    def reviews(self) -> dict[Key, Fields]:
        if self._reviews is None:
            self._reviews = {
                review_key(r.item_kind, r.item_id): {
                    "reviewed_on": r.reviewed_on.isoformat(),
                    "reviewed_by": r.reviewed_by,
                }
                for r in self.session.scalars(select(Review))
            }
        return self._reviews

    def drafts(self) -> dict[Key, Fields]:
        if self._drafts is None:
            self._drafts = {
                draft_key(Key(d.item_kind, d.item_id, d.lang)): {**d.fields, "author": d.author}
                for d in self.session.scalars(select(Draft))
            }
        return self._drafts

    def get(self, key: Key) -> Fields | None:
        if key in self._known:
            return self._known[key]
        if key.kind == "setting":
            if self._settings is None:
                self._settings = all_settings(self.session)
            return {"value": self._settings[key.id]} if key.id in self._settings else None
        if key.kind == "review":
            return self.reviews().get(key)
        if key.kind == "draft":
            return self.drafts().get(key)
        row = self.state.get(key)
        return dict(row.fields) if row is not None else None


def _write_extra(session: Session, key: Key, after: Fields | None) -> None:
    if key.kind == "setting":
        if after is None:
            delete_setting(session, key.id)
        else:
            put_setting(session, key.id, after["value"])
        return
    if key.kind == "review":
        kind, _, item_id = key.id.partition("/")
        review = session.get(Review, (kind, item_id))
        if after is None:
            if review is not None:
                session.delete(review)
            return
        review = review or Review(item_kind=kind, item_id=item_id)
        review.reviewed_on = dt.date.fromisoformat(after["reviewed_on"])
        review.reviewed_by = str(after["reviewed_by"])
        session.add(review)
        return
    if key.kind == "draft":
        text = text_of_draft(key)
        draft = session.get(Draft, (text.kind, text.id, text.lang))
        if after is None:
            if draft is not None:
                session.delete(draft)
            return
        draft = draft or Draft(item_kind=text.kind, item_id=text.id, lang=text.lang)
        draft.fields = {k: v for k, v in after.items() if k != "author"}
        draft.author = str(after.get("author") or "")
        draft.saved_at = utcnow()
        session.add(draft)
        return
    raise ValueError(f"unknown row kind {key.kind!r}")


def _order(key: Key, after: Fields | None) -> tuple[int, Key]:
    """Parents before their texts when rows appear; texts before their parents when they go."""
    if key.kind in KINDS:
        index = KINDS.index(key.kind)
        return (index if after is not None else -index, key)
    return (len(KINDS), key)


def record(
    session: Session,
    kind: str,
    summary: str,
    changes: Iterable[tuple[Key, Fields | None]],
    *,
    author: str,
    before: Snapshot | None = None,
    blobs: Mapping[str, bytes] | None = None,
    bundled_hash: Mapping[Key, str] | None = None,
    detail: dict[str, Any] | None = None,
    keep_empty: bool = False,
) -> ChangeSet | None:
    """Write `changes` (each row's fields after the change; None removes it) as one change set named `kind`.

    Rows whose fields would not change are left alone and get no revision. Returns the change set, or None when
    nothing changed (unless `keep_empty`). `bundled_hash` marks rows as the bundled content's (imports only).
    In the caller's transaction: nothing is committed here.
    """
    snapshot = before or Snapshot(session)
    changeset = ChangeSet(kind=kind, summary=summary[:500], author=author[:80], detail=detail)
    writer: RowWriter | None = None
    ordered = sorted(changes, key=lambda change: _order(*change))
    for key, after in ordered:
        previous = snapshot.get(key)
        if previous == after:
            continue
        if key.kind in EXTRA_KINDS:
            _write_extra(session, key, after)
        else:
            writer = writer or RowWriter(session)
            row = writer.write(key, after, blobs)
            if isinstance(row, Tracked) and bundled_hash is not None and key in bundled_hash:
                row.bundled_hash = bundled_hash[key]
                row.bundled_changed = False
        if not changeset.revisions:
            session.add(changeset)
        changeset.revisions.append(
            Revision(item_kind=key.kind, item_key=key.id, lang=key.lang, before=previous, after=after)
        )
        if len(changeset.revisions) % FLUSH_EVERY == 0:
            session.flush()  # in parts: one flush of thousands of rows would hold the interpreter lock too long
    if not changeset.revisions and not keep_empty:
        return None
    session.add(changeset)
    session.flush()
    return changeset
