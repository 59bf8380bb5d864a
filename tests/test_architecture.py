"""The shape of the code: the core depends on nothing but itself and the standard library."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_CORE = (
    "slack_bolt",
    "slack_sdk",
    "discord",
    "aiosqlite",
    "sqlite3",
    "apscheduler",
    "yaml",
    "pydantic",
    "aiohttp",
    "bot",
    "storage",
)


CORE_MODULES = sorted((ROOT / "handlers").rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_core_imports_no_platform_storage_or_config_library(path: Path) -> None:
    """handlers/ imports no SDK, database, scheduler or YAML code, nor the outer layers."""
    offending = {
        module for module in imported_modules(path) if module.split(".")[0] in FORBIDDEN_IN_CORE
    }
    assert offending == set()


@pytest.mark.parametrize(
    "path",
    sorted((ROOT / "storage").rglob("*.py")),
    ids=lambda p: p.relative_to(ROOT / "storage").as_posix(),
)
def test_storage_does_not_reach_outwards(path: Path) -> None:
    """storage/ knows the core's values, never the bot or the platforms."""
    offending = {
        m for m in imported_modules(path) if m.split(".")[0] in ("bot", "slack_bolt", "discord")
    }
    assert offending == set()


# Where the concrete store is chosen and opened; the rest of bot/ knows only the ports.
# upkeep.py, privacy.py and incident_report.py: the CLI's backup, retention, forget,
# export-person and `incident report`.
COMPOSITION_ROOTS = {"app.py", "cli.py", "upkeep.py", "privacy.py", "incident_report.py"}
# The config checks that the storage path names a usable database file when it is loaded.
READS_STORAGE_SETTINGS = {"config.py": {"storage.database"}}


@pytest.mark.parametrize(
    "path",
    sorted(
        path
        for path in (ROOT / "bot").rglob("*.py")
        if path.relative_to(ROOT / "bot").as_posix() not in COMPOSITION_ROOTS
    ),
    ids=lambda p: p.relative_to(ROOT / "bot").as_posix(),
)
def test_bot_reaches_storage_only_through_the_ports(path: Path) -> None:
    """Outside the composition roots, bot/ imports no store: it is typed against the ports."""
    allowed = READS_STORAGE_SETTINGS.get(path.relative_to(ROOT / "bot").as_posix(), set())
    offending = {
        m for m in imported_modules(path) if m.split(".")[0] == "storage" and m not in allowed
    }
    assert offending == set()


PLATFORM_NAMES = ("slack", "discord", "console")


def _docstrings(tree: ast.Module) -> set[int]:
    """The ids of the string constants that are docstrings: prose, not code."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            first = node.body[0] if node.body else None
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def code_words(path: Path) -> set[str]:
    """Every identifier and string literal in a module's code (comments and docstrings aside)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    prose = _docstrings(tree)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in prose:
            found.add(node.value)
        elif isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.arg) or (isinstance(node, ast.keyword) and node.arg):
            found.add(node.arg)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.alias):
            found |= {node.name, node.asname or ""}
    return found


@pytest.mark.parametrize("path", CORE_MODULES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_core_names_no_platform(path: Path) -> None:
    """handlers/ asks for a platform's capabilities, never for a platform by its name."""
    named = {
        word
        for word in code_words(path)
        if any(platform in word.lower() for platform in PLATFORM_NAMES)
    }
    assert named == set()


def core_module(name: str) -> str | None:
    """The handlers/ module a dotted name is, or lives in; None outside handlers/."""
    parts = name.split(".")
    while parts and parts[0] == "handlers":
        path = ROOT.joinpath(*parts)
        if path.with_suffix(".py").is_file():
            return ".".join(parts)
        if (path / "__init__.py").is_file():
            return ".".join(parts) if len(parts) > 1 else None
        parts = parts[:-1]
    return None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def core_imports(path: Path) -> set[str]:
    """The handlers/ modules a module imports, in any form (`from handlers import x` too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = module_name(path).split(".")
    package = here if path.name == "__init__.py" else here[:-1]
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            names |= {module} | {f"{module}.{alias.name}" for alias in node.names}
    found = {core_module(name) for name in names}
    return {module for module in found if module is not None} - {module_name(path)}


def import_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle in the graph, as the modules along it (the first repeated at the end)."""
    done: set[str] = set()

    def visit(module: str, trail: list[str]) -> list[str] | None:
        if module in trail:
            return [*trail[trail.index(module) :], module]
        if module in done:
            return None
        for imported in sorted(graph.get(module, ())):
            cycle = visit(imported, [*trail, module])
            if cycle is not None:
                return cycle
        done.add(module)
        return None

    for module in sorted(graph):
        cycle = visit(module, [])
        if cycle is not None:
            return cycle
    return None


def test_core_modules_import_each_other_without_a_cycle() -> None:
    """No handlers/ module imports itself round a loop, not even for type checking."""
    graph = {module_name(path): core_imports(path) for path in (ROOT / "handlers").rglob("*.py")}
    cycle = import_cycle(graph)
    assert cycle is None, "handlers/ imports in a cycle: " + " → ".join(cycle or [])


def test_import_cycles_are_found_in_every_import_form() -> None:
    """The cycle check follows `from handlers import x` and `from handlers.x import y` alike."""
    graph = {
        "handlers.changes": core_imports(ROOT / "handlers" / "changes.py"),
        "handlers.models": {"handlers.changes"},
    }
    assert "handlers.models" in graph["handlers.changes"]
    assert import_cycle(graph) == ["handlers.changes", "handlers.models", "handlers.changes"]
