"""Time-ordered ids (ULIDs): 26 Crockford base32 characters that sort by creation time."""

from __future__ import annotations

import re
import secrets

from photogram import clock

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_ID = re.compile(f"^[{_ALPHABET}]{{26}}$")


def is_id(text: str) -> bool:
    """Whether `text` could be an id we made: checked before it becomes part of a key,
    so a client's 5 KB path segment is a 404, not a DynamoDB key-size error."""
    return bool(_ID.fullmatch(text))


def new_id() -> str:
    millis = int(clock.now().timestamp() * 1000)
    value = (millis << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def after(previous: str) -> str:
    """A new id greater than `previous` (an id, or ""): a fresh one, or, when the clock
    has not moved past `previous` (same millisecond, or a clock behind), its successor."""
    fresh = new_id()
    if fresh > previous:
        return fresh
    digits = [_ALPHABET.index(c) for c in previous]
    for n in range(len(digits) - 1, -1, -1):
        if digits[n] < 31:
            digits[n] += 1
            break
        digits[n] = 0
    return "".join(_ALPHABET[d] for d in digits)
