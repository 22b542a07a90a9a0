"""The layer rules: data, content and services never import Qt, so they run without a display; each layer imports
only layers above it; and the UI reaches the database only through services."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kiosk"
QT_FREE = ["config.py", "paths.py", "errors.py", "db", "content", "services"]
LAYERS = {
    "config": 1,
    "paths": 1,
    "errors": 1,
    "logs": 1,
    "db": 2,
    "content": 3,
    "services": 4,
    "ui": 5,
    "cli": 6,
}
#: UI modules allowed to reach `kiosk.db` directly: none (this list must stay empty).
UI_DB_EXCEPTIONS: set[str] = set()


def modules(relative: str) -> list[Path]:
    path = PACKAGE / relative
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def imports(path: Path, *, types_too: bool = True) -> set[str]:
    """The modules `path` imports; without `types_too`, leaving out those imported only for type checking."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if not types_too:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and ast.unparse(node.test) in (
                "TYPE_CHECKING",
                "typing.TYPE_CHECKING",
            ):
                skipped.update(id(inner) for statement in node.body for inner in ast.walk(statement))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", [p for part in QT_FREE for p in modules(part)], ids=lambda p: p.name)
def test_no_qt_below_the_ui(path: Path) -> None:
    qt = {name for name in imports(path) if name.split(".")[0] in ("PySide6", "shiboken6")}
    assert not qt, f"{path.relative_to(PACKAGE)} imports {qt}"


@pytest.mark.parametrize("path", sorted(PACKAGE.rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_layers_only_import_layers_above_them(path: Path) -> None:
    relative = path.relative_to(PACKAGE)
    layer = LAYERS.get(relative.parts[0].removesuffix(".py"))
    if layer is None:
        return
    for name in imports(path):
        target = LAYERS.get(name.split(".")[1]) if name.startswith("kiosk.") else None
        if target is not None:
            assert target <= layer, f"{relative} (layer {layer}) imports {name} (layer {target})"


@pytest.mark.parametrize(
    "path", sorted((PACKAGE / "ui").rglob("*.py")), ids=lambda p: str(p.relative_to(PACKAGE / "ui"))
)
def test_the_ui_reaches_the_database_only_through_services(path: Path) -> None:
    """Screens get data from services (through ui/data.py); `kiosk.db` only for type annotations."""
    relative = path.relative_to(PACKAGE / "ui").as_posix()
    store = {
        name for name in imports(path, types_too=False) if name == "kiosk.db" or name.startswith("kiosk.db.")
    }
    if relative in UI_DB_EXCEPTIONS:
        assert store, f"ui/{relative} no longer imports kiosk.db: take it off UI_DB_EXCEPTIONS"
        return
    assert not store, f"ui/{relative} imports {store}: go through a service"


def test_type_only_imports_are_told_apart(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nimport kiosk.errors\n"
        "if TYPE_CHECKING:\n    from kiosk.db.store import Store\n"
    )
    assert imports(module) == {"typing", "kiosk.errors", "kiosk.db.store"}
    assert imports(module, types_too=False) == {"typing", "kiosk.errors"}


TESTS = PACKAGE.parent / "tests"


@pytest.mark.parametrize("path", sorted(TESTS.rglob("*.py")), ids=lambda p: str(p.relative_to(TESTS)))
def test_tests_share_helpers_only_through_tests_helpers(path: Path) -> None:
    """A test module importing another test module (or a conftest) runs that module's tests' set-up as a side
    effect and ties the two together; shared code lives in tests/helpers."""
    shared = {
        name
        for name in imports(path)
        if name.startswith("tests.") and not (name == "tests.helpers" or name.startswith("tests.helpers."))
    }
    assert not shared, (
        f"tests/{path.relative_to(TESTS)} imports {shared}: move what it needs to tests/helpers"
    )
