"""The media pipeline's steps (state_machines/media_pipeline.asl.json), as use cases.

Each takes and returns plain JSON-able dicts (the workflow state) and is idempotent:
Express workflows run at least once, and an S3 event may be delivered twice.
"""

from __future__ import annotations

import io
from typing import Any

from aws_lambda_powertools import Logger
from PIL import Image

from photogram import clock, metrics
from photogram.adapters import storage
from photogram.adapters.moderation import moderator
from photogram.media import images, keys, repository
from photogram.media.models import PRIVATE_PURPOSES
from photogram.settings import settings

logger = Logger(child=True)
# The workflow's own limit (ASL TimeoutSeconds); an item PROCESSING past it failed.
WORKFLOW_SECONDS = 120


class StepFailed(Exception):
    """A step cannot continue for a reason that retrying will not fix."""


class NotPinnable(Exception):
    """The raw bucket is not versioned (a deployment error): nothing can be published."""


def _state(event: dict[str, Any], **extra: Any) -> dict[str, Any]:
    kept = ("media_id", "owner_id", "bucket", "key", "version_id")
    return {k: event[k] for k in kept if k in event} | extra


def _raw(state: dict[str, Any]) -> bytes:
    """The upload's bytes: the version Validate checked, never the key's latest."""
    return storage.read(
        state["bucket"], state["key"], settings().media_max_bytes, state["version_id"]
    )


def _discard_other_version(row: repository.MediaRow, state: dict[str, Any]) -> None:
    """A second upload with the same form, after another one was claimed: its bytes
    are never processed, so they go (a re-delivered event for the claimed version
    leaves that version to its own workflow)."""
    if row.source_version != state["version_id"]:
        storage.delete(state["bucket"], state["key"], state["version_id"])
        metrics.count("MediaUploadDiscarded")


def validate(upload: dict[str, Any]) -> dict[str, Any]:
    """A new object in the raw bucket (`bucket`, `key`, `version_id`: the handler reads
    them from S3's "Object Created" event) → what the workflow does next: process, skip
    (already handled: a re-delivered event, or another upload to a claimed key) or
    reject (with a reason code). The version it claims is the one every later step reads."""
    bucket, key = upload["bucket"], upload["key"]
    parsed = keys.parse_raw_object_key(key)
    if parsed is None:
        return {"action": "skip", "bucket": bucket, "key": key}
    # S3 names the version in the event only on a versioned bucket; without one there
    # is nothing to pin the bytes to, and publishing "whatever is at the key" is the
    # swapped-file attack (decisions §29).
    version_id = upload.get("version_id")
    if not version_id or version_id == "null":
        raise NotPinnable(f"{bucket} is not versioned: cannot pin the upload's bytes")
    owner_id, media_id = parsed
    state = {
        "media_id": media_id,
        "owner_id": owner_id,
        "bucket": bucket,
        "key": key,
        "version_id": version_id,
    }
    row = repository.get(media_id)
    if row is None or row.owner_id != owner_id:
        return state | {"action": "reject", "reason": "unknown_upload"}
    # The conditional write is the once-only gate: a second delivery finds PROCESSING,
    # and so does a second upload posted with the same form.
    claimed = repository.transition(
        media_id,
        allowed_from=("PENDING_UPLOAD",),
        to="PROCESSING",
        processing_deadline=clock.epoch() + WORKFLOW_SECONDS,
        source_version=version_id,
        expires_at=None,
        GSI1PK=None,
        GSI1SK=None,
    )
    if not claimed:
        current = repository.get(media_id)
        if current is not None:
            _discard_other_version(current, state)
        return state | {"action": "skip"}
    try:
        data = _raw(state)
    except storage.ObjectMissing:
        return state | {"action": "reject", "reason": "object_missing"}
    except storage.PhotogramError as error:
        return state | {"action": "reject", "reason": error.code}
    if len(data) != row.declared_size:
        # S3 enforces the size the form pins; this holds an unpinned form to it too.
        return state | {"action": "reject", "reason": "size_mismatch"}
    try:
        found = images.validate(data, row.content_type, settings().media_max_pixels)
    except images.Rejected as rejected:
        logger.info("upload rejected", extra={"media_id": media_id, "reason": str(rejected)})
        return state | {"action": "reject", "reason": rejected.code}
    return state | {
        "action": "process",
        # Decided once, from the item: Resize writes under the private prefix.
        "is_private": row.purpose in PRIVATE_PURPOSES,
        "format": found.format,
        "width": found.width,
        "height": found.height,
    }


