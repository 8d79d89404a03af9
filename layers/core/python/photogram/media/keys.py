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


# Variants anyone may load, and variants only signed URLs reach (the CDN's private
# behavior, decisions §43). The private root sits under the public one so the media
# bucket's grants (infra/storage.py KEY_PREFIXES) cover both; media ids are upper-case
# ULIDs, so no public media id is "private".
PUBLIC_VARIANTS = "media/"
PRIVATE_VARIANTS = "media/private/"


def variant_prefix(media_id: str, *, is_private: bool = False) -> str:
    return f"{PRIVATE_VARIANTS if is_private else PUBLIC_VARIANTS}{media_id}/"


def variant_prefixes(media_id: str) -> tuple[str, str]:
    """Both places a media item's variants may be: for deleting them without asking
    whether the item was private (a caller that guessed wrong would leave files)."""
    return variant_prefix(media_id), variant_prefix(media_id, is_private=True)


def variant_key(
    media_id: str, name: str, digest: str, extension: str, *, is_private: bool = False
) -> str:
    # Content-addressed: a key never changes meaning, so the CDN may cache it forever.
    return f"{variant_prefix(media_id, is_private=is_private)}{name}-{digest}.{extension}"


def is_private_key(key: str) -> bool:
    """Whether the CDN serves this variant key only with a signed URL."""
    return key.startswith(PRIVATE_VARIANTS)
