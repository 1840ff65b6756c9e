"""The tracker package's shape: its modules import one another one way only."""

import ast
from pathlib import Path

import tracker

PACKAGE = Path(tracker.__file__).parent


def _module_name(path: Path, root: Path) -> str:
    parts = path.relative_to(root.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def import_graph(root: Path = PACKAGE) -> dict[str, set[str]]:
    """Module → the tracker modules it imports, anywhere in its body (lazy imports count)."""
    files = {
        _module_name(path, root): path
        for path in root.rglob("*.py")
        if "migrations" not in path.relative_to(root).parts
    }
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*anchor, *([base] if base else [])])
                # ``from package import module`` imports the module; a name, the package.
                targets = [
                    f"{base}.{alias.name}" if f"{base}.{alias.name}" in files else base
                    for alias in node.names
                ]
            else:
                continue
            graph[name].update(t for t in targets if t in files and t != name)
    return graph


def import_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every strongly connected group of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
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

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(cycles)


def test_the_cycle_finder_finds_a_cycle(tmp_path):
    pkg = tmp_path / "pkg"
    (pkg / "sub").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from .sub import b\n")
    (pkg / "sub" / "__init__.py").write_text("")
    (pkg / "sub" / "b.py").write_text("def f():\n    from pkg import a\n")
    (pkg / "c.py").write_text("from pkg.sub import b\n")
    assert import_cycles(import_graph(pkg)) == [["pkg.a", "pkg.sub.b"]]


def test_the_tracker_package_has_no_import_cycle():
    assert import_cycles(import_graph()) == []


def test_the_api_reads_through_selectors_never_through_the_views():
    graph = import_graph()
    api = set().union(
        *(targets for name, targets in graph.items() if name.startswith("tracker.api"))
    )
    assert "tracker.selectors" in api
    assert "tracker.views" not in api


if __name__ == "__main__":  # python tests/test_layout.py: the graph's cycles, if any
    found = import_cycles(import_graph())
    print(f"{len(import_graph())} modules, {len(found)} import cycles")
    for group in found:
        print("  " + " ↔ ".join(group))
