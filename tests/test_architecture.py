"""The layers point inward (architecture.md §2), checked by import-linter's contracts in
pyproject.toml, plus a direct scan so a contract typo cannot silently pass everything."""

from __future__ import annotations

import ast
import logging
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "hjdesk"


def test_import_linter_contracts_hold(monkeypatch: pytest.MonkeyPatch) -> None:
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    # Import Linter configures logging with `disable_existing_loggers`, which silenced the
    # app's crash logger for every later test in the process (test_crash_log then saw an
    # empty log when it ran after this one).
    loggers = [x for x in logging.root.manager.loggerDict.values() if isinstance(x, logging.Logger)]
    enabled = [x for x in loggers if not x.disabled]
    try:
        assert lint_imports(no_cache=True) == 0
    finally:
        for found in enabled:
            found.disabled = False


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def _within(module: str, package: str) -> bool:
    package = package.rstrip(".")
    return module == package or module.startswith(package + ".")


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("clinical", ("hjdesk.", "sqlalchemy", "PySide6", "sqlcipher3", "alembic")),
        ("storage", ("hjdesk.services", "hjdesk.ui", "hjdesk.cli", "hjdesk.reports", "PySide6")),
        ("services", ("hjdesk.ui", "hjdesk.cli", "PySide6.QtWidgets")),
        ("interop", ("hjdesk.ui", "hjdesk.cli", "PySide6")),
    ],
)
def test_layer_does_not_import_outward(layer: str, forbidden: tuple[str, ...]) -> None:
    offenders = []
    for path in (PACKAGE / layer).rglob("*.py"):
        for name in _imports(path):
            if layer == "clinical" and name.startswith("hjdesk.clinical"):
                continue
            if any(_within(name, f) for f in forbidden):
                offenders.append(f"{path.relative_to(ROOT)} imports {name}")
    assert offenders == []


def test_only_ui_imports_qtwidgets() -> None:
    offenders = [
        str(path.relative_to(ROOT))
        for path in PACKAGE.rglob("*.py")
        if "ui" not in path.relative_to(PACKAGE).parts[:1]
        and any(n.split(".")[:2] == ["PySide6", "QtWidgets"] for n in _imports(path))
    ]
    assert offenders == []


def test_the_scan_sees_the_package() -> None:
    # Guards against the tests above passing because they read nothing.
    assert len(list(PACKAGE.rglob("*.py"))) > 20
    assert os.path.isdir(PACKAGE / "clinical")


def _ui_part(module: str) -> str | None:
    """The ui subpackage (or top-level ui module) a module belongs to: `record`, `pages`…"""
    parts = module.split(".")
    return parts[2] if parts[:2] == ["hjdesk", "ui"] and len(parts) > 2 else None


def _ui_graph() -> dict[str, set[str]]:
    ui = PACKAGE / "ui"
    graph: dict[str, set[str]] = {}
    for path in ui.rglob("*.py"):
        relative = path.relative_to(ui)
        source = relative.parts[0].removesuffix(".py")
        targets = {_ui_part(name) for name in _imports(path)}
        graph.setdefault(source, set()).update(t for t in targets if t and t != source)
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return [*path[path.index(node) :], node]
        if node in done:
            return None
        for target in sorted(graph.get(node, ())):
            found = visit(target, [*path, node])
            if found:
                return found
        done.add(node)
        return None

    for start in sorted(graph):
        found = visit(start, [])
        if found:
            return found
    return None


def test_no_import_cycle_between_ui_parts() -> None:
    # Pages compose the feature folders, which use ui/widgets and ui/context; nothing points back
    # (also a layers contract in pyproject.toml; this scan counts imports inside functions too).
    graph = _ui_graph()
    assert {"pages", "record", "widgets", "context"} <= set(graph)
    assert _cycle(graph) is None


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
