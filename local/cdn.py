"""The local CDN: `/cdn/<key>` serves the media bucket with the paths, content types
and cache headers CloudFront serves on AWS (the distribution's response headers
policy adds the same security headers)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError
from werkzeug.wrappers import Request, Response

from infra.cors import CorsPolicy

PREFIX = "/cdn/"
SECURITY_HEADERS = {
    "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}


def _denied() -> Response:
    # CloudFront with origin access control gets S3's 403 for a missing key.
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    )
    return Response(body, status=403, content_type="application/xml", headers=SECURITY_HEADERS)


def handler(s3: Any, bucket: str, cors: CorsPolicy) -> Any:
    def serve(request: Request) -> Response:
        response = _serve(request)
        # What the distribution's response headers policy adds (infra/cdn.py).
        response.headers.update(cors.response_headers(request.headers.get("Origin")))
        return response

    def _serve(request: Request) -> Response:
        key = request.path[len(PREFIX) :]
        if not key or ".." in key.split("/"):
            return _denied()
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
