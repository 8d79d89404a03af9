"""The posts domain's errors, named once (the codes clients branch on)."""

from __future__ import annotations

from photogram.errors import NotFound


def post_not_found() -> NotFound:
    return NotFound("post_not_found", "No such post.")


def comment_not_found() -> NotFound:
    return NotFound("comment_not_found", "No such comment.")


def place_not_found() -> NotFound:
    return NotFound("place_not_found", "No such place.")
