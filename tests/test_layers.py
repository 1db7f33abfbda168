"""The import direction is one way (docs/architecture.md): a module imports only from its own layer
or the layers below it, never imports one of our modules inside a function, and there is no cycle.

Read from the source with ``ast`` (nothing is imported), so a violation fails here with the file
and line, whatever the import order at run time.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

from tests.conftest import ROOT

#: Bottom to top. A module is in the layer of the longest prefix that names it.
LAYERS: list[tuple[str, tuple[str, ...]]] = [
    ("normalize", ("normalize",)),
    (
        "crawler base",
        (
            "crawler.items",
            "crawler.scope",
            "crawler.settings",
            "crawler.addons",
            "crawler.middlewares",
            "crawler.distributed",
        ),
    ),
    ("db", ("db",)),
    ("listings", ("listings",)),
    ("analytics", ("analytics",)),
    ("pipelines", ("pipelines",)),
    ("spiders", ("spiders",)),
    ("site builder", ("sitebuilder",)),
    ("commands", ("crawler.cli", "crawler.commands", "crawler")),
]
OWN_PACKAGES = {prefix.split(".")[0] for _, prefixes in LAYERS for prefix in prefixes}


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer index)
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), index)
    return None if best is None else best[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def own_sources() -> list[Path]:
    return sorted(
        path
        for package in OWN_PACKAGES
        if (ROOT / package).is_dir()
        for path in (ROOT / package).rglob("*.py")
        if ".venv" not in path.parts
    )


def imports_of(path: Path) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for each import of one of our packages."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    nested: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            nested.update(id(inner) for inner in ast.walk(node) if inner is not node)
    found = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names = [node.module]
            # "from crawler.cli import analytics" imports the submodule crawler.cli.analytics
            names += [f"{node.module}.{alias.name}" for alias in node.names]
        for name in names:
            if name.split(".")[0] in OWN_PACKAGES:
                found.append((name, node.lineno, id(node) in nested))
    return found


def known_module(name: str) -> bool:
    path = ROOT / Path(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def test_every_module_has_a_layer():
    missing = [module_name(p) for p in own_sources() if layer_of(module_name(p)) is None]
    assert not missing, f"modules outside every layer (add them to LAYERS and docs/architecture.md): {missing}"


def test_imports_point_downward_and_stay_at_module_level():
    problems = []
    for path in own_sources():
        importer = module_name(path)
        importer_layer = layer_of(importer)
        assert importer_layer is not None
        for imported, line, inside_function in imports_of(path):
            if not known_module(imported):
                continue  # a name imported from a module, already checked as that module
            where = f"{path.relative_to(ROOT)}:{line}"
            if inside_function:
                problems.append(f"{where}: imports {imported} inside a function")
            imported_layer = layer_of(imported)
            if imported_layer is not None and imported_layer > importer_layer:
                problems.append(
                    f"{where}: {importer} ({LAYERS[importer_layer][0]}) imports {imported} "
                    f"({LAYERS[imported_layer][0]}), a higher layer"
                )
    assert not problems, "\n".join(problems)


def test_no_import_cycle():
    graph: dict[str, set[str]] = defaultdict(set)
    for path in own_sources():
        importer = module_name(path)
        for imported, _line, _nested in imports_of(path):
            if known_module(imported) and imported != importer and not importer.startswith(imported + "."):
                graph[importer].add(imported)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    WHITE, GREY, BLACK = 0, 1, 2
    colour: dict[str, int] = defaultdict(int)
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = GREY
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if colour[nxt] == GREY:
                return [*stack[stack.index(nxt) :], nxt]
            if colour[nxt] == WHITE and (found := visit(nxt)):
                return found
        stack.pop()
        colour[node] = BLACK
        return None

    for node in sorted(graph):
        if colour[node] == WHITE and (found := visit(node)):
            return found
    return None


@pytest.mark.parametrize(
    ("graph", "has_cycle"),
    [
        pytest.param({"a": {"b"}, "b": {"c"}}, False, id="chain"),
        pytest.param({"a": {"b"}, "b": {"a"}}, True, id="two-module-cycle"),
        pytest.param({"a": {"b", "c"}, "b": {"c"}, "c": {"a"}}, True, id="three-module-cycle"),
    ],
)
def test_cycle_finder(graph, has_cycle):
    assert (find_cycle(graph) is not None) == has_cycle


@pytest.mark.parametrize(
    ("module", "layer"),
    [
        pytest.param("crawler.items", "crawler base", id="items-at-the-bottom"),
        pytest.param("crawler.cli.main", "commands", id="cli-at-the-top"),
        pytest.param("crawler.commands.crawlall", "commands", id="scrapy-commands-at-the-top"),
        pytest.param("listings.lifecycle", "listings", id="lifecycle-in-listings"),
        pytest.param("db.schema", "db", id="schema-in-db"),
    ],
)
def test_layer_of(module, layer):
    index = layer_of(module)
    assert index is not None and LAYERS[index][0] == layer
