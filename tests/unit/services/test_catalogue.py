"""What the patient screens read: published content only, in the patient's language, with fallbacks."""

from __future__ import annotations

import pytest

from kiosk.content.state import Key, RowWriter, read_state
from kiosk.db import lite
from kiosk.db.lite import Db
from kiosk.db.store import Store
from kiosk.services import auth, search, usage
from kiosk.services.catalogue import load_catalogue, load_picture
from kiosk.services.settings import load_settings


def test_chapters_and_pages_in_order_without_unpublished_pages(db: Db) -> None:
    catalogue = load_catalogue(db, "en")
    assert [c.id for c in catalogue.chapters] == ["first-steps", "second"]
    second = catalogue.chapter("second")
    assert second is not None and [p.id for p in second.pages] == ["driving"]
    first = catalogue.chapter("first-steps")
    assert first is not None
    assert first.card.image == "dot.svg" and first.card.summary == "What the first chapter is about."
    assert first.pages[0].image_caption == "The dot stands for one idea"


def test_spanish_texts_come_in_spanish(db: Db) -> None:
    catalogue = load_catalogue(db, "es")
    assert catalogue.chapters[0].title == "Primeros pasos"
    assert catalogue.categories[0].questions[0].question == "¿Puedo manejar de regreso a casa?"


def test_missing_translation_falls_back_to_the_first_language(store: Store) -> None:
    with store.session() as session, session.begin():
        RowWriter(session).write(Key("faq_entry_text", "can-i-drive", "es"), None)
    with store.session() as session:
        question = load_catalogue(session, "es").question("can-i-drive")
    assert question is not None and question.lang == "en" and question.question.startswith("Can I drive")


def test_next_chapter_and_related_questions(db: Db) -> None:
    catalogue = load_catalogue(db, "en")
    following = catalogue.next_chapter("first-steps")
    assert following is not None and following.id == "second"
    assert catalogue.next_chapter("second") is None
    assert [q.id for q in catalogue.related_questions("second")] == ["can-i-drive"]


def test_deleted_chapters_disappear(store: Store) -> None:
    with store.session() as session, session.begin():
        key = Key("chapter", "second")
        RowWriter(session).write(key, {**read_state(session)[key].fields, "deleted": True})
    with store.session() as session:
        assert [c.id for c in load_catalogue(session, "en").chapters] == ["first-steps"]


def test_pictures_come_from_the_database(db: Db) -> None:
    picture = load_picture(db, "dot.svg")
    assert picture is not None and picture.media_type == "image/svg+xml" and picture.data.startswith(b"<svg")
    assert load_picture(db, "nope.svg") is None


@pytest.mark.parametrize("lang", ["en", "es"])
def test_both_ways_into_the_database_read_the_same_catalogue(bundled_store: Store, lang: str) -> None:
    """The patient screens read with sqlite3, the staff preview and the command line with SQLAlchemy."""
    connection = lite.connect(bundled_store.path, create=False)
    try:
        with bundled_store.session() as session:
            assert load_catalogue(connection, lang) == load_catalogue(session, lang)
            assert load_settings(connection) == load_settings(session)
            assert search.search(connection, "can i drive home", lang) == search.search(
                session, "can i drive home", lang
            )
            assert usage.totals(connection, "page") == usage.totals(session, "page")
            assert auth.has_pin(connection) == auth.has_pin(session)
    finally:
        connection.close()
