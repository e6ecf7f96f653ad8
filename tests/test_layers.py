"""The layers, as ARCHITECTURE.md's folder table declares them: every import in ``kexpwa/`` and
``sync/`` (inside functions too) is the standard library, its own folder, or a name on its
folder's row; and no module of ``kexpwa/`` or ``sync/`` imports itself back through others."""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCHITECTURE = ROOT / "ARCHITECTURE.md"
CHECKED = ("kexpwa", "sync")


def table() -> dict[str, tuple[str, ...]]:
    """Folder (as a package: ``kexpwa.domain``; ``kexpwa`` for its top-level modules) -> the
    names in backticks in its "may import" cell."""
    section = ARCHITECTURE.read_text().split("## Folders", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([\w/]+)/` \| .* \| (.*) \|$", section, flags=re.M)
    return {
        folder.replace("/", "."): tuple(re.findall(r"`([\w.*]+)`", allowed))
        for folder, allowed in rows
        if folder.split("/")[0] in CHECKED
    }


def modules(root: Path = ROOT) -> dict[str, str]:
    """Every module of the checked packages: dotted name -> source."""
    found: dict[str, str] = {}
    for package in CHECKED:
        for path in sorted((root / package).rglob("*.py")):
            parts = list(path.relative_to(root).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path.read_text()
    return found


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    name: str  # what it imports: a module of ours where one matches, else the dotted name
    line: int


def imports(name: str, source: str, known: Mapping[str, str]) -> Iterator[Import]:
    """Every import in ``source`` (module ``name``), anywhere in it. ``from p import x`` names
    ``p.x`` when that is one of the ``known`` modules, else ``p``."""
    is_package = any(other.startswith(name + ".") for other in known)
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(name, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = name.split(".") if is_package else name.split(".")[:-1]
                package = package[: len(package) - node.level + 1]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                full = f"{base}.{alias.name}"
                yield Import(name, full if full in known else base, node.lineno)


def folder_of(module: str, known: Mapping[str, str]) -> str:
    """``kexpwa.domain.notes`` -> ``kexpwa.domain``; ``kexpwa.app`` -> ``kexpwa``."""
    parts = module.split(".")
    if parts[0] != "kexpwa" or len(parts) == 1:
        return parts[0]
    package = ".".join(parts[:2])
    return package if any(m.startswith(package + ".") for m in known) else "kexpwa"


def _ours(name: str, known: Mapping[str, str]) -> str | None:
    """The module of ours that ``name`` is (or is inside), or None for a third party's."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def crossings(known: Mapping[str, str], rules: Mapping[str, tuple[str, ...]]) -> list[str]:
    """Every import that its folder's row does not allow, as "module:line imports name"."""
    found: list[str] = []
    for module, source in known.items():
        folder = folder_of(module, known)
        allowed = rules.get(folder)
        if allowed is None:
            missing = f"{folder} has no row in ARCHITECTURE.md"
            if missing not in found:
                found.append(missing)
            continue
        if "*" in allowed:
            continue
        for item in imports(module, source, known):
            top = item.name.split(".")[0]
            if top in sys.stdlib_module_names or top == "__future__":
                continue
            ours = _ours(item.name, known)
            if ours is not None and folder_of(ours, known) == folder:
                continue
            target = ours or item.name
            if not any(target == a or target.startswith(a + ".") for a in allowed):
                found.append(f"{module}:{item.line} imports {target}")
    return found


def cycles(known: Mapping[str, str]) -> list[list[str]]:
    """Groups of our modules that import each other, directly or through others."""
    graph: dict[str, set[str]] = {module: set() for module in known}
    for module, source in known.items():
        for item in imports(module, source, known):
            target = _ours(item.name, known)
            if target is not None and target != module:
                graph[module].add(target)
    # Tarjan's strongly connected components, iteratively (no recursion limit to meet).
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in graph:
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, edges = work[-1]
            step = next(edges, None)
            if step is not None:
                if step not in index:
                    index[step] = low[step] = len(index)
                    stack.append(step)
                    on_stack.add(step)
                    work.append((step, iter(sorted(graph[step]))))
                elif step in on_stack:
                    low[node] = min(low[node], index[step])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group: list[str] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    found.append(sorted(group))
    return found


def test_every_import_is_allowed_by_the_architecture_table() -> None:
    rules = table()
    assert {"kexpwa", "kexpwa.domain", "kexpwa.web", "kexpwa.views", "sync"} <= set(rules)
    assert crossings(modules(), rules) == []


def test_no_module_imports_itself_back() -> None:
    assert cycles(modules()) == []


def test_the_checker_reports_a_crossing_and_a_circle() -> None:
    rules = table()
    known = {
        "kexpwa.domain": "",
        "kexpwa.domain.fake": (
            "from kexpwa.models import records\n"
            "def later():\n"
            "    from kexpwa.views import pwa\n"  # inside a function: still an import
            "    import starlette.requests\n"
        ),
        "kexpwa.views": "",
        "kexpwa.views.pwa": "from kexpwa.domain import fake\n",
        "kexpwa.models": "",
        "kexpwa.models.records": "import tortoise\n",
        "sync": "",
        "sync.fake": "import json\nfrom tortoise import fields\nfrom . import other\n",
        "sync.other": "",
        "kexpwa.nowhere": "",
        "kexpwa.nowhere.thing": "import os\n",
    }
    assert sorted(crossings(known, rules)) == [
        "kexpwa.domain.fake:3 imports kexpwa.views.pwa",
        "kexpwa.domain.fake:4 imports starlette.requests",
        "kexpwa.nowhere has no row in ARCHITECTURE.md",
        "sync.fake:2 imports tortoise",
    ]
    assert cycles(known) == [["kexpwa.domain.fake", "kexpwa.views.pwa"]]
