"""Time-ordered ids (ULIDs): 26 Crockford base32 characters that sort by creation time."""

from __future__ import annotations

import secrets

from photogram import clock

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_id() -> str:
    millis = int(clock.now().timestamp() * 1000)
    value = (millis << 80) | secrets.randbits(80)
    chars = []
    for _ in range(26):
        value, digit = divmod(value, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))
