"""What a request must be before any model reads it: the checks no pydantic model can
make, so that bad input is a 4xx and never a 500 (docs/decisions.md §30).

- Path parameters: an id, handle or hashtag is never longer than 128 characters
  (ULIDs are 26, handle lookups at most 64, hashtags at most 100) nor holds a
  character that cannot be printed. Anything else names nothing: 404 `not_found`,
  before it becomes part of a key. 128 characters are at most 512 UTF-8 bytes, so
  with any key's prefix they stay inside DynamoDB's 1,024-byte sort key limit.
- Bodies (of routes that take one): JSON only, else 415 `unsupported_media_type`;
  UTF-8, parseable, and not nested deeper than Python's parser can go, else 400
  `invalid_json`; no number longer than 100 characters (Python refuses to read an
  int of over 4,300 digits, with a ValueError), else 422 `invalid_request`.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from aws_lambda_powertools.event_handler.middlewares.openapi_validation import (
    OpenAPIRequestValidationMiddleware,
)
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from photogram.errors import BadRequest, NotFound, UnsupportedMediaType

MAX_PATH_PARAMETER = 128
MAX_NUMBER_CHARS = 100
JSON_MEDIA_TYPE = "application/json"


def could_name_something(value: str) -> bool:
    """Whether a path parameter could be an id, a handle or a hashtag of ours."""
    return 0 < len(value) <= MAX_PATH_PARAMETER and value.isprintable()


class _NumberTooLong(ValueError):
    pass


def _number(parse: Any) -> Any:
    def checked(text: str) -> Any:
        if len(text) > MAX_NUMBER_CHARS:
            raise _NumberTooLong(text)
        return parse(text)

    return checked


def _constant(name: str) -> Any:
    # NaN and Infinity are Python's extension, not JSON.
    raise ValueError(f"{name} is not JSON")


def _invalid_json(message: str) -> BadRequest:
    return BadRequest("invalid_json", message)


def read_json(body: str | None, *, is_base64: bool = False, content_type: str = "") -> Any:
    """The JSON value of a request body (None when there is none). Raises
    UnsupportedMediaType, BadRequest(invalid_json) or RequestValidationError."""
    if not body:
        return None
    media_type = content_type.split(";", 1)[0].strip().lower()
    # No Content-Type at all is read as JSON, as Powertools does.
    if media_type not in ("", JSON_MEDIA_TYPE):
        raise UnsupportedMediaType("unsupported_media_type", "Send the body as application/json.")
    try:
        text = base64.b64decode(body, validate=True).decode("utf-8") if is_base64 else body
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise _invalid_json("The request body is not UTF-8 text.") from exc
    try:
        return json.loads(
            text,
            parse_int=_number(int),
            parse_float=_number(float),
            parse_constant=_constant,
        )
    except _NumberTooLong as exc:
        raise RequestValidationError(
            [
                {
                    "type": "number_too_long",
                    "loc": ("body",),
                    "msg": f"Numbers are at most {MAX_NUMBER_CHARS} characters long.",
                }
            ]
        ) from exc
    except RecursionError as exc:
        raise _invalid_json("The request body is nested too deeply.") from exc
    except ValueError as exc:  # json.JSONDecodeError, NaN and Infinity
        raise _invalid_json("The request body is not valid JSON.") from exc


class RequestValidation(OpenAPIRequestValidationMiddleware):
    """Powertools' request validation (aws-lambda-powertools 3.37,
    middlewares/openapi_validation.py), with path parameters checked first and the body
    read by `read_json` instead of Powertools' reader, which also takes forms and
    multipart, and lets UnicodeDecodeError, RecursionError and the int digit limit's
    ValueError through as 500s."""

    def handler(self, app: Any, next_middleware: Any) -> Any:
        for name, value in (app.context.get("_route_args") or {}).items():
            if not could_name_something(str(value)):
                raise NotFound("not_found", f"No such {name}.")
        return super().handler(app, next_middleware)

    def _get_body(self, app: Any) -> Any:
        event = app.current_event
        return read_json(
            event.body,
            is_base64=bool(event.is_base64_encoded),
            content_type=event.headers.get("content-type") or "",
        )
