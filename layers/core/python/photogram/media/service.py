"""Upload use cases: start an upload, read a media item's state."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from photogram import clock, db, ids, metrics
from photogram.adapters import cdn_signing, storage
from photogram.errors import Conflict, PayloadTooLarge, PhotogramError, RateLimited
from photogram.limits import service as limits
from photogram.media import keys, repository
from photogram.media.errors import media_not_found
from photogram.media.models import (
    CreateMediaIn,
    CreateMediaOut,
    MediaOut,
    UploadForm,
    VariantOut,
)
from photogram.media.repository import MediaRow
from photogram.settings import settings

# A PROCESSING item is reported FAILED this long after the workflow's own deadline.
PROCESSING_GRACE_SECONDS = 30


def create_upload(owner_id: str, request: CreateMediaIn) -> CreateMediaOut:
    """A PENDING_UPLOAD media item and the presigned POST that uploads its file.

    Raises PayloadTooLarge(too_large) over the size limit, RateLimited(rate_limited)
    over the pending cap or the account's upload limits (details carry retry_after
    seconds).
    """
    config = settings()
    if request.size_bytes > config.media_max_bytes:
        raise PayloadTooLarge(
            "too_large",
            f"Uploads are limited to {config.media_max_bytes} bytes.",
            {"max_bytes": config.media_max_bytes},
        )
    now = clock.now()
    epoch_now = clock.epoch(now)
    pending = [
        r
        for r in repository.pending_of(owner_id, config.pending_upload_cap * 2)
        if (r.expires_at or 0) > epoch_now
    ]
    if len(pending) >= config.pending_upload_cap:
        soonest = min(int(r.expires_at or epoch_now) for r in pending)
        metrics.count("RateLimited", action="upload", limit="pending_uploads")
        raise RateLimited(
            "rate_limited",
            "Too many uploads are waiting for their file; finish or let them expire.",
            {"retry_after": max(1, soonest - epoch_now), "limit": "pending_uploads"},
        )

    media_id = ids.new_id()
    upload_expires = now + timedelta(seconds=config.upload_expiry_seconds)
    row = repository.new_upload(
        media_id,
        owner_id,
        purpose=request.purpose,
        content_type=request.content_type,
        size_bytes=request.size_bytes,
        created=now,
        expires_at=clock.epoch(upload_expires) + config.pending_grace_seconds,
    )
    # The item and one use of the account's upload limits (daily: daily_upload_cap).
    limits.transact(owner_id, "upload", lambda tx: repository.put_upload(tx, row))
    form = storage.presign_post(
        config.raw_bucket,
        keys.raw_object_key(owner_id, media_id),
        request.content_type,
        request.size_bytes,
        config.upload_expiry_seconds,
    )
    metrics.count("UploadsStarted")
    return CreateMediaOut(
        media_id=media_id,
        upload=UploadForm(url=form["url"], fields=form["fields"]),
        expires_at=clock.iso(upload_expires),
    )


def _visible_row(viewer_id: str, media_id: str) -> MediaRow:
    row = repository.get(media_id)
    # Only the owner sees a media item until something that uses it is published.
    if row is None or row.owner_id != viewer_id:
        raise media_not_found()
    if row.status == "PENDING_UPLOAD" and (row.expires_at or 0) <= clock.epoch():
        raise media_not_found()  # abandoned; TTL deletes it later
    return row


def _expire_stuck(row: MediaRow) -> None:
    """A PROCESSING item past its workflow's deadline failed without telling us
    (an Express execution that timed out runs no Catch): record that."""
    deadline = row.processing_deadline
    overdue = bool(deadline) and clock.epoch() > int(deadline or 0) + PROCESSING_GRACE_SECONDS
    if (
        row.status == "PROCESSING"
        and overdue
        and repository.transition(
            row.media_id, allowed_from=("PROCESSING",), to="FAILED", reason="processing_timeout"
        )
    ):
        row.status, row.reason = "FAILED", "processing_timeout"


def variants_out(variants: dict[str, Any] | None) -> dict[str, VariantOut]:
    """Stored variants ({name: {key, width, height}}) as CDN URLs with their sizes; a
    private variant's URL is signed and short-lived (decisions §43), so call this for a
    private item only once the caller may see it. Raises SettingMissing for a private
    item in a function whose spec lacks the CDN signing secret."""
    base = settings().cdn_base_url
    out = {}
    for name, v in (variants or {}).items():
        url = storage.cdn_url(base, v["key"])
        # The key decides, not the caller: a private key's unsigned URL would only
        # ever be refused, and a public one needs no signature.
        if keys.is_private_key(v["key"]):
            url = cdn_signing.signed(url)
        out[name] = VariantOut(url=url, width=v["width"], height=v["height"])
    return out


def to_out(row: MediaRow) -> MediaOut:
    out = MediaOut(
        media_id=row.media_id,
        status=row.status,
        purpose=row.purpose,
        created_at=row.created_at,
    )
    if row.status == "READY":
        out.width, out.height = int(row.width or 0), int(row.height or 0)
        out.variants = variants_out(row.variants)
        out.blur_placeholder, out.dominant_color = row.blur_placeholder, row.dominant_color
    elif row.status in ("REJECTED", "FAILED"):
        out.reason = row.reason
    return out


def get_media(viewer_id: str, media_id: str) -> MediaOut:
    """A media item's state, for its owner. Raises NotFound(media_not_found)."""
    row = _visible_row(viewer_id, media_id)
    _expire_stuck(row)
    return to_out(row)


def usable_media(owner_id: str, media_ids: list[str], purpose: str) -> list[MediaRow]:
    """My READY media, uploaded for `purpose` and not yet used, in the order asked.

    Raises NotFound(media_not_found), Conflict(media_not_ready, media_in_use),
    PhotogramError(media_wrong_purpose)."""
    rows = db.batch_get(keys.media_key(m) for m in media_ids)
    by_id = {r.media_id: r for r in rows.values() if isinstance(r, MediaRow)}
    ordered = []
    for media_id in media_ids:
        row = by_id.get(media_id)
        if row is None or row.owner_id != owner_id:
            raise media_not_found(media_id)
        if row.status != "READY":
            raise Conflict(
                "media_not_ready", f"{media_id} is {row.status}.", {"media_id": media_id}
            )
        if row.purpose != purpose:
            raise PhotogramError(
                "media_wrong_purpose",
                f"{media_id} was uploaded for a {row.purpose}.",
                {"media_id": media_id},
            )
        if row.attached_to:
            raise Conflict(
                "media_in_use", f"{media_id} is already published.", {"media_id": media_id}
            )
        ordered.append(row)
    return ordered
