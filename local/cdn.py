"""The local CDN: `/cdn/<key>` serves the media bucket with the paths, content types
and cache headers CloudFront serves on AWS (the distribution's response headers
policy adds the same security headers)."""

from __future__ import annotations

import base64
import json
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from werkzeug.wrappers import Request, Response

from infra.cors import CorsPolicy
from photogram import clock
from photogram.media.keys import is_private_key

PREFIX = "/cdn/"
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


# The query parameters of a canned-policy signed URL (CloudFront's names).
SIGNED_PARAMETERS = ("Expires", "Signature", "Key-Pair-Id")
# CloudFront's URL-safe base64: '+' '=' '/' are sent as '-' '_' '~'.
_FROM_URL_SAFE = str.maketrans("-_~", "+=/")


@dataclass(frozen=True)
class LocalSigningKey:
    """A key pair as a deployer makes one (docs/deploy.md), made fresh at startup."""

    key_pair_id: str
    private_key: str  # PEM, stored in the signing secret
    public_key: str  # PEM, what the local CDN trusts (CloudFront's key group on AWS)

    def secret_value(self) -> str:
        """The signing secret's value, as photogram.adapters.cdn_signing reads it."""
        return json.dumps({"key_pair_id": self.key_pair_id, "private_key": self.private_key})


def new_signing_key() -> LocalSigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    alphabet = string.ascii_uppercase + string.digits
    return LocalSigningKey(
        # Shaped like CloudFront's public key ids (K + 13 upper-case letters and digits).
        key_pair_id="K" + "".join(secrets.choice(alphabet) for _ in range(13)),
        private_key=private.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        public_key=private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode(),
    )


def _error(code: str, message: str) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
    )
    return Response(body, status=403, content_type="application/xml", headers=SECURITY_HEADERS)


def _denied() -> Response:
    # CloudFront with origin access control gets S3's 403 for a missing key.
    return _error("AccessDenied", "Access Denied")


def signature_refusal(
    base_url: str, query_string: str, now: int, public_keys: Mapping[str, Any]
) -> Response | None:
    """CloudFront's 403 for a request to a private path whose canned-policy signature
    is missing, from an unknown key, expired or not for this URL; None if it is good.
    `base_url` is the URL without its query; `public_keys` maps key ids to keys."""
    kept, signed = [], {}
    for part in query_string.split("&") if query_string else []:
        name, _, value = part.partition("=")
        if name in SIGNED_PARAMETERS:
            signed[name] = value
        else:
            kept.append(part)
    if set(signed) != set(SIGNED_PARAMETERS):
        return _error("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
    public_key = public_keys.get(signed["Key-Pair-Id"])
    if public_key is None:
        return _error("InvalidKey", "Unknown Key")
    try:
        expires = int(signed["Expires"])
        signature = base64.b64decode(signed["Signature"].translate(_FROM_URL_SAFE), validate=True)
    except ValueError:
        return _error("AccessDenied", "Access denied")
    if expires <= now:
        return _error("AccessDenied", "Access denied")
    # The canned policy CloudFront rebuilds from the URL (byte for byte as botocore's
    # CloudFrontSigner writes it): the resource is the URL without the signing params.
    resource = base_url + ("?" + "&".join(kept) if kept else "")
    policy = json.dumps(
        {
            "Statement": [
                {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
            ]
        },
        separators=(",", ":"),
    )
    try:
        public_key.verify(signature, policy.encode(), padding.PKCS1v15(), hashes.SHA1())  # noqa: S303
    except InvalidSignature:
        return _error("AccessDenied", "Access denied")
    return None


def handler(
    s3: Any, bucket: str, cors: CorsPolicy, public_keys: Mapping[str, str] | None = None
) -> Any:
    """`public_keys`: key pair id -> PEM, the keys whose signatures private paths take
    (none: private media is refused to everyone, as on AWS without a deployer's key)."""
    trusted = {
        key_id: serialization.load_pem_public_key(pem.encode())
        for key_id, pem in (public_keys or {}).items()
    }

    def serve(request: Request) -> Response:
        response = _serve(request)
        # What the distribution's response headers policy adds (infra/cdn.py).
        response.headers.update(cors.response_headers(request.headers.get("Origin")))
        return response

    def _serve(request: Request) -> Response:
        key = request.path[len(PREFIX) :]
        if not key or ".." in key.split("/"):
            return _denied()
        # CloudFront checks the signature before it looks for the object.
        if is_private_key(key) and (
            refusal := signature_refusal(
                request.base_url,
                request.query_string.decode("latin-1"),
                clock.epoch(),
                trusted,
            )
        ):
            return refusal
        try:
            obj = s3.get_object(Bucket=bucket, Key=key)
        except ClientError:
            return _denied()
        etag = obj.get("ETag", "")
        headers = dict(SECURITY_HEADERS)
        headers.update(
            {
                "Cache-Control": obj.get("CacheControl") or "public, max-age=86400",
                "ETag": etag,
                "Last-Modified": obj["LastModified"].strftime("%a, %d %b %Y %H:%M:%S GMT"),
            }
        )
        if etag and request.headers.get("If-None-Match") == etag:
            return Response(status=304, headers=headers)
        body = obj["Body"].read()
        if request.method == "HEAD":
            body = b""
        response = Response(body, status=200, content_type=obj.get("ContentType"), headers=headers)
        response.content_length = obj["ContentLength"]
        return response

    return serve
