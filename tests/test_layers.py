"""The layer rule: data, content and services never import Qt, so they run without a display."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kiosk"
QT_FREE = ["config.py", "paths.py", "errors.py", "db", "content", "services"]
LAYERS = {"config": 1, "paths": 1, "errors": 1, "db": 2, "content": 3, "services": 4, "ui": 5, "cli": 6}


def modules(relative: str) -> list[Path]:
    path = PACKAGE / relative
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
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
