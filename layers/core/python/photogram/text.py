"""Checks on text people write for others to read, so it shows what it says.

- Control characters (Unicode category Cc: C0, DEL, C1) move the cursor, clear
  screens in terminals and hide text; line and paragraph separators break a line.
- Bidirectional controls reorder what is displayed: an override (U+202D/U+202E)
  shows `exe.gpj` as `jpg.exe`, and an embedding or isolate inside a name can
  reorder the sentence a client puts it in ("<name> liked your post"). The marks
  LRM, RLM and ALM (U+200E, U+200F, U+061C) only steer neutral characters next to
  them and are needed in right-to-left text, so they pass.
- Combining marks stacked on one letter ("Zalgo") spill over the lines around
  them. Counted after NFC composition, at most MAX_COMBINING in a row: enough for
  Vietnamese, Thai, Hebrew points and Indic scripts.

Each check raises pydantic's custom error, so a refusal is a 422 `invalid_request`
whose field error `type` says why: `control_character`, `bidi_control`,
`combining_marks` (docs/decisions.md §32).
"""

from __future__ import annotations

import unicodedata

from pydantic_core import PydanticCustomError

BIDI_EMBEDDINGS = frozenset("\u202a\u202b\u202c\u202d\u202e")  # LRE RLE PDF LRO RLO
BIDI_ISOLATES = frozenset("\u2066\u2067\u2068\u2069")  # LRI RLI FSI PDI
LINE_BREAKS = frozenset("\u2028\u2029")  # LINE / PARAGRAPH SEPARATOR
MAX_COMBINING = 3


def _controls(value: str, allowed: str) -> None:
    for char in value:
        if char in allowed:
            continue
        if unicodedata.category(char) == "Cc" or (char in LINE_BREAKS and "\n" not in allowed):
            raise PydanticCustomError(
                "control_character",
                "Control characters are not allowed here (U+{code}).",
                {"code": f"{ord(char):04X}"},
            )


def _bidi(value: str, refused: frozenset[str]) -> None:
    for char in value:
        if char in refused:
            raise PydanticCustomError(
                "bidi_control",
                "Bidirectional override, embedding or isolate characters are not allowed "
                "here (U+{code}).",
                {"code": f"{ord(char):04X}"},
            )


def _combining(value: str) -> None:
    run = 0
    for char in unicodedata.normalize("NFC", value):
        run = run + 1 if unicodedata.category(char) in ("Mn", "Me") else 0
        if run > MAX_COMBINING:
            raise PydanticCustomError(
                "combining_marks",
                "At most {limit} combining marks on one character.",
                {"limit": MAX_COMBINING},
            )


def name_text(value: str) -> str:
    """A display name: one line, no bidirectional controls, no stacked marks."""
    _controls(value, allowed="")
    _bidi(value, BIDI_EMBEDDINGS | BIDI_ISOLATES)
    _combining(value)
    return value


def bio_text(value: str) -> str:
    """A bio: as a name, but line breaks (`\\n`) are kept."""
    _controls(value, allowed="\n")
    _bidi(value, BIDI_EMBEDDINGS | BIDI_ISOLATES)
    _combining(value)
    return value


def free_text(value: str) -> str:
    """A caption or comment: line breaks and tabs kept; overrides and embeddings
    refused, isolates kept (mixed-direction writing uses them, and they cannot
    reach past the text)."""
    _controls(value, allowed="\n\r\t")
    _bidi(value, BIDI_EMBEDDINGS)
    return value
