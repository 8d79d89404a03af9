"""S3's CORS evaluation for the buckets browsers upload to, where moto's falls short.

moto 5.2.5 (s3/responses.py) answers a preflight from every rule at once without
checking the requested method or headers, and its answer to the browser's POST
upload carries no `Access-Control-Expose-Headers`, so a page could not read the
`ETag` it is promised on AWS. S3 itself (docs: "How does Amazon S3 evaluate the CORS
configuration on a bucket?") uses the first rule whose AllowedOrigins match the
Origin (one `*` wildcard each), whose AllowedMethods include the method and, on a
preflight, whose AllowedHeaders cover every requested header; with no such rule the
preflight is refused with 403 and an actual request gets no CORS headers.
`PostPolicyGate` (local/s3_post.py) applies this to the gated buckets' preflights and
POST uploads, reading the rules moto stored from PutBucketCors.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from werkzeug.wrappers import Response


def _matches(pattern: str, value: str) -> bool:
    # S3 allows one "*" in an origin or header pattern, matching any characters.
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, value, flags=re.IGNORECASE) is not None


def bucket_rules(bucket: str) -> list[Any]:
    """The CORS rules moto stored for `bucket` (PutBucketCors), in order."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.s3.models import s3_backends

    try:
        return list(s3_backends[DEFAULT_ACCOUNT_ID]["aws"].get_bucket(bucket).cors)
    except Exception:  # moto raises its own MissingBucket; no bucket, no rules
        return []


def matching_rule(
    rules: list[Any], origin: str, method: str, request_headers: list[str] | None = None
) -> Any | None:
    for rule in rules:
        if not any(_matches(o, origin) for o in rule.allowed_origins or []):
            continue
        if method not in (rule.allowed_methods or []):
            continue
        allowed = rule.allowed_headers or []
        if all(any(_matches(a, h) for a in allowed) for h in request_headers or []):
            return rule
    return None


def rule_headers(rule: Any, origin: str) -> dict[str, str]:
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join(rule.allowed_methods),
        "Vary": "Origin, Access-Control-Request-Headers, Access-Control-Request-Method",
    }
    if rule.exposed_headers:
        headers["Access-Control-Expose-Headers"] = ", ".join(rule.exposed_headers)
    if rule.max_age_seconds is not None:
        headers["Access-Control-Max-Age"] = str(rule.max_age_seconds)
    return headers


def preflight(bucket: str, environ: dict[str, Any]) -> Response:
    """S3's answer to `OPTIONS` on the bucket."""
    origin = environ.get("HTTP_ORIGIN", "")
    method = environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")
    requested = [
        h.strip().lower()
        for h in environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "").split(",")
        if h.strip()
    ]
    rules = bucket_rules(bucket)
    rule = matching_rule(rules, origin, method, requested) if origin and method else None
    if rule is None:
        message = (
            "CORSResponse: This CORS request is not allowed. This is usually because the "
            "evalution of Origin, request method / Access-Control-Request-Method or "
            "Access-Control-Request-Headers are not whitelisted by the resource's CORS spec."
            if rules
            else "CORSResponse: CORS is not enabled for this bucket."
        )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>AccessForbidden</Code><Message>{message}</Message>"
            f"<Method>{method}</Method><ResourceType>BUCKET</ResourceType>"
            f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
        )
        return Response(body, status=403, content_type="application/xml")
    headers = rule_headers(rule, origin)
    if requested:
        headers["Access-Control-Allow-Headers"] = ", ".join(requested)
    return Response(status=200, headers=headers)


def actual_headers(bucket: str, environ: dict[str, Any]) -> dict[str, str]:
    """The CORS headers S3 adds to the answer to an actual request (none if no rule)."""
    origin = environ.get("HTTP_ORIGIN", "")
    if not origin:
        return {}
    rule = matching_rule(bucket_rules(bucket), origin, environ.get("REQUEST_METHOD", ""))
    return rule_headers(rule, origin) if rule is not None else {}
