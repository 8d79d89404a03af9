"""The error types every domain raises; the edge maps them to one JSON envelope."""

from __future__ import annotations

from typing import Any


class PhotogramError(Exception):
    """A failure the caller can act on: a stable `code`, a message, a status."""

    status = 400

    def __init__(self, code: str, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.code, self.message, self.details = code, message, details


class BadRequest(PhotogramError):
    status = 400


class Unauthorized(PhotogramError):
    status = 401


class Forbidden(PhotogramError):
    status = 403


class NotFound(PhotogramError):
    status = 404


class Conflict(PhotogramError):
    status = 409


class PayloadTooLarge(PhotogramError):
    status = 413


class UnsupportedMediaType(PhotogramError):
    status = 415


class RateLimited(PhotogramError):
    status = 429
