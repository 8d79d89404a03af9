"""The `Moderator` interface and its two implementations, chosen by settings:
Amazon Rekognition on AWS, a perceptual-hash blocklist where Rekognition is absent
(locally: moto does not implement DetectModerationLabels)."""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

import boto3
from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError
from PIL import Image, ImageOps

from photogram.adapters import phash
from photogram.adapters.storage import TransientError
from photogram.settings import settings

BLOCKED = "moderation_blocked"


@dataclass(frozen=True)
class Verdict:
    safe: bool
    reason: str | None = None
    labels: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"safe": self.safe, "reason": self.reason, "labels": self.labels}


class Moderator(Protocol):
    def check(self, image: Image.Image) -> Verdict: ...


def _jpeg_for_rekognition(image: Image.Image) -> bytes:
    # Rekognition takes JPEG or PNG up to 5 MB as bytes: send a 1080 px JPEG, which
    # also covers HEIC uploads it cannot read.
    copy = ImageOps.exif_transpose(image).convert("RGB")
    copy.thumbnail((1080, 1080))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=85)
    return out.getvalue()


class RekognitionModerator:
    def __init__(self, client: Any, min_confidence: float, blocked: set[str]) -> None:
        self._client, self._min_confidence, self._blocked = client, min_confidence, blocked

    def check(self, image: Image.Image) -> Verdict:
        try:
            response = self._client.detect_moderation_labels(
                Image={"Bytes": _jpeg_for_rekognition(image)}, MinConfidence=self._min_confidence
            )
        except (ConnectionError, ReadTimeoutError) as exc:
            raise TransientError(f"Rekognition: {exc}") from exc
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in (
                "ThrottlingException",
                "ProvisionedThroughputExceededException",
                "InternalServerError",
            ):
                raise TransientError(f"Rekognition: {code}") from exc
            raise
        hits = sorted(
            {
                label["Name"]
                for label in response.get("ModerationLabels", [])
                if label.get("Name") in self._blocked or label.get("ParentName") in self._blocked
            }
        )
        return Verdict(safe=not hits, reason=BLOCKED if hits else None, labels=hits)


class BlocklistModerator:
    """Rejects images whose perceptual hash is within `max_distance` bits of a listed one."""

    def __init__(self, hashes: list[int], max_distance: int) -> None:
        self._hashes, self._max_distance = hashes, max_distance

    def check(self, image: Image.Image) -> Verdict:
        value = phash.hash_image(image)
        if any(phash.distance(value, listed) <= self._max_distance for listed in self._hashes):
            return Verdict(safe=False, reason=BLOCKED, labels=["blocklist"])
        return Verdict(safe=True)


@cache
def _rekognition() -> Any:
    return boto3.client("rekognition")


def moderator(blocklist: Callable[[], list[int]]) -> Moderator:
    """The moderator settings choose. `blocklist` gives the listed hashes (the media
    domain keeps them); it is asked only when the blocklist moderator is chosen."""
    config = settings()
    if config.moderator == "rekognition":
        blocked = {c.strip() for c in config.moderation_blocked_categories.split(",") if c.strip()}
        return RekognitionModerator(_rekognition(), config.moderation_min_confidence, blocked)
    return BlocklistModerator(blocklist(), config.blocklist_max_distance)
