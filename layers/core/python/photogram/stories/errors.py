"""The stories domain's errors, named once (the codes clients branch on)."""

from __future__ import annotations

from photogram.errors import NotFound


def story_not_found() -> NotFound:
    return NotFound("story_not_found", "No such story, or it has expired.")


def highlight_not_found() -> NotFound:
    return NotFound("highlight_not_found", "No such highlight.")
