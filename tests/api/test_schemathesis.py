"""Schemathesis over every operation of the OpenAPI document the local runtime serves,
signed in and without a token: no generated request, valid or not, is answered 5xx
(issue 12). Deterministic (a fixed seed) and bounded to about 770 requests, some 15 s
(docs/decisions.md §30), so that it runs in every `make test`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from local.client import id_token
from tests.support import Client, unique_handle

# The document the runtime serves at /openapi.json (tests/unit/test_openapi.py holds
# this copy to the routes). Loaded at collection, so that each operation is a test of
# its own (schemathesis.pytest.from_fixture fails under pytest 9.2: it sets
# Function._nodeid, which pytest 9.2 no longer has); requests name the runtime's URL.
DOCUMENT = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())
# Every answer is one the document names, with the schema it names (the routes that
# answer 201 and 204 declare it: `status_code=` on the route).
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def config(*, coverage: bool) -> schemathesis.Config:
    """Three fuzzed examples per operation (valid and invalid); with `coverage`, also
    schemathesis's deterministic invalid cases (missing, wrong types, out of bounds,
    odd content types)."""
    return schemathesis.Config.from_dict(
        {
            "seed": 12,
            "generation": {
                "max-examples": 3,
                "deterministic": True,
                "with-security-parameters": False,
            },
            "phases": {
                "coverage": {
                    "enabled": coverage,
                    "unexpected-methods": [],
                    "generation": {"mode": "negative"},
                }
            },
        }
    )


# Without a token the gateway answers 401 before any handler: fuzzing alone suffices.
signed_in = schemathesis.openapi.from_dict(DOCUMENT, config=config(coverage=True))
anonymous = schemathesis.openapi.from_dict(DOCUMENT, config=config(coverage=False))


@pytest.fixture(scope="module")
def fuzzer(info: dict[str, Any]) -> dict[str, str]:
    """One user with a profile for the whole run, as a client that keeps trying."""
    client = Client(info["api_url"], token=id_token(info, f"{unique_handle('f')}@photogram.test"))
    assert client.put("/me", json={"handle": unique_handle("fuzz")}).status_code == 200
    return {"Authorization": f"Bearer {client.token}"}


@pytest.mark.e2e
@signed_in.parametrize()
def test_no_request_signed_in_is_answered_5xx(case: Any, info: Any, fuzzer: Any) -> None:
    response = case.call(base_url=info["api_url"], headers=fuzzer)

    case.validate_response(response, checks=CHECKS, headers=fuzzer)


@pytest.mark.e2e
@anonymous.parametrize()
def test_no_request_without_a_token_is_answered_5xx(case: Any, info: Any) -> None:
    response = case.call(base_url=info["api_url"])

    case.validate_response(response, checks=CHECKS)
