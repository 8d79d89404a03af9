"""The route table (infra/routes.py) is what both runtimes serve: each function's
resolver must register exactly the rows that name it."""

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from infra.routes import FUNCTIONS, ROUTES, routes_of

ROOT = Path(__file__).resolve().parents[2]


def load(name: str, path: Path) -> ModuleType:
    """A fresh import of the file at `path` under `name`."""
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def resolver_routes(function_name):
    path = ROOT / "functions" / function_name / "handler.py"
    module = load(f"routes_check_{function_name}", path)
    return {
        (route.method.upper(), route.path)
        for route in module.app._static_routes + module.app._dynamic_routes
    }


@pytest.mark.parametrize("function", sorted({r.function for r in ROUTES}))
def test_each_resolver_serves_exactly_its_rows_of_the_route_table(function):
    declared = {(r.method, r.resolver_path) for r in routes_of(function)}

    assert resolver_routes(function) == declared


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_every_function_has_its_entry_point(spec):
    path = ROOT / "functions" / spec.folder_name / "handler.py"
    module = load(f"entry_check_{spec.folder_name}", path)

    assert callable(getattr(module, spec.entry, None))


def test_every_route_names_a_declared_function():
    names = {f.name for f in FUNCTIONS}

    assert {r.function for r in ROUTES} <= names


def test_no_route_is_declared_twice():
    keys = [(r.method, r.path) for r in ROUTES]

    assert len(keys) == len(set(keys))


def test_only_health_is_open_without_a_token():
    assert [r.path for r in ROUTES if not r.authorized] == ["/health"]


def test_the_live_function_serves_exactly_its_socket_routes():
    from infra.routes import SOCKET_ROUTES

    module = load("socket_routes_check", ROOT / "functions" / "live" / "handler.py")

    assert set(module.ROUTES) == {r.key for r in SOCKET_ROUTES if r.function == "live"}


def test_the_authorizer_reads_the_token_from_the_declared_parameter():
    from infra.routes import SOCKET_AUTHORIZER, SOCKET_TOKEN_PARAMETER, function

    folder = function(SOCKET_AUTHORIZER).folder_name
    module = load("authorizer_check", ROOT / "functions" / folder / "handler.py")

    assert module.TOKEN_PARAMETER == SOCKET_TOKEN_PARAMETER
