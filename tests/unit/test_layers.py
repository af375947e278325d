"""The layering rule of DESIGN.md section 1, as a check that runs with the tests.

`app/` never imports Qt (not even QtCore) or `ui/`; `ui/` never builds Peewee queries itself.
Every import statement is found, including ones inside functions, so a lazy
`from PySide6 import QtCore` in a service is caught as surely as one at the top of a module.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QT_AND_UI = ("PySide6", "shiboken6", "ui")
QUERY_BUILDERS = ("peewee", "playhouse")


def _package_of(path: Path) -> str:
    """The dotted package a file belongs to, for resolving `from . import x`."""
    return ".".join(path.relative_to(ROOT).parent.parts)


def imported_modules(source: str, package: str = "") -> list[tuple[int, str]]:
    """Every module an import statement anywhere in `source` names, as (line, dotted name).
    Relative imports are resolved against `package`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".") if package else []
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.append((node.lineno, base))
            # `from app import ui` or `from . import ui` names a module in the alias.
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def _names_forbidden(module: str, forbidden: tuple[str, ...]) -> bool:
    return any(module == root or module.startswith(root + ".") for root in forbidden)


def violations(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for line, module in imported_modules(source, _package_of(path)):
            if _names_forbidden(module, forbidden):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return found


@pytest.mark.parametrize(
    "source",
    [
        "import PySide6",
        "from PySide6.QtCore import QObject",
        "import shiboken6",
        "def later():\n    from PySide6 import QtCore\n    return QtCore",
        "class Printer:\n    def run(self):\n        import ui.main\n",
        "from ui import main",
        "try:\n    import PySide6.QtGui as gui\nexcept ImportError:\n    gui = None",
    ],
)
def test_the_import_walk_sees_every_form_of_import(source: str) -> None:
    modules = [name for _line, name in imported_modules(textwrap.dedent(source), "app.services")]
    assert any(_names_forbidden(m, QT_AND_UI) for m in modules), modules


@pytest.mark.parametrize(
    "source",
    ["import uuid", "from app import db", "from . import users", "import app.ui_texts"],
)
def test_the_import_walk_allows_ordinary_imports(source: str) -> None:
    modules = [name for _line, name in imported_modules(source, "app.services")]
    assert not any(_names_forbidden(m, QT_AND_UI) for m in modules), modules


def test_relative_imports_are_resolved_against_the_package() -> None:
    assert (3, "app.ui") in imported_modules("\n\nfrom .. import ui", "app.services")
    assert (1, "app.services.users") in imported_modules("from .users import x", "app.services")


def test_app_never_imports_qt_or_the_gui() -> None:
    assert (ROOT / "app").is_dir()
    assert violations("app", QT_AND_UI) == []


def test_importing_every_app_module_loads_no_qt() -> None:
    """Catches what a static walk cannot: a dependency of ours that pulls Qt in."""
    script = textwrap.dedent(
        """
        import importlib, json, pkgutil, sys
        import app

        names = [m.name for m in pkgutil.walk_packages(app.__path__, "app.")]
        for name in names:
            importlib.import_module(name)
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("PySide6", "shiboken6", "ui"))
        print(json.dumps({"imported": names, "qt_or_ui": loaded}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert "app.services.people.users" in report["imported"], report["imported"]
    assert report["qt_or_ui"] == []


def test_ui_never_builds_queries() -> None:
    """The GUI asks a service; it never imports Peewee to build a query of its own."""
    assert violations("ui", QUERY_BUILDERS) == []


def test_ui_reaches_the_core_only_through_services() -> None:
    """The GUI takes the office's vocabulary from app.vocabulary and opens, checks, upgrades and
    watches the database through app.services.database: never app.models, app.db or Peewee."""
    assert violations("ui", ("app.models", "app.db", "peewee", "playhouse")) == []


def test_ui_never_imports_a_model_class() -> None:
    """`WorkOrder.select()` needs no `import peewee`: the GUI may take a helper or a constant from
    app.models, but never a table to query (it gets light rows from a service instead)."""
    import peewee

    import app.models

    found = []
    for path in sorted((ROOT / "ui").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("app.models"):
                for alias in node.names:
                    thing = getattr(app.models, alias.name, None)
                    if isinstance(thing, type) and issubclass(thing, peewee.Model):
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {alias.name}")
            elif isinstance(node, ast.ImportFrom) and node.module == "app":
                found += [f"{path.relative_to(ROOT)}:{node.lineno} app.models"
                          for alias in node.names if alias.name == "models"]
    assert found == []
