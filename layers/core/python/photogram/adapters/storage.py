"""Object storage (S3 in both runtimes: AWS, or moto locally) and media URLs."""

from __future__ import annotations

from functools import cache
from typing import Any

from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionError, ReadTimeoutError

from photogram.errors import PhotogramError
from photogram.settings import settings

# Long-lived: variant keys are content-addressed, so a URL never changes content.
IMMUTABLE = "public, max-age=31536000, immutable"
# A private variant's bytes never change either, but no shared cache (a proxy, a CDN
# that is not ours) may keep them: only the browser or app that was given the URL.
PRIVATE_IMMUTABLE = "private, max-age=31536000, immutable"
_TRANSIENT_CODES = {
    "SlowDown",
    "Throttling",
    "ThrottlingException",
    "RequestTimeout",
    "ServiceUnavailable",
    "InternalError",
    "503",
    "500",
}


class TransientError(Exception):
    """Worth retrying: Step Functions retries an error of this name with backoff."""


class ObjectMissing(PhotogramError):
    status = 404

    def __init__(self, key: str) -> None:
        super().__init__("object_missing", f"No object at {key}.")


@cache
def s3() -> Any:
    import boto3  # here: a function that never calls S3 does not import it (cold starts)

    return boto3.client(
        "s3",
        # s3v4: boto3 would sign presigned POSTs with SigV2 by default.
        config=Config(
            signature_version="s3v4",
            s3={"addressing_style": settings().s3_addressing_style},
            retries={"mode": "standard", "max_attempts": 3},
        ),
    )


def _call(operation: str, **kwargs: Any) -> Any:
    """One S3 call; throttling and timeouts become TransientError (retried by the workflow)."""
    try:
        return getattr(s3(), operation)(**kwargs)
    except (ConnectionError, ReadTimeoutError) as exc:
        raise TransientError(f"S3 {operation}: {exc}") from exc
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _TRANSIENT_CODES:
            raise TransientError(f"S3 {operation}: {code}") from exc
        if code in ("NoSuchKey", "404", "NotFound"):
            raise ObjectMissing(kwargs.get("Key", "")) from exc
        raise


def presign_post(
    bucket: str, key: str, content_type: str, size_bytes: int, expires_in: int
) -> dict[str, Any]:
    """A presigned POST that S3 accepts only for exactly this key, this content type
    and a body of exactly `size_bytes` bytes (the size the client declared), until it
    expires."""
    return s3().generate_presigned_post(
        Bucket=bucket,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[
            {"Content-Type": content_type},
            ["content-length-range", size_bytes, size_bytes],
        ],
        ExpiresIn=expires_in,
    )


def read(bucket: str, key: str, max_bytes: int, version_id: str | None = None) -> bytes:
    """The object's bytes (of version `version_id` if given: exactly those, whatever was
    written to the key since); raises ObjectMissing, or PhotogramError over max_bytes."""
    version = {"VersionId": version_id} if version_id else {}
    response = _call("get_object", Bucket=bucket, Key=key, **version)
    if response["ContentLength"] > max_bytes:
        raise PhotogramError("too_large", f"{key} is over {max_bytes} bytes.")
    return bytes(response["Body"].read())


def write(
    bucket: str, key: str, body: bytes, content_type: str, *, cache_control: str = IMMUTABLE
) -> None:
    _call(
        "put_object",
        Bucket=bucket,
        Key=key,
        Body=body,
        ContentType=content_type,
        CacheControl=cache_control,
    )


def delete(bucket: str, key: str, version_id: str | None = None) -> None:
    """Delete the object; with `version_id`, that version for good (on a versioned
    bucket a delete without one only hides the bytes behind a delete marker)."""
    version = {"VersionId": version_id} if version_id else {}
    _call("delete_object", Bucket=bucket, Key=key, **version)


def delete_prefix(bucket: str, prefix: str) -> int:
    """Delete every object under `prefix` (a media item's variants); returns how many."""
    deleted = 0
    token: dict[str, str] = {}
    while True:
        page = _call("list_objects_v2", Bucket=bucket, Prefix=prefix, **token)
        keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
        if keys:
            _call("delete_objects", Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            deleted += len(keys)
        if not page.get("IsTruncated"):
            return deleted
        token = {"ContinuationToken": page["NextContinuationToken"]}


def cdn_url(base_url: str, key: str) -> str:
    return f"{base_url.rstrip('/')}/{key}"
