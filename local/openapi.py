"""One OpenAPI document for the whole API, merged from each function's resolver.

`python -m local.openapi` prints it (`make openapi` writes docs/openapi.json);
the local runtime serves it at /openapi.json with Swagger UI at /docs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from aws_lambda_powertools.event_handler.openapi import swagger_ui
from aws_lambda_powertools.event_handler.openapi.merge import OpenAPIMerge
from aws_lambda_powertools.event_handler.openapi.models import HTTPBearer
from aws_lambda_powertools.event_handler.openapi.swagger_ui.html import generate_swagger_html

from infra.routes import FUNCTIONS, ROUTES
from local.lambdas import ROOT

TITLE = "Photogram API"
VERSION = "0.1.0"
DESCRIPTION = (
    "Photo sharing for mobile apps. Sign in with Cognito (USER_PASSWORD_AUTH or SRP) and send "
    "the id token as `Authorization: Bearer <token>`. Errors always look like "
    '`{"error": {"code": "...", "message": "...", "details": ...}}`; branch on `code`.'
)


def build() -> dict[str, Any]:
    merge = OpenAPIMerge(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        security_schemes={
            "cognito": HTTPBearer(bearerFormat="JWT", description="Cognito id token")
        },
        security=[{"cognito": []}],
        on_conflict="error",
    )
    for spec in FUNCTIONS:
        if any(route.function == spec.name for route in ROUTES):
            merge.add_file(
                ROOT / "functions" / spec.folder_name / "handler.py", resolver_name="app"
            )
    schema: dict[str, Any] = json.loads(merge.get_openapi_json_schema())
    # Routes the API Gateway leaves open (health) need no token.
    for route in ROUTES:
        if not route.authorized:
            schema["paths"][route.path][route.method.lower()]["security"] = []
    _document_errors(schema)
    return schema


ERROR_SCHEMA = {
    "type": "object",
    "title": "Error",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {
                "code": {"type": "string", "description": "Stable snake_case code: branch on it."},
                "message": {"type": "string", "description": "For people; may change."},
                "details": {"description": "Per-field problems for invalid_request."},
            },
        }
    },
}


def _document_errors(schema: dict[str, Any]) -> None:
    """Every operation answers errors in Photogram's envelope, not Powertools' default."""
    schema["components"]["schemas"]["Error"] = ERROR_SCHEMA
    schema["components"]["schemas"].pop("HTTPValidationError", None)
    schema["components"]["schemas"].pop("ValidationError", None)
    envelope = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    for operations in schema["paths"].values():
        for operation in operations.values():
            responses = operation["responses"]
            # 204 No Content has no body (Powertools documents a JSON null).
            responses.get("204", {}).pop("content", None)
            responses["422"] = {"description": "Invalid request (invalid_request)", **envelope}
            responses["default"] = {"description": "Error (see error.code)", **envelope}


def as_json(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def swagger_page(spec_json: str) -> str:
    """Swagger UI with its assets inlined (Powertools ships them), so /docs works offline."""
    assets = Path(swagger_ui.__file__).parent
    return generate_swagger_html(
        spec=spec_json.replace("</", "<\\/"),
        swagger_js=(assets / "swagger-ui-bundle.min.js").read_text(encoding="utf-8"),
        swagger_css=(assets / "swagger-ui.min.css").read_text(encoding="utf-8"),
        swagger_base_url="",
        oauth2_config=None,
        persist_authorization=True,
    )


if __name__ == "__main__":
    print(as_json(build()), end="")
