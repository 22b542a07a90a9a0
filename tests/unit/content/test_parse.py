"""Reading a content folder within limits: plain files only, never more than the limit, YAML without aliases."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.content import parse
from kiosk.content.parse import Problem, Unreadable, YamlError, load_yaml, printable, read_content, read_file
from kiosk.content.validate import validate
from tests.helpers.hostile import ALIAS_BOMB


def errors(root: Path) -> list[str]:
    return [str(p) for p in validate(read_content(root), readability_checks=False) if p.severity == "error"]


def test_links_devices_and_pipes_are_refused_without_being_read(content_dir: Path) -> None:
    (content_dir / "en/faq/02-zero.md").symlink_to("/dev/zero")
    (content_dir / "illustrations/zero.svg").symlink_to("/dev/zero")
    os.mkfifo(content_dir / "en/topics/03-pipe.md")  # opening it for reading would wait for a writer forever
    found = errors(content_dir)
    assert "en/faq/02-zero.md:1: is a link; only plain files are read (copy the file itself here)" in found
    assert (
        "illustrations/zero.svg:1: is a link; only plain files are read (copy the file itself here)" in found
    )
    assert (
        "en/topics/03-pipe.md:1: is not a plain file (a device, pipe or folder); only plain files are read"
        in found
    )


def test_a_linked_folder_is_not_followed(content_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "elsewhere").mkdir()
    (content_dir / "illustrations").rename(tmp_path / "elsewhere" / "illustrations")
    (content_dir / "illustrations").symlink_to(tmp_path / "elsewhere" / "illustrations")
    assert "illustrations:1: is not a plain folder (a link or a file); it is not read" in errors(content_dir)


def test_a_file_is_never_read_past_its_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.md"
    path.write_bytes(b"x" * 2000)
    assert read_file(path, 2000) == b"x" * 2000
    with pytest.raises(Unreadable, match="too large"):
        read_file(path, 1999)
    sparse = tmp_path / "sparse.md"
    with sparse.open("wb") as handle:  # ten gigabytes that take no disk: refused by size, nothing read
        handle.truncate(10 * 1024**3)
    with pytest.raises(Unreadable, match=r"file is too large \(10485760 KB"):
        read_file(sparse, 1024)


def test_a_whole_folder_has_a_limit(content_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parse, "MAX_FOLDER_BYTES", 3000)
    found = errors(content_dir)
    assert any(e.endswith(": the folder holds too much (more than 0 MB in all)") for e in found), found
    monkeypatch.setattr(parse, "MAX_FOLDER_BYTES", 10**9)
    monkeypatch.setattr(parse, "MAX_FOLDER_TEXT_BYTES", 3000)
    found = errors(content_dir)
    assert any(e.endswith(": the folder holds too much (more than 0 MB of text)") for e in found), found
    (content_dir / "en/faq/02-zero.md").symlink_to("/dev/zero")  # over the budget too, but refused as a link
    assert "en/faq/02-zero.md:1: is a link; only plain files are read (copy the file itself here)" in (
        errors(content_dir)
    )


def test_a_folder_of_too_many_files_is_refused_once(
    content_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parse, "MAX_FOLDER_ENTRIES", 3)
    for number in range(5):
        (content_dir / f"illustrations/extra-{number}.txt").write_text("x")
    assert errors(content_dir).count("illustrations:1: too many files in this folder (the limit is 3)") == 1


def test_a_yaml_alias_bomb_in_site_yaml_is_refused_at_its_first_alias(content_dir: Path) -> None:
    (content_dir / "site.yaml").write_text(ALIAS_BOMB)
    assert errors(content_dir) == [
        "site.yaml:2: site.yaml is not valid YAML: aliases (*name) are not allowed: write the value out"
    ]


def test_aliases_and_deep_nesting_are_refused_in_front_matter(content_dir: Path) -> None:
    path = content_dir / "en/topics/02-second.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", "---\nother: &x [1]\nmore: *x\n", 1), encoding="utf-8")
    assert "en/topics/02-second.md:3: front matter is not valid YAML: aliases (*name) are not allowed" in (
        " ".join(errors(content_dir))
    )
    path.write_text(text.replace("---\n", "---\nother: " + "[" * 50 + "]" * 50 + "\n", 1), encoding="utf-8")
    assert (
        "en/topics/02-second.md:2: front matter is not valid YAML: values are nested too deeply (at most 8 levels)"
        in errors(content_dir)
    )


def test_yaml_limits_say_where() -> None:
    assert load_yaml("a: 1\nb: [x, y]\n") == ({"a": 1, "b": ["x", "y"]}, {"a": 1, "b": 2})
    for text, line, words in [
        ("a: &x 1\nb: *x\n", 2, "aliases"),
        ("a: [[[[[[[[[1]]]]]]]]]\n", 1, "nested too deeply"),
        ("a: 1\nb: " + "9" * 5000 + "\n", 2, "a number is too long"),
        ("a: [1, 2\nb: 3\n", 1, "expected"),  # where the unclosed '[' began
    ]:
        with pytest.raises(YamlError) as raised:
            load_yaml(text)
        assert raised.value.line == line and words in raised.value.message, (text[:20], raised.value.message)


def test_names_and_messages_are_printed_escaped() -> None:
    assert printable("plain words, ñ and é") == "plain words, ñ and é"
    assert (
        printable("a\nb\rc\x1b[2Jd\u202eevil\u2028e\tf") == "a\\x0ab\\x0dc\\x1b[2Jd\\u202eevil\\u2028e\\x09f"
    )
    fake = Problem("illustrations/x.svg\nen/faq/01-general.md:1: ok", 1, "bad\nall is well")
    assert "\n" not in str(fake)
    assert str(fake) == "illustrations/x.svg\\x0aen/faq/01-general.md:1: ok:1: bad\\x0aall is well"


def test_a_picture_name_with_a_control_character_is_refused(content_dir: Path) -> None:
    (content_dir / "illustrations/dot.svg").rename(content_dir / "illustrations/do\x1bt.svg")
    assert "illustrations/do\\x1bt.svg:1: the file name has a control character in it: rename the file" in (
        errors(content_dir)
    )


def test_a_control_character_in_yaml_is_named_at_its_line() -> None:
    with pytest.raises(YamlError) as raised:
        load_yaml("a: 1\nid: \x08\n")
    assert (raised.value.line, raised.value.message) == (2, "a control character (\\x08) is not allowed")
