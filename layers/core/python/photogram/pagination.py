"""Opaque, tamper-evident cursors and the page shapes every list shares.

A cursor is `base64url(json).base64url(mac)`, where the MAC is HMAC-SHA256 over
the body and a *scope* naming the list and the viewer. Clients cannot edit the
DynamoDB key inside to read another partition, and a cursor handed out for one
list (or to one user) is refused on any other.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any, Generic, TypeVar

from photogram.errors import BadRequest
from photogram.settings import required, settings

T = TypeVar("T")
_VERSION = 1


@dataclass(frozen=True)
class PageRequest:
    limit: int
    cursor: str | None = None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def invalid_cursor() -> BadRequest:
    return BadRequest("invalid_cursor", "The cursor is not valid for this list; start again.")


def page_request(limit: int | None, cursor: str | None) -> PageRequest:
    """A page of `limit` items (default and cap from settings) after `cursor`."""
    config = settings()
    size = config.page_size_default if limit is None else limit
    if not 1 <= size <= config.page_size_max:
        raise BadRequest("invalid_limit", f"limit must be 1 to {config.page_size_max}.")
    return PageRequest(limit=size, cursor=cursor or None)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class CursorCodec:
    def __init__(self, key_source: Callable[[], bytes]) -> None:
        self._key_source = key_source

    def _mac(self, scope: str, body: str) -> str:
        digest = hmac.new(self._key_source(), f"{scope}\n{body}".encode(), hashlib.sha256)
        return _b64(digest.digest())

    def seal(self, position: dict[str, Any] | None, scope: str) -> str | None:
        """The cursor for `position` (None at the end of the list)."""
        if position is None:
            return None
        body = _b64(json.dumps({"v": _VERSION, "p": position}, separators=(",", ":")).encode())
        return f"{body}.{self._mac(scope, body)}"

    def open(self, cursor: str | None, scope: str) -> dict[str, Any] | None:
        """The position inside `cursor`; raises BadRequest(invalid_cursor) if it was not
        sealed by us for this scope."""
        if cursor is None:
            return None
        # Cursors we seal are ASCII; compare_digest raises TypeError on anything else.
        if not cursor.isascii():
            raise invalid_cursor()
        body, _, mac = cursor.partition(".")
        if not body or not mac or not hmac.compare_digest(mac, self._mac(scope, body)):
            raise invalid_cursor()
        try:
            data = json.loads(_unb64(body))
        except (binascii.Error, ValueError) as exc:
            raise invalid_cursor() from exc
        if not isinstance(data, dict) or data.get("v") != _VERSION:
            raise invalid_cursor()
        position = data.get("p")
        if not isinstance(position, dict):
            raise invalid_cursor()
        return position


def _secret_key() -> bytes:
    # Imported here so pure-logic users of this module need no AWS client.
    from aws_lambda_powertools.utilities.parameters import get_secret

    config = settings()
    value = get_secret(required("cursor_secret_id"), max_age=config.secret_max_age_seconds)
    return value.encode() if isinstance(value, str) else bytes(value)


@cache
def cursors() -> CursorCodec:
    """The codec keyed by the cursor secret (Secrets Manager in both runtimes)."""
    return CursorCodec(_secret_key)
