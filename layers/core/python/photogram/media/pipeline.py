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
from photogram.settings import settings

logger = Logger(child=True)
# The workflow's own limit (ASL TimeoutSeconds); an item PROCESSING past it failed.
WORKFLOW_SECONDS = 120


class StepFailed(Exception):
    """A step cannot continue for a reason that retrying will not fix."""


def _state(event: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {k: event[k] for k in ("media_id", "owner_id", "bucket", "key") if k in event} | extra


def _raw(state: dict[str, Any]) -> bytes:
    return storage.read(state["bucket"], state["key"], settings().media_max_bytes)


def validate(event: dict[str, Any]) -> dict[str, Any]:
    """S3 "Object Created" event → what the workflow does next: process, skip (already
    handled: a re-delivered event) or reject (with a reason code)."""
    detail = event["detail"]
    bucket, key = detail["bucket"]["name"], detail["object"]["key"]
    parsed = keys.parse_raw_object_key(key)
    if parsed is None:
        return {"action": "skip", "bucket": bucket, "key": key}
    owner_id, media_id = parsed
    state = {"media_id": media_id, "owner_id": owner_id, "bucket": bucket, "key": key}
    row = repository.get(media_id)
    if row is None or row.owner_id != owner_id:
        return state | {"action": "reject", "reason": "unknown_upload"}
    # The conditional write is the once-only gate: a second delivery finds PROCESSING.
    claimed = repository.transition(
        media_id,
        allowed_from=("PENDING_UPLOAD",),
        to="PROCESSING",
        processing_deadline=clock.epoch() + WORKFLOW_SECONDS,
        expires_at=None,
        GSI1PK=None,
        GSI1SK=None,
    )
    if not claimed:
        return state | {"action": "skip"}
    try:
        data = _raw(state)
    except storage.ObjectMissing:
        return state | {"action": "reject", "reason": "object_missing"}
    except storage.PhotogramError as error:
        return state | {"action": "reject", "reason": error.code}
    try:
        found = images.validate(data, row.content_type, settings().media_max_pixels)
    except images.Rejected as rejected:
        logger.info("upload rejected", extra={"media_id": media_id, "reason": str(rejected)})
        return state | {"action": "reject", "reason": rejected.code}
    return state | {
        "action": "process",
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
    variants = {}
    for variant in rendered.variants:
        key = keys.variant_key(event["media_id"], variant.name, variant.digest, variant.extension)
        storage.write(media_bucket, key, variant.data, variant.content_type)
        variants[variant.name] = {"key": key, "width": variant.width, "height": variant.height}
    # A sibling branch may have failed the workflow while this one ran, and the fail
    # step may already have cleaned up: whoever comes last removes the variants.
    row = repository.get(event["media_id"])
    if row is None or row.status != "PROCESSING":
        storage.delete_prefix(media_bucket, keys.variant_prefix(event["media_id"]))
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
    return moderator().check(image).as_dict()


def publish(event: dict[str, Any]) -> dict[str, Any]:
    """PROCESSING → READY with the variants; the raw upload is then deleted."""
    results = event["results"]
    rendered = results["variants"]
    published = repository.transition(
        event["media_id"],
        allowed_from=("PROCESSING",),
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
    storage.delete(event["bucket"], event["key"])
    if published:
        metrics.count("MediaReady")
    return _state(event, status="READY" if published else "unchanged")


def _discard(event: dict[str, Any]) -> None:
    storage.delete(event["bucket"], event["key"])
    if "media_id" in event:
        storage.delete_prefix(settings().media_bucket, keys.variant_prefix(event["media_id"]))


def reject(event: dict[str, Any]) -> dict[str, Any]:
    """→ REJECTED with the reason; the raw upload and any partial variants are removed."""
    reason = event.get("reason") or "rejected"
    # Files first: an app that sees REJECTED finds nothing of the upload left.
    _discard(event)
    # Counted once: a re-delivered event finds the item REJECTED already.
    if "media_id" in event and repository.transition(
        event["media_id"],
        allowed_from=("PENDING_UPLOAD", "PROCESSING"),
        to="REJECTED",
        reason=reason,
        processing_deadline=None,
        expires_at=None,
        GSI1PK=None,
        GSI1SK=None,
    ):
        metrics.count("MediaRejected", reason=reason)
    return _state(event, status="REJECTED", reason=reason)


def fail(event: dict[str, Any]) -> dict[str, Any]:
    """→ FAILED after an unexpected error (the workflow's Catch); files are removed."""
    error = event.get("error") or {}
    logger.error("media pipeline failed", extra={"media_id": event.get("media_id"), "error": error})
    reason = "processing_error"
    if error.get("Error") == "StepFailed" and error.get("Cause"):
        reason = "undecodable"
    # Files before the status, so an app that sees FAILED finds nothing left; and again
    # after it, for a resize branch still writing: it checks the status after writing
    # and cleans up after itself only once it can see FAILED.
    _discard(event)
    if "media_id" in event and repository.transition(
        event["media_id"],
        allowed_from=("PENDING_UPLOAD", "PROCESSING"),
        to="FAILED",
        reason=reason,
        processing_deadline=None,
    ):
        metrics.count("MediaFailed", reason=reason)
    _discard(event)
    return _state(event, status="FAILED", reason=reason)