def resize(event: dict[str, Any]) -> dict[str, Any]:
    """Render and store every variant under content-addressed keys."""
    try:
        rendered = images.render(_raw(event))
    except images.Rejected as rejected:
        raise StepFailed(rejected.code) from rejected
    media_bucket = settings().media_bucket
    # Absent from a workflow started before private media existed: those were public.
    is_private = bool(event.get("is_private", False))
    cache_control = storage.PRIVATE_IMMUTABLE if is_private else storage.IMMUTABLE
    variants = {}
    for variant in rendered.variants:
        key = keys.variant_key(
            event["media_id"],
            variant.name,
            variant.digest,
            variant.extension,
            is_private=is_private,
        )
        storage.write(
            media_bucket, key, variant.data, variant.content_type, cache_control=cache_control
        )
        variants[variant.name] = {"key": key, "width": variant.width, "height": variant.height}
    # A sibling branch may have failed the workflow while this one ran, and the fail
    # step may already have cleaned up: whoever comes last removes the variants.
    row = repository.get(event["media_id"])
    if row is None or row.status != "PROCESSING":
        storage.delete_prefix(
            media_bucket, keys.variant_prefix(event["media_id"], is_private=is_private)
        )
    return {
        "variants": variants,
        "width": rendered.width,
        "height": rendered.height,
        "blur_placeholder": rendered.blur_placeholder,
        "dominant_color": rendered.dominant_color,
    }


def metadata(event: dict[str, Any]) -> dict[str, Any]:
    """The owner-private metadata (camera, time, GPS); never fails on bad EXIF."""
    return images.metadata(_raw(event))


def moderate(event: dict[str, Any]) -> dict[str, Any]:
    image = Image.open(io.BytesIO(_raw(event)))
    image.draft("RGB", (1080, 1080))
    return moderator(repository.blocklist).check(image).as_dict()


def publish(event: dict[str, Any]) -> dict[str, Any]:
    """PROCESSING → READY with the variants; the raw upload is then deleted."""
    results = event["results"]
    rendered = results["variants"]
    published = repository.transition(
        event["media_id"],
        allowed_from=("PROCESSING",),
        for_version=event["version_id"],
        to="READY",
        processing_deadline=None,
        format=event.get("format"),
        width=rendered["width"],
        height=rendered["height"],
        variants=rendered["variants"],
        blur_placeholder=rendered["blur_placeholder"],
        dominant_color=rendered["dominant_color"],
        private_metadata=results.get("metadata") or {},
    )
    storage.delete(event["bucket"], event["key"], event["version_id"])
    if published:
        metrics.count("MediaReady")
    return _state(event, status="READY" if published else "unchanged")


def _where(state: dict[str, Any]) -> dict[str, Any]:
    """The workflow state; when Validate itself failed, the handler hands on only the
    upload's `bucket`, `key`, `version_id` and `error`: the ids are read from the key."""
    if "media_id" in state:
        return state
    if parsed := keys.parse_raw_object_key(state.get("key", "")):
        return state | dict(zip(("owner_id", "media_id"), parsed, strict=True))
    return state


def _claimed_by_other(event: dict[str, Any]) -> bool:
    """Another upload's bytes were claimed for this media item: this workflow's
    outcome must not touch the item or its variants."""
    row = repository.get(event["media_id"]) if "media_id" in event else None
    return (
        row is not None
        and row.source_version is not None
        and row.source_version != event.get("version_id")
    )


def _discard(event: dict[str, Any]) -> None:
    storage.delete(event["bucket"], event["key"], event.get("version_id"))
    if "media_id" in event:
        # Fail's state may lack is_private (Validate's own failure): try both places.
        for prefix in keys.variant_prefixes(event["media_id"]):
            storage.delete_prefix(settings().media_bucket, prefix)


def _end(event: dict[str, Any], status: str, reason: str, metric: str) -> dict[str, Any]:
    """→ `status` with `reason`, files removed, counted once (a re-delivered event finds
    the item ended already). Files go before the status, so an app that sees it finds
    nothing left, and again after it, for a resize branch still writing: it checks the
    status after writing and cleans up after itself only once it can see the end."""
    if _claimed_by_other(event):
        storage.delete(event["bucket"], event["key"], event.get("version_id"))
        return _state(event, status="unchanged", reason=reason)
    _discard(event)
    if "media_id" in event and repository.transition(
        event["media_id"],
        allowed_from=("PENDING_UPLOAD", "PROCESSING"),
        for_version=event.get("version_id"),
        to=status,
        reason=reason,
        processing_deadline=None,
        expires_at=None,
        GSI1PK=None,
        GSI1SK=None,
    ):
        metrics.count(metric, reason=reason)
    _discard(event)
    return _state(event, status=status, reason=reason)


def reject(event: dict[str, Any]) -> dict[str, Any]:
    """→ REJECTED with the reason; the raw upload and any partial variants are removed."""
    return _end(event, "REJECTED", event.get("reason") or "rejected", "MediaRejected")


def fail(event: dict[str, Any]) -> dict[str, Any]:
    """→ FAILED after an unexpected error (the workflow's Catch, `error` its Error and
    Cause); files are removed."""
    event = _where(event)
    error = event.get("error") or {}
    logger.error("media pipeline failed", extra={"media_id": event.get("media_id"), "error": error})
    reason = "processing_error"
    if error.get("Error") == "StepFailed" and error.get("Cause"):
        reason = "undecodable"
    return _end(event, "FAILED", reason, "MediaFailed")
