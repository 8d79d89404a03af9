"""What the media domain speaks."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

# TIFF is refused: phones do not upload it, and its decoders are a large attack surface.
CONTENT_TYPES: dict[str, str] = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WEBP",
    "image/heic": "HEIF",
    "image/heif": "HEIF",
}
ContentType = Literal["image/jpeg", "image/png", "image/webp", "image/heic", "image/heif"]
Purpose = Literal["post", "story", "avatar", "message"]
# Uploaded for these, an item's variants are private: written under
# keys.PRIVATE_VARIANTS and served only through signed, short-lived URLs (§43).
PRIVATE_PURPOSES: frozenset[str] = frozenset({"message"})
Status = Literal["PENDING_UPLOAD", "PROCESSING", "READY", "REJECTED", "FAILED"]
VARIANTS: dict[str, int | None] = {
    "thumbnail": 150,
    "small": 320,
    "medium": 640,
    "large": 1080,
    # The original, re-encoded without metadata, its longest side capped.
    "original": 2048,
}


class CreateMediaIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    content_type: ContentType
    size_bytes: Annotated[int, Field(ge=1)]
    purpose: Purpose


class UploadForm(BaseModel):
    """POST these fields and then the file (as the last field, named `file`) to `url`."""

    url: str
    fields: dict[str, str]


class CreateMediaOut(BaseModel):
    media_id: str
    upload: UploadForm
    expires_at: str


class VariantOut(BaseModel):
    url: str
    width: int
    height: int


class MediaOut(BaseModel):
    media_id: str
    status: Status
    purpose: Purpose
    created_at: str
    width: int | None = None
    height: int | None = None
    variants: dict[str, VariantOut] | None = None
    blur_placeholder: str | None = None
    dominant_color: str | None = None
    reason: str | None = None
