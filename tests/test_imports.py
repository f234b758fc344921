"""The library's shape: no import cycle, no import of the site build, a light ``nnnotes.train``.

The import graph is read from the source (every ``import``, also those inside functions, as if
hoisted to the top), so a lazy import cannot hide a cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import nnnotes

PACKAGE = Path(nnnotes.__file__).parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports anywhere in its code (relative imports resolved)."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES}
    return found


GRAPH = {name: {m for m in imports(path) if m in MODULES and m != name} for name, path in MODULES.items()}


def test_the_library_has_no_import_cycle():
    done: set[str] = set()

    def visit(name: str, stack: list[str]) -> None:
        if name in stack:
            pytest.fail("import cycle: " + " -> ".join(stack[stack.index(name):] + [name]))
        if name in done:
            return
        for dep in sorted(GRAPH[name]):
            visit(dep, stack + [name])
        done.add(name)

    for name in sorted(GRAPH):
        visit(name, [])


def test_the_cycle_check_finds_a_cycle():
    cyclic = {"a": {"b"}, "b": {"c"}, "c": {"a"}}
    GRAPH.update(cyclic)
    try:
        with pytest.raises(pytest.fail.Exception, match="a -> b -> c -> a"):
            test_the_library_has_no_import_cycle()
    finally:
        for name in cyclic:
            del GRAPH[name]


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_library_module_imports_the_site_build_or_the_tests(name):
    outside = {m for m in imports(MODULES[name]) if m.split(".")[0] in {"sitebuild", "tests", "mkdocs"}}
    assert not outside, f"{name} imports {sorted(outside)}"


def test_importing_the_trainer_loads_neither_matplotlib_nor_the_site_build():
    code = ("import sys, nnnotes.train, nnnotes.evaluate; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in {'matplotlib', 'sitebuild'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("path", sorted(MODULES.values()), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_module_is_longer_than_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400
