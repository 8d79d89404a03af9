"""The layers hold (ARCHITECTURE.md §3, docs/decisions.md §34): the domain package
imports nothing outside itself, infra/ never imports the domain, and the domain's
own parts import each other without cycles. Read from the source with `ast`, every
import counted (inside functions too), so a lazy import cannot hide an arrow."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOMAIN = ROOT / "layers" / "core" / "python" / "photogram"
# The repository's other top-level packages: the runtimes, the deployment, the model.
OUTSIDE = {"functions", "infra", "local", "bench", "models", "tests", "app"}

# Edges of a cycle that issue 13 item 1 removes (social rules asked of social). Each
# is allowed by name until then; delete it here when its import goes. None is left.
ALLOWED_EDGES: set[tuple[str, str]] = set()


def imports(path: Path, package: list[str] | None = None) -> Iterator[tuple[int, str]]:
    """(line, dotted module) of every import in `path`; `from a import b` yields `a.b`
    (b may be a module), relative imports resolved against the file's package."""
    if package is None:
        root = DOMAIN.parent if path.is_relative_to(DOMAIN.parent) else ROOT
        package = [*path.relative_to(root).parent.parts]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package[: len(package) - node.level + 1]
                base = ".".join([*parent, *([node.module] if node.module else [])])
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def part_of(dotted: list[str]) -> str:
    """The part of the domain a module belongs to: its subpackage (`feed`, `adapters`,
    ...) or, for a root module (`db`, `clock`, `keys`, ...), the module itself."""
    if dotted and ((DOMAIN / dotted[0]).is_dir() or (DOMAIN / f"{dotted[0]}.py").exists()):
        return dotted[0]
    return "__init__"


def domain_files() -> list[Path]:
    return sorted(DOMAIN.rglob("*.py"))


@cache
def graph() -> dict[tuple[str, str], list[str]]:
    """(importer part, imported part) → where ("media/pipeline.py:17")."""
    edges: dict[tuple[str, str], list[str]] = {}
    for path in domain_files():
        source = part_of([*path.relative_to(DOMAIN).with_suffix("").parts])
        for line, module in imports(path):
            top, *rest = module.split(".")
            if top != "photogram":
                continue
            target = part_of(rest)
            if target != source:
                where = f"{path.relative_to(DOMAIN)}:{line}"
                found = edges.setdefault((source, target), [])
                if where not in found:  # `from a import b, c` is one line
                    found.append(where)
    return edges


def cycles(edges: set[tuple[str, str]]) -> list[list[str]]:
    """Each strongly connected group of more than one part (Tarjan), sorted."""
    successors: dict[str, set[str]] = {}
    for a, b in edges:
        successors.setdefault(a, set()).add(b)
        successors.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    groups: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(successors[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in sorted(successors):
        if node not in index:
            visit(node)
    return sorted(groups)


def test_the_domain_imports_nothing_outside_itself():
    arrows = [
        f"{path.relative_to(DOMAIN)}:{line} imports {module}"
        for path in domain_files()
        for line, module in imports(path)
        if module.split(".")[0] in OUTSIDE
    ]

    assert arrows == []


def test_infra_never_imports_the_domain():
    arrows = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "infra").rglob("*.py"))
        for line, module in imports(path)
        if module.split(".")[0] == "photogram"
    ]

    assert arrows == []


def test_the_domain_has_no_import_cycles():
    found = cycles(set(graph()) - ALLOWED_EDGES)

    assert found == [], {
        f"{a} -> {b}": where
        for group in found
        for (a, b), where in graph().items()
        if a in group and b in group
    }


def test_adapters_and_root_modules_import_no_domain():
    # The clients that differ per runtime and the shared base (db, clock, keys,
    # settings, ...) sit under every domain: a domain hands them what they need.
    domains = {p.name for p in DOMAIN.iterdir() if p.is_dir() and p.name not in ("adapters", "api")}
    domains.discard("__pycache__")
    below = {"adapters", "api", "__init__"} | {p.stem for p in DOMAIN.glob("*.py")}

    upward = {
        edge: where for edge, where in graph().items() if edge[0] in below and edge[1] in domains
    }

    assert upward == {}


def test_imports_inside_functions_and_relative_ones_are_seen(tmp_path):
    module = tmp_path / "example.py"
    module.write_text(
        "import os\n\n\ndef f():\n    from photogram.media import keys\n"
        "    from ..users import repository\n    import local.seed\n"
    )

    found = [name for _, name in imports(module, package=["photogram", "feed"])]

    assert found == ["os", "photogram.media.keys", "photogram.users.repository", "local.seed"]


def test_a_cycle_is_named_with_its_members():
    edges = {("feed", "social"), ("social", "feed"), ("social", "users"), ("users", "db")}

    assert cycles(edges) == [["feed", "social"]]


# Where the table is touched (STYLE.md, docs/decisions.md §38): each domain's
# repository.py, and db.py (the table's base item and its transaction helpers).
TABLE_OWNERS = {"db.py", "repository.py"}


def test_only_repositories_and_db_import_pynamodb():
    offenders = [
        f"{path.relative_to(DOMAIN)}:{line} imports {module}"
        for path in domain_files()
        if path.name not in TABLE_OWNERS
        for line, module in imports(path)
        if module.split(".")[0] == "pynamodb"
    ]

    assert offenders == []
