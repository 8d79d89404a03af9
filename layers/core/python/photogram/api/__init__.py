"""The edge the Lambda handlers share: one resolver setup, one error envelope,
the caller's identity, page parameters. Handlers stay thin; domains never import this."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.params import Query

from photogram.api.inputs import RequestValidation
from photogram.errors import PhotogramError, Unauthorized
from photogram.pagination import page_request
from photogram.settings import settings

JSON = content_types.APPLICATION_JSON


def error_response(
    status: int, code: str, message: str, details: Any = None, headers: dict[str, str] | None = None
) -> Response:
    error: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        error["details"] = details
    return Response(
        status_code=status, content_type=JSON, body=json.dumps({"error": error}), headers=headers
    )


def _field(loc: tuple[Any, ...]) -> str:
    # ("body", "handle") -> "handle"; ("query", "limit") -> "limit"
    parts = (
        [str(p) for p in loc[1:]]
        if loc and loc[0] in ("body", "query", "path", "header")
        else [str(p) for p in loc]
    )
    return ".".join(parts) or "body"


def validation_response(error: RequestValidationError) -> Response:
    errors = list(error.errors())
    types = {e.get("type") for e in errors}
    if "json_invalid" in types:
        return error_response(400, "invalid_json", "The request body is not valid JSON.")
    if "unsupported_content_type" in types:
        return error_response(415, "unsupported_media_type", "Send the body as application/json.")
    details = [
        {"field": _field(tuple(e.get("loc", ()))), "type": e.get("type"), "message": e.get("msg")}
        for e in errors
    ]
    return error_response(422, "invalid_request", "The request is not valid.", details)


def resolver(logger: Logger) -> APIGatewayRestResolver:
    """A REST resolver with pydantic validation and Photogram's one error envelope."""
    app = APIGatewayRestResolver(enable_validation=True)
    # Powertools' own, plus the checks that keep bad input from being a 500 (inputs.py).
    app._request_validation_middleware = RequestValidation()

    @app.exception_handler(PhotogramError)
    def _domain_error(error: PhotogramError) -> Response:
        headers = (
            {"Retry-After": str(error.details["retry_after"])}
            if (
                error.status == 429
                and isinstance(error.details, dict)
                and "retry_after" in error.details
            )
            else None
        )
        return error_response(error.status, error.code, error.message, error.details, headers)

    @app.exception_handler(RequestValidationError)
    def _invalid(error: RequestValidationError) -> Response:
        return validation_response(error)

    @app.not_found
    def _not_found(_: NotFoundError) -> Response:
        return error_response(404, "route_not_found", "No such route.")

    @app.exception_handler(Exception)
    def _unexpected(error: Exception) -> Response:
        logger.exception("unhandled error")
        return error_response(500, "internal", "Something went wrong on our side.")

    return app


def created(model: Any) -> Response:
    """201 Created with `model` as the body."""
    return Response(status_code=201, content_type=JSON, body=model)


def ok(model: Any) -> Response:
    """200 OK with `model` as the body (for a route that may also answer 201)."""
    return Response(status_code=200, content_type=JSON, body=model)


def caller_id(app: APIGatewayRestResolver) -> str:
    """The signed-in user's id: the `sub` claim the Cognito authorizer verified."""
    claims = app.current_event.request_context.authorizer.claims or {}
    sub = claims.get("sub")
    if not sub:
        raise Unauthorized("unauthorized", "Sign in first.")
    return str(sub)


# Query parameters of every list route, declared so OpenAPI documents them.
Limit = Annotated[
    int | None, Query(ge=1, le=100, description="Page size: default 20, at most 100.")
]
Cursor = Annotated[
    str | None,
    Query(max_length=8192, description="`next_cursor` from the previous page, as given."),
]

# Handlers build a page request from those two parameters.
page = page_request


def handle(app: APIGatewayRestResolver, event: dict[str, Any], context: Any) -> dict[str, Any]:
    """Resolve `event`, refusing bodies over the configured cap before anything parses them;
    every answer carries the CORS headers its caller's origin is allowed."""
    body = event.get("body") or ""
    limit = settings().max_body_bytes * (4 / 3 if event.get("isBase64Encoded") else 1)
    if len(body) > limit:
        error = {"code": "payload_too_large", "message": "The request body is too large."}
        result: dict[str, Any] = {
            "statusCode": 413,
            "headers": {"Content-Type": JSON},
            "body": json.dumps({"error": error}),
            "isBase64Encoded": False,
        }
    else:
        result = app.resolve(event, context)
    return with_cors(event, result)


def cors_headers(origin: str | None) -> dict[str, str]:
    """The CORS headers of a response to a request from `origin` (none if not allowed)."""
    pattern = settings().cors_origin_pattern
    if not pattern:
        return {}
    # Vary on every answer, so a cache never serves one origin's headers to another.
    headers = {"Vary": "Origin"}
    if origin and re.fullmatch(pattern, origin):
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Expose-Headers"] = settings().cors_expose_headers
    return headers


def with_cors(event: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
    request_headers = event.get("headers") or {}
    origin = next((v for k, v in request_headers.items() if k.lower() == "origin"), None)
    extra = cors_headers(origin)
    if not extra:
        return result
    # Powertools answers in multiValueHeaders; the 413 above in headers.
    if "multiValueHeaders" in result:
        result["multiValueHeaders"].update({k: [v] for k, v in extra.items()})
    else:
        result["headers"] = {**(result.get("headers") or {}), **extra}
    return result
