"""The route table: every HTTP route, the Lambda function serving it, and
whether it needs a signed-in caller.

Read by the CDK API construct (one API Gateway method per row) and by the local
HTTP adapter (`local/http.py`). `tests/unit/test_routes.py` holds each
function's Powertools resolver to the rows naming it, and `tests/infra` holds
the synthesized template to the whole table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from infra.resources import CURSOR_KEY, TABLE


@dataclass(frozen=True)
class FunctionSpec:
    """One Lambda function: a folder `functions/<name>/handler.py`."""

    name: str
    description: str
    memory_mb: int = 1024
    timeout_seconds: int = 10
    # Environment variables the function reads (values come from the resources).
    uses_table: bool = True
    uses_secrets: tuple[str, ...] = (CURSOR_KEY.env_var,)

    @property
    def handler(self) -> str:
        return "handler.lambda_handler"


@dataclass(frozen=True)
class Route:
    method: str
    # API Gateway's form: /users/{handle}
    path: str
    function: str
    authorized: bool = True

    @property
    def resolver_path(self) -> str:
        """The same path in Powertools' form: /users/<handle>."""
        return re.sub(r"\{(\w+)\}", r"<\1>", self.path)


FUNCTIONS: tuple[FunctionSpec, ...] = (
    FunctionSpec("users", "Profiles: /me and /users/{handle}"),
    FunctionSpec("social", "The follow graph: follows, requests, blocks, mutes"),
)

ROUTES: tuple[Route, ...] = (
    Route("GET", "/health", "users", authorized=False),
    Route("GET", "/me", "users"),
    Route("PUT", "/me", "users"),
    Route("GET", "/users/{handle}", "users"),
    Route("POST", "/users/{handle}/follow", "social"),
    Route("DELETE", "/users/{handle}/follow", "social"),
    Route("GET", "/users/{handle}/followers", "social"),
    Route("GET", "/users/{handle}/following", "social"),
    Route("GET", "/me/follow-requests", "social"),
    Route("POST", "/me/follow-requests/{handle}/approve", "social"),
    Route("POST", "/me/follow-requests/{handle}/deny", "social"),
    Route("POST", "/users/{handle}/block", "social"),
    Route("DELETE", "/users/{handle}/block", "social"),
    Route("GET", "/me/blocks", "social"),
    Route("POST", "/users/{handle}/mute", "social"),
    Route("DELETE", "/users/{handle}/mute", "social"),
    Route("GET", "/me/mutes", "social"),
)

TABLE_ENV_VAR = TABLE.env_var


def function(name: str) -> FunctionSpec:
    for spec in FUNCTIONS:
        if spec.name == name:
            return spec
    raise KeyError(name)


def routes_of(function_name: str) -> tuple[Route, ...]:
    return tuple(r for r in ROUTES if r.function == function_name)
