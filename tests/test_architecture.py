"""The package's shape: no import cycles (Python or Rust), and modules a reader can hold in mind."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "mosaic_exp"
CRATE = REPO / "rust_sa" / "src"
MAX_LINES = 300
# Modules allowed past MAX_LINES, each with the reason.
LONG_MODULES: dict[str, str] = {}


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _python_graph() -> dict[str, set[str]]:
    """Module → the package's modules it imports, anywhere in its body (a lazy import is still a dependency)."""
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        deps = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            deps |= {t for t in targets if t in modules and t != name}
        graph[name] = deps
    return graph


def _rust_graph() -> dict[str, set[str]]:
    """Top-level crate module → the top-level modules it uses (``crate::x``; ``super::x`` from a top-level file).

    A module in a folder (``src/x/...``) counts as part of ``x``.
    """
    graph: dict[str, set[str]] = {}
    for path in CRATE.rglob("*.rs"):
        parts = path.relative_to(CRATE).with_suffix("").parts
        owner = parts[0]
        if owner in ("lib", "main", "bin"):
            continue
        # A module's own unit tests may use anything; they are not part of its dependencies.
        text = re.split(r"#\[cfg\(test\)\]\s*mod tests", path.read_text())[0]
        used = set(re.findall(r"\bcrate::(\w+)", text))
        if len(parts) == 1:
            used |= set(re.findall(r"\bsuper::(\w+)", text))
        graph.setdefault(owner, set()).update(used)
    return {name: {m for m in deps if m in graph and m != name} for name, deps in graph.items()}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return stack[stack.index(dep) :] + [dep]
            if dep not in state and (found := visit(dep)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_in_the_package():
    assert _cycle(_python_graph()) is None


def test_no_module_cycle_in_the_crate():
    assert _cycle(_rust_graph()) is None


def test_modules_stay_short():
    files = [*PACKAGE.rglob("*.py"), *CRATE.rglob("*.rs")]
    long = {str(p.relative_to(REPO)): n for p in files if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert set(long) <= set(LONG_MODULES), f"over {MAX_LINES} lines: {long}"
