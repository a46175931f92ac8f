"""The import direction of mobile/ (docs/architecture.md, "Import direction"), read from the source with ast:
every import (top of file, inside functions, under TYPE_CHECKING) points down the layers, only `run` imports
`drivers`, and the top-of-file imports between modules form no cycle."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "mobile"
# the packages of mobile/ from the bottom up: a module imports only packages of a lower rank (or its own)
RANK = {
    "core": 0,  # core/, with errors.py and resources.py
    "output": 1,
    "engine": 2,
    "drivers": 3, "reach": 3,
    "sim": 4,
    "run": 5,
    "cli": 6, "pytest_plugin": 6,
    "__main__": 7,
}
ONLY_FROM = {"drivers": {"run"}}  # only `run` creates drivers
LOWER_CORE = {"errors", "resources"}  # top-level modules that belong to the core layer (so does mobile/__init__)


def module_name(path: Path, root: Path = PACKAGE) -> str:
    parts = ("mobile", *path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> str:
    """The package a dotted module of mobile belongs to."""
    parts = module.split(".")
    if len(parts) == 1:
        return "core"  # mobile/__init__.py holds only the version
    name = parts[1]
    return "core" if name in LOWER_CORE else name


def imports(source: str, modules: set[str], top_only: bool = False) -> list[tuple[str, int]]:
    """(imported module of mobile, line) for every import in `source`; `top_only`: the module-level ones
    outside `if TYPE_CHECKING:` (those that run on import)."""
    tree = _parsed(source)
    nodes = ast.walk(tree) if not top_only else _top_level(tree.body)
    found = []
    for node in nodes:
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names if alias.name.startswith("mobile")]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").startswith("mobile"):
            for alias in node.names:  # `from mobile.engine import abort` imports the module mobile.engine.abort
                sub = f"{node.module}.{alias.name}"
                found.append((sub if sub in modules else str(node.module), node.lineno))
    return found


@functools.lru_cache(maxsize=None)
def _parsed(source: str) -> ast.Module:
    """One parse per source text: both layer tests read every module of mobile/."""
    return ast.parse(source)


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    out: list[ast.stmt] = []
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            out += _top_level(node.orelse)
        elif isinstance(node, (ast.If, ast.Try)):
            out += _top_level(node.body) + _top_level(node.orelse)
            out += [n for handler in getattr(node, "handlers", []) for n in _top_level(handler.body)]
        else:
            out.append(node)
    return out


def sources(root: Path = PACKAGE) -> dict[str, tuple[Path, str]]:
    return {module_name(p, root): (p, p.read_text(encoding="utf-8")) for p in sorted(root.rglob("*.py"))}


def violations(found: dict[str, tuple[Path, str]]) -> list[str]:
    """Every import that points up or sideways between packages, as `file:line: a -> b`."""
    modules = set(found)
    bad = []
    for module, (path, text) in found.items():
        source = layer(module)
        for target, line in imports(text, modules):
            dest = layer(target)
            if dest == source:
                continue
            where = f"{path.relative_to(PACKAGE.parent)}:{line}: {module} -> {target}"
            if RANK[dest] >= RANK[source]:
                bad.append(f"{where} ({source} may not import {dest})")
            elif dest in ONLY_FROM and source not in ONLY_FROM[dest]:
                bad.append(f"{where} (only {', '.join(sorted(ONLY_FROM[dest]))} imports {dest})")
    return sorted(bad)


def cycles(found: dict[str, tuple[Path, str]]) -> list[list[str]]:
    """Cycles among the module-level imports (each found once, from its first module in name order)."""
    modules = set(found)
    graph = {m: sorted({t for t, _ in imports(text, modules, top_only=True) if t in modules and t != m})
             for m, (_, text) in found.items()}
    seen: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        if node in stack:
            out.append(stack[stack.index(node):] + [node])
            return
        if node in seen:
            return
        seen.add(node)
        for nxt in graph[node]:
            visit(nxt, stack + [node])

    for start in sorted(graph):
        visit(start, [])
    return out


def test_every_import_of_mobile_points_down_the_layers() -> None:
    found = sources()
    assert len(found) > 90 and {layer(m) for m in found} == set(RANK), sorted({layer(m) for m in found})
    assert violations(found) == []


def test_no_module_level_import_cycle() -> None:
    assert cycles(sources()) == []


def test_the_layer_check_sees_an_import_inside_a_function_and_under_type_checking(tmp_path: Path) -> None:
    root = tmp_path / "mobile"
    files = {
        "core/terms.py": "from mobile.errors import ConfigError\n",
        "errors.py": "from mobile.core.terms import Status\n",
        "engine/plan.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from mobile.sim.scenario import S\n",
        "reach/adb.py": "def f():\n    from mobile.run import device\n",
        "drivers/appium.py": "from mobile.engine import plan\n",
        "cli/main.py": "from mobile.drivers.appium import AppiumDriver\n",
        "sim/scenario.py": "", "run/device.py": "import mobile.drivers.appium\n",
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    found = {module_name(p, root): (PACKAGE / p.relative_to(root), text) for p, text in
             ((root / name, text) for name, text in files.items())}
    assert [v.split(": ", 1)[1] for v in violations(found)] == [
        "mobile.cli.main -> mobile.drivers.appium (only run imports drivers)",
        "mobile.engine.plan -> mobile.sim.scenario (engine may not import sim)",
        "mobile.reach.adb -> mobile.run.device (reach may not import run)",
    ]
    assert cycles(found) == [["mobile.core.terms", "mobile.errors", "mobile.core.terms"]]
