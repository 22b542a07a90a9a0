"""What the patient screens read: published content only, in the patient's language, with fallbacks."""

from __future__ import annotations

from kiosk.content.state import Key, RowWriter, read_state
from kiosk.db.store import Store
from kiosk.services.catalogue import load_catalogue, load_picture


def test_chapters_and_pages_in_order_without_unpublished_pages(store: Store) -> None:
    with store.session() as session:
        catalogue = load_catalogue(session, "en")
    assert [c.id for c in catalogue.chapters] == ["first-steps", "second"]
    second = catalogue.chapter("second")
    assert second is not None and [p.id for p in second.pages] == ["driving"]
    first = catalogue.chapter("first-steps")
    assert first is not None
    assert first.card.image == "dot.svg" and first.card.summary == "What the first chapter is about."
    assert first.pages[0].image_caption == "The dot stands for one idea"


def test_spanish_texts_come_in_spanish(store: Store) -> None:
    with store.session() as session:
        catalogue = load_catalogue(session, "es")
    assert catalogue.chapters[0].title == "Primeros pasos"
    assert catalogue.categories[0].questions[0].question == "¿Puedo manejar de regreso a casa?"


def test_missing_translation_falls_back_to_the_first_language(store: Store) -> None:
    with store.session() as session, session.begin():
        RowWriter(session).write(Key("faq_entry_text", "can-i-drive", "es"), None)
    with store.session() as session:
        question = load_catalogue(session, "es").question("can-i-drive")
    assert question is not None and question.lang == "en" and question.question.startswith("Can I drive")


def test_next_chapter_and_related_questions(store: Store) -> None:
    with store.session() as session:
        catalogue = load_catalogue(session, "en")
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


def test_pictures_come_from_the_database(store: Store) -> None:
    with store.session() as session:
        picture = load_picture(session, "dot.svg")
        assert (
            picture is not None and picture.media_type == "image/svg+xml" and picture.data.startswith(b"<svg")
        )
        assert load_picture(session, "nope.svg") is None
