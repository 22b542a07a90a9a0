"""Clinic facts in content: placeholders are filled from the settings, refused when unknown, kind when unset."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kiosk.config import coerce
from kiosk.content import placeholders
from kiosk.content.parse import read_content
from kiosk.content.validate import validate
from kiosk.db.store import Store
from kiosk.errors import KioskError
from kiosk.services.auth import COMMAND_LINE
from kiosk.services.catalogue import load_catalogue
from kiosk.services.settings import update_settings


def test_fill_replaces_known_names_escapes_html_and_leaves_unknown_ones() -> None:
    values = {"clinic_phone": "555 <0100> & co", "clinic_name": "Calm Clinic"}
    text = "Call {{clinic_phone}} at {{ clinic_name }}, not {{clinic_fax}}."
    assert placeholders.fill(text, values, escape=True) == (
        "Call 555 &lt;0100&gt; &amp; co at Calm Clinic, not {{clinic_fax}}."
    )
    assert placeholders.fill(text, values, escape=False) == (
        "Call 555 <0100> & co at Calm Clinic, not {{clinic_fax}}."
    )


def test_unset_facts_read_as_an_instruction_in_the_patients_language() -> None:
    english = placeholders.values_for({"clinic_phone": "", "clinic_name": "Calm Clinic"}, "en")
    spanish = placeholders.values_for({"clinic_phone": "  "}, "es")
    assert english["clinic_phone"] == "ask the front desk for the number"
    assert english["clinic_name"] == "Calm Clinic"
    assert spanish["clinic_phone"] == "pida el número en la recepción"
    assert spanish["after_hours_phone"].startswith("pida en la recepción")


def test_validation_names_the_file_and_line_of_an_unknown_placeholder(content_dir: Path) -> None:
    path = content_dir / "en/faq/01-general.md"
    text = path.read_text(encoding="utf-8").replace("{{clinic_phone}}", "{{clinic_fone}}")
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index(next(ln for ln in text.splitlines() if "clinic_fone" in ln)) + 1
    errors = [
        str(p)
        for p in validate(read_content(content_dir), today=dt.date(2026, 11, 30))
        if p.severity == "error"
    ]
    assert len(errors) == 1
    assert errors[0].startswith(f"en/faq/01-general.md:{line}: unknown placeholder {{{{clinic_fone}}}}")


def test_patients_see_the_clinics_current_number_or_the_fallback(store: Store) -> None:
    with store.session() as session:
        before = load_catalogue(session, "es").question("can-i-drive")
    assert before is not None and "Llame a la clínica: pida el número en la recepción." in before.html
    with store.session() as session, session.begin():
        update_settings(session, {"clinic_phone": "(555) 010-0100"}, by=COMMAND_LINE)
    with store.session() as session:
        after = load_catalogue(session, "en").question("can-i-drive")
    assert after is not None and "Call the clinic: (555) 010-0100." in after.html
    assert "{{" not in after.html


@pytest.mark.parametrize("value", ["call us", "55", "٥٥٥٠١٠٠١٠٠", "1" * 30])
def test_a_phone_setting_must_look_like_a_phone_number(value: str) -> None:
    with pytest.raises(KioskError, match="clinic_phone"):
        coerce("clinic_phone", value)


def test_phone_numbers_as_people_write_them_are_accepted() -> None:
    for value in ("(555) 010-0100", "+1 555 010 0100 ext. 12", "555.010.0100"):
        assert coerce("after_hours_phone", value) == value


def test_settings_are_one_line_and_refuse_control_characters() -> None:
    assert coerce("clinic_name", "Calm\n  Clinic\t") == "Calm Clinic"
    assert coerce("crisis_line", {"en": "Call\n988", "es": "Llame\r\nal 988"}) == {
        "en": "Call 988",
        "es": "Llame al 988",
    }
    for bad in ("Calm\x1b[2JClinic", "Calm\u202eClinic"):
        with pytest.raises(KioskError, match="control characters"):
            coerce("clinic_name", bad)
