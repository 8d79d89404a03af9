"""Every key string of the media domain: table keys and object keys."""

from __future__ import annotations

from photogram.keys import Key

MEDIA_SK = "MEDIA"


def media_key(media_id: str) -> Key:
    return f"MEDIA#{media_id}", MEDIA_SK


def pending_pk(owner_id: str) -> str:
    """GSI1 partition listing an owner's uploads still waiting for their file."""
    return f"PENDING#{owner_id}"


def raw_object_key(owner_id: str, media_id: str) -> str:
    return f"raw/{owner_id}/{media_id}"


def parse_raw_object_key(key: str) -> tuple[str, str] | None:
    """(owner_id, media_id) of a raw upload key, or None if it is not one."""
    parts = key.split("/")
    if len(parts) != 3 or parts[0] != "raw" or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def variant_prefix(media_id: str) -> str:
    return f"media/{media_id}/"


def variant_key(media_id: str, name: str, digest: str, extension: str) -> str:
    # Content-addressed: a key never changes meaning, so the CDN may cache it forever.
    return f"{variant_prefix(media_id)}{name}-{digest}.{extension}"
