"""The layout of the code, as a contract that runs with the tests (issue 12, DESIGN.md section 1).

Inside each layer code is grouped by subject: `app/services/<subject>/`, `app/cli/<subject>.py`,
`ui/<subject>/`, with the shared pieces in `ui/common/` and the program around the screens in
`ui/shell/`. These tests say what may import what, so that the shape survives the issues that
add to it:

- a `ui/<subject>/` package is private to its subject: everything else (other subjects, the
  shell) uses it through what its `__init__` exports, never one of its modules;
- `ui/common/` is the bottom of the GUI: it imports no subject and not the shell; a subject
  never imports the shell (the shell is built from the subjects);
- every folder of code is a package (else it would escape these rules);
- nothing outside a package takes a `_private` name from it;
- the CLI's subject modules take their shared helpers from `app/cli/common.py` only;
- there are no import cycles in `app/` or `ui/`, counting imports inside functions;
- no module grows past ~400 lines (one idea each).

Every import statement is found, also ones inside functions (the walk of test_layers.py).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.unit.test_layers import imported_modules

ROOT = Path(__file__).resolve().parents[2]
UI_SHARED = ("common", "shell")
LONGEST_MODULE = 400


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules(*tops: str) -> dict[str, Path]:
    return {_module_name(p): p for top in tops for p in sorted((ROOT / top).rglob("*.py"))}


MODULES = _modules("app", "ui")
UI_SUBJECTS = sorted(
    p.parent.name for p in (ROOT / "ui").glob("*/__init__.py") if p.parent.name not in UI_SHARED
)


def _imports(path: Path) -> Iterator[tuple[int, str]]:
    """(line, module) for every module of ours that `path` imports: `from a.b import c` names
    `a.b.c` when c is a module, else `a.b`."""
    package = ".".join(path.relative_to(ROOT).parent.parts)
    for line, name in imported_modules(path.read_text(encoding="utf-8"), package):
        if name in MODULES:
            yield line, name


def _where(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_there_are_subjects_to_check() -> None:
    assert {"work_orders", "pm", "assets", "requests", "users"} <= set(UI_SUBJECTS)
    assert "app.cli.common" in MODULES and "app.services.work_orders.lifecycle" in MODULES


def test_a_ui_subject_is_used_from_outside_only_through_its_package() -> None:
    found = []
    for name, path in MODULES.items():
        if not name.startswith("ui."):
            continue
        own = name.split(".")[1] if name.count(".") >= 1 else ""
        for line, target in _imports(path):
            parts = target.split(".")
            if parts[0] == "ui" and len(parts) > 2 and parts[1] in UI_SUBJECTS and parts[1] != own:
                found.append(f"{_where(path)}:{line} uses {target}")
    assert found == [], "import what the subject's __init__ exports instead:\n" + "\n".join(found)


def test_ui_common_is_the_bottom_of_the_gui() -> None:
    found = [
        f"{_where(path)}:{line} imports {target}"
        for name, path in MODULES.items() if name.startswith("ui.common")
        for line, target in _imports(path)
        if target.startswith("ui.") and not target.startswith("ui.common")
    ]
    assert found == []


def test_ui_subjects_never_import_the_shell() -> None:
    """The shell (start-up, main window, PM worker) is built from the subjects, never the other
    way round: a subject that needs the desk's state is handed it."""
    found = [
        f"{_where(path)}:{line} imports {target}"
        for name, path in MODULES.items() if name.split(".")[:2][-1] in UI_SUBJECTS
        for line, target in _imports(path) if target.startswith("ui.shell")
    ]
    assert found == []


def test_every_code_folder_is_a_package() -> None:
    """A folder without `__init__.py` would escape the subject rules above."""
    missing = sorted(
        str(folder.relative_to(ROOT)) for top in ("app", "ui")
        for folder in [ROOT / top, *(ROOT / top).rglob("*")]
        if folder.is_dir() and folder.name != "__pycache__" and any(folder.glob("*.py"))
        and not (folder / "__init__.py").exists()
    )
    assert missing == []


def _package_of_module(name: str) -> str:
    path = MODULES[name]
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def test_no_private_name_crosses_a_package() -> None:
    """`from app.services.people.users import _load` (or `users._load(...)`) ties two packages to
    a detail of one; relative imports count too."""
    found = []
    for path in MODULES.values():
        package = ".".join(path.relative_to(ROOT).parent.parts)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_names: dict[str, str] = {}  # local name -> our module it stands for
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join([*anchor, source] if source else anchor)
                for alias in node.names:
                    if f"{source}.{alias.name}" in MODULES:
                        module_names[alias.asname or alias.name] = f"{source}.{alias.name}"
                    elif (source in MODULES and alias.name.startswith("_")
                          and not alias.name.startswith("__")
                          and _package_of_module(source) != package):
                        found.append(f"{_where(path)}:{node.lineno} {source}.{alias.name}")
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname and alias.name in MODULES:
                        module_names[alias.asname] = alias.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in module_names and node.attr.startswith("_")
                    and not node.attr.startswith("__")
                    and _package_of_module(module_names[node.value.id]) != package):
                found.append(f"{_where(path)}:{node.lineno} "
                             f"{module_names[node.value.id]}.{node.attr}")
    assert found == []


def test_cli_subject_modules_share_only_common() -> None:
    """`app/cli/main.py` builds the parser from the subject modules; they take their helpers
    (sign-in options, opening the database, output, exit codes) from `common`, never from
    `main` or from each other: no circle."""
    found = []
    for name, path in MODULES.items():
        if not name.startswith("app.cli") or name in ("app.cli.main", "app.cli.common"):
            continue
        allowed = {"app.cli.common", "app.cli.main"} if name == "app.cli.__main__" else {
            "app.cli.common"}
        found.extend(f"{_where(path)}:{line} imports {target}" for line, target in _imports(path)
                     if target.startswith("app.cli") and target not in allowed)
    for line, target in _imports(MODULES["app.cli.common"]):
        if target.startswith("app.cli"):
            found.append(f"app/cli/common.py:{line} imports {target}")
    assert found == []


def test_only_the_program_entry_uses_the_cli() -> None:
    found = [
        f"{_where(path)}:{line} imports {target}"
        for name, path in MODULES.items() if not name.startswith("app.cli") and name != "ui.main"
        for line, target in _imports(path) if target.startswith("app.cli")
    ]
    assert found == []


def _graph() -> dict[str, set[str]]:
    """Who imports whom; importing `a.b.c` also runs `a.b` and `a` (their `__init__`)."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        targets = set()
        for _line, target in _imports(path):
            parts = target.split(".")
            targets.update(".".join(parts[:n]) for n in range(1, len(parts) + 1))
        graph[name] = {t for t in targets if t in MODULES and t != name
                       and not name.startswith(t + ".")}
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a deep import chain cannot hit the recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(graph[target]))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    group = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        group.append(member)
                        if member == node:
                            break
                    if len(group) > 1:
                        cycles.append(sorted(group))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    return cycles


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e2"}, "e2": set()}
    assert import_cycles(graph) == [["a", "b", "c"]]


def test_no_import_cycles_in_app_or_ui() -> None:
    assert import_cycles(_graph()) == []


def test_modules_stay_short() -> None:
    long = {
        _where(path): lines for path in MODULES.values()
        if (lines := len(path.read_text(encoding="utf-8").splitlines())) > LONGEST_MODULE
    }
    assert long == {}, f"split these by idea (over {LONGEST_MODULE} lines): {long}"
