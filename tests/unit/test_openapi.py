import json
from pathlib import Path

from infra.routes import ROUTES
from local.openapi import as_json, build

COMMITTED = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_the_committed_openapi_document_is_current():
    assert COMMITTED.read_text() == as_json(build()), (
        "docs/openapi.json is stale: run `make openapi`"
    )


def test_the_document_has_every_route_and_only_health_is_open():
    spec = json.loads(COMMITTED.read_text())

    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    assert operations == {(r.method, r.path) for r in ROUTES}
    assert spec["paths"]["/health"]["get"]["security"] == []
    assert spec["security"] == [{"cognito": []}]
