"""Imports inside cc_data point one way: down this list, never up, never in a circle, never into pages/.

The list is docs/architecture.md's layer picture. A module may import its own package and any package in a
lower layer; packages sharing a layer stay independent of each other (the sandbox beside the API client, sync
beside donations and analytics).
"""

from __future__ import annotations

import ast
from pathlib import Path

LAYERS: tuple[tuple[str, ...], ...] = (
    ("cc_data.cli",),                                          # commands and terminal output
    ("cc_data.report",),                                       # the board report (PDF, email), on the analytics
    ("cc_data.push",),                                         # segments written back to Constant Contact lists
    ("cc_data.datasource",),                                   # a real account or the demo
    ("cc_data.accounts",),                                     # several accounts: a folder each, who sees which
    ("cc_data.demo",),                                         # the demo database, built from the sandbox
    ("cc_data.sync", "cc_data.donations", "cc_data.analytics", "cc_data.access", "cc_data.audit"),
    ("cc_data.api", "cc_data.sandbox"),
    ("cc_data.store",),
    ("cc_data.config",),
    ("cc_data.errors", "cc_data.clock", "cc_data"),            # `cc_data` itself: only its version
)
OUTSIDE = ("pages", "app")   # the Streamlit app sits above everything; nothing in cc_data reaches it

ROOT = Path(__file__).resolve().parents[2]


def modules(root: Path) -> dict[str, Path]:
    """Every module of the cc_data package under root, by dotted name."""
    found = {}
    for path in sorted((root / "cc_data").rglob("*.py")):
        parts = list(path.relative_to(root).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The project modules (and OUTSIDE names) one module imports anywhere in its body, functions included."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(max(node.level - 1, 0)):
                base = base.rpartition(".")[0]
            module = node.module or ""
            module = f"{base}.{module}".strip(".") if node.level else module
            # `from cc_data import demo` imports the module cc_data.demo, not only the package.
            subs = [f"{module}.{alias.name}" for alias in node.names if f"{module}.{alias.name}" in known]
            candidates = subs if len(subs) == len(node.names) else [module, *subs]
        else:
            continue
        for candidate in candidates:
            head = candidate.split(".")[0]
            if head in OUTSIDE:
                targets.add(head)
            elif head == "cc_data":
                while candidate not in known and "." in candidate:
                    candidate = candidate.rpartition(".")[0]
                if candidate in known and candidate != name:
                    targets.add(candidate)
    return targets


def layer_of(module: str) -> tuple[int, str]:
    """(layer index, package) of the longest LAYERS entry that module belongs to."""
    best = (-1, "")
    for index, packages in enumerate(LAYERS):
        for package in packages:
            if (module == package or module.startswith(package + ".")) and len(package) > len(best[1]):
                best = (index, package)
    assert best[0] >= 0, f"{module} is in no layer: add its package to LAYERS in {__file__}"
    return best


def wrong_way(graph: dict[str, set[str]]) -> list[str]:
    """Imports into pages/ or app.py, upward, or sideways between packages that share a layer."""
    problems = []
    for module, targets in sorted(graph.items()):
        layer, package = layer_of(module)
        for target in sorted(targets):
            if target in OUTSIDE:
                problems.append(f"{module} imports {target} (the app); nothing in cc_data may")
                continue
            target_layer, target_package = layer_of(target)
            if target_package == package or target_layer > layer:
                continue
            how = "up" if target_layer < layer else "sideways, within one layer"
            problems.append(f"{module} imports {target}: {how} ({package} must not depend on {target_package})")
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Each import cycle among modules (a strongly connected group of more than one module), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:   # Tarjan; the graph is a few hundred modules, so recursion is fine
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in graph:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sorted(found)


def import_graph(root: Path) -> dict[str, set[str]]:
    known = modules(root)
    return {name: imports(name, path, known) for name, path in known.items()}


def test_imports_point_down_the_layers() -> None:
    problems = wrong_way(import_graph(ROOT))
    assert not problems, "imports that point the wrong way:\n" + "\n".join(problems)


def test_no_import_cycles() -> None:
    found = cycles(import_graph(ROOT))
    assert not found, "import cycles:\n" + "\n".join(" <-> ".join(group) for group in found)


def test_every_module_has_a_layer() -> None:
    for name in modules(ROOT):
        layer_of(name)


def test_the_checks_catch_an_upward_import_a_cycle_and_pages(tmp_path: Path) -> None:
    files = {
        "cc_data/__init__.py": "",
        "cc_data/errors.py": "",
        "cc_data/store/__init__.py": "",
        "cc_data/store/db.py": "def f():\n    from cc_data.analytics import rates\n",
        "cc_data/analytics/__init__.py": "",
        "cc_data/analytics/rates.py": "from . import trends\nfrom cc_data.store.db import f\n",
        "cc_data/analytics/trends.py": "from .rates import x\nimport pages.data\n",
        "cc_data/sync/__init__.py": "",
        "cc_data/sync/runner.py": "from cc_data.analytics.rates import y\nfrom cc_data import errors\n",
    }
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    graph = import_graph(tmp_path)
    assert graph["cc_data.sync.runner"] == {"cc_data.analytics.rates", "cc_data.errors"}
    problems = wrong_way(graph)
    assert [p.split(":")[0] for p in problems] == [
        "cc_data.analytics.trends imports pages (the app); nothing in cc_data may",
        "cc_data.store.db imports cc_data.analytics.rates",
        "cc_data.sync.runner imports cc_data.analytics.rates",
    ]
    assert "up" in problems[1] and "sideways" in problems[2]
    assert cycles(graph) == [["cc_data.analytics.rates", "cc_data.analytics.trends", "cc_data.store.db"]]


def test_benchmarks_do_not_import_the_tests() -> None:
    """bench/ runs in a clone without running tests: what both need lives in bench/ (or cc_data)."""
    found = []
    for path in sorted((ROOT / "bench").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
            found += [f"{path.relative_to(ROOT)} imports {n}" for n in names if n.split(".")[0] == "tests"]
    assert not found, "\n".join(found)
