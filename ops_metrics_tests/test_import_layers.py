"""Imports only go down: no circle between ops_metrics modules, and product code never imports the
simulators except where simulated mode is wired. Read from the source with `ast` (every import,
including those inside functions and under TYPE_CHECKING), so a lazy import cannot hide a circle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import ops_metrics

PACKAGE_DIR = Path(ops_metrics.__file__).parent
SIMULATORS = "ops_metrics.simulators"
# Where simulated mode is wired, and why each may import the simulators.
SIMULATOR_WIRING = {
    "ops_metrics.sources": "builds the in-process simulator app and its credentials",
    "ops_metrics.cli": "`ops-metrics simulator` serves the simulators on a port",
    "ops_metrics.reliability.soak": "the soak runs against fault-injected simulators",
}


def module_files() -> dict[str, Path]:
    out = {}
    for path in PACKAGE_DIR.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def import_graph() -> dict[str, set[str]]:
    """Module -> the ops_metrics modules it imports. `from package import submodule` is an
    edge to the submodule (the package's own __init__ is Python's doing, not the importer's)."""
    files = module_files()
    graph: dict[str, set[str]] = {}
    for name, path in files.items():
        edges: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                edges |= {a.name for a in node.names if a.name in files}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in files:
                subs = {f"{node.module}.{a.name}" for a in node.names} & files.keys()
                edges |= subs
                if len(subs) < len(node.names):  # a name defined in the module itself
                    edges.add(node.module)
        edges.discard(name)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_checker_finds_a_circle_and_a_sideways_import() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert cycles(graph) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_circle_between_ops_metrics_modules() -> None:
    graph = import_graph()
    assert len(graph) > 100  # the walk really saw the package
    assert cycles(graph) == []


def test_product_code_imports_the_simulators_only_where_simulated_mode_is_wired() -> None:
    graph = import_graph()
    reaching = {
        name: sorted(e for e in edges if e == SIMULATORS or e.startswith(SIMULATORS + "."))
        for name, edges in graph.items()
        if not (name == SIMULATORS or name.startswith(SIMULATORS + "."))
    }
    offenders = {name: mods for name, mods in reaching.items() if mods}
    assert set(offenders) <= set(SIMULATOR_WIRING), offenders
    # The product modules the issue named by file import no simulator.
    for name in ("ops_metrics.incident_io.assets", "ops_metrics.ai_tools.tools._shared"):
        assert not reaching[name]
