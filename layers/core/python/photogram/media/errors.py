"""The media domain's errors, named once (the codes clients branch on)."""

from __future__ import annotations

from photogram.errors import NotFound


def media_not_found(media_id: str | None = None) -> NotFound:
    """No such media item that is the caller's (named in details when one of several)."""
    if media_id is None:
        return NotFound("media_not_found", "No such media.")
    return NotFound("media_not_found", f"No such media: {media_id}.", {"media_id": media_id})
