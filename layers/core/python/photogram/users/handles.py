"""Handles: their shape, and the one list of words no account may pass itself off as.

A reserved word is matched after folding what a reader does not tell apart: case,
the separators `.` and `_`, digits that look like letters (`0fficial`, `adm1n`) and
`rn` for `m`. Which words refuse which handles (docs/decisions.md §32):

- BRAND, the service's name: refused inside any part of a handle between
  separators (`photogram_help`, `thephotogram`), but not split by one
  (`photo_grammar`);
- AUTHORITY, words that claim to speak for the service: refused when the whole
  handle, separators dropped, is made of them and brand words alone, in any order,
  with a number at either end or not (`admin_`, `official.help`, `support2`,
  `photogram_official`); a handle that merely contains one passes (`adminton`,
  `administrator_fan`, `helpful_hannah`);
- NAMES, words that name the API's own paths: refused as the whole handle only
  (`me`, `m3`, but `me_and_you`).
"""

from __future__ import annotations

import re

HANDLE_PATTERN = re.compile(r"^[a-z0-9._]{3,30}$")

BRAND = frozenset({"photogram"})
AUTHORITY = frozenset(
    {
        "admin",
        "administrator",
        "help",
        "moderator",
        "official",
        "root",
        "security",
        "staff",
        "support",
        "system",
        "verified",
    }
)
NAMES = frozenset({"api", "me"})
RESERVED = BRAND | AUTHORITY | NAMES

# What each character of a handle may be read as, besides itself.
LOOKALIKES = {
    "0": "o",
    "1": "il",
    "2": "z",
    "3": "e",
    "4": "a",
    "5": "s",
    "6": "b",
    "7": "t",
    "8": "b",
    "9": "g",
    "i": "l",
    "l": "i",
}
# Pairs read as one letter.
DIGRAPHS = {"rn": "m", "vv": "w"}
DIGITS = "0123456789"


def _ends(text: str, start: int, word: str) -> frozenset[int]:
    """Where `word` can end if it is read from `text[start:]` (look-alikes allowed).
    Branches only at digraphs, and words are short: no memo needed."""
    if not word:
        return frozenset({start})
    if start >= len(text):
        return frozenset()
    letter, rest = word[0], word[1:]
    found: set[int] = set()
    char = text[start]
    if char == letter or letter in LOOKALIKES.get(char, ""):
        found |= _ends(text, start + 1, rest)
    if DIGRAPHS.get(text[start : start + 2]) == letter:
        found |= _ends(text, start + 2, rest)
    return frozenset(found)


def _contains(text: str, word: str) -> bool:
    return any(_ends(text, start, word) for start in range(len(text)))


def _made_of(text: str, words: frozenset[str]) -> bool:
    """Whether all of `text` reads as a sequence of `words`."""
    reachable = {0}
    for start in range(len(text)):
        if start in reachable:
            for word in words:
                reachable |= _ends(text, start, word)
    return len(text) in reachable


def reserved_word_in(handle: str) -> bool:
    """Whether a lower-cased handle passes for a reserved word (see the module doc)."""
    parts = [p for p in re.split(r"[._]", handle) if p]
    compact = "".join(parts)
    if any(_contains(part, word) for part in parts for word in BRAND):
        return True
    if any(len(compact) in _ends(compact, 0, word) for word in NAMES):
        return True
    claims = AUTHORITY | BRAND
    number_less = compact.strip(DIGITS)
    return _made_of(compact, claims) or (bool(number_less) and _made_of(number_less, claims))


def normalize_handle(value: str) -> str:
    """Lower-case and check a handle: 3 to 30 of a-z 0-9 . _, no leading, trailing or
    doubled dot, not passing for a reserved word. Raises ValueError (a 422 at the edge)."""
    handle = value.strip().lower()
    if not HANDLE_PATTERN.fullmatch(handle):
        raise ValueError("a handle is 3 to 30 characters of a-z, 0-9, '.' and '_'")
    if handle.startswith(".") or handle.endswith(".") or ".." in handle:
        raise ValueError("a handle cannot start or end with '.' or contain '..'")
    if reserved_word_in(handle):
        raise ValueError("that handle is reserved")
    return handle
