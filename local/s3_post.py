"""S3's browser-POST policy checks, which moto skips (it stores any POST), and S3's
CORS answers for the same buckets (local/s3_cors.py).

The local runtime puts `PostPolicyGate` in front of moto's WSGI app: a POST upload
to a bucket is let through only if its SigV4-signed policy holds, and otherwise
answered the way S3 answers, with an XML error: 403 SignatureDoesNotMatch or
AccessDenied (expired, a condition failed, a field not covered by the policy),
400 EntityTooLarge / EntityTooSmall / InvalidArgument.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import io
import json
import uuid
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from werkzeug.formparser import parse_form_data
from werkzeug.wrappers import Response

from local import s3_cors

_MULTIPART = "multipart/form-data"
# Form fields S3 never expects a policy condition for.
_EXEMPT = {"policy", "x-amz-signature", "file"}


class PolicyViolation(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    key = _hmac(f"AWS4{secret}".encode(), date)
    return _hmac(_hmac(_hmac(key, region), service), "aws4_request")


def _denied(message: str) -> PolicyViolation:
    return PolicyViolation(403, "AccessDenied", f"Invalid according to Policy: {message}")


def verify(
    fields: dict[str, str],
    bucket: str,
    size: int,
    secrets: dict[str, str],
    now: datetime | None = None,
) -> dict[str, Any]:
    """Check a POST upload's form `fields` (without the file) and file `size` against
    its policy. Returns the policy; raises PolicyViolation as S3 would."""
    form = {k.lower(): v for k, v in fields.items()}
    if form.get("x-amz-algorithm") != "AWS4-HMAC-SHA256" or "policy" not in form:
        raise PolicyViolation(400, "InvalidArgument", "POST requires a SigV4-signed policy.")
    try:
        access_key, date, region, service, terminal = form["x-amz-credential"].split("/")
        signature = form["x-amz-signature"]
    except (KeyError, ValueError) as exc:
        raise PolicyViolation(400, "InvalidArgument", "Malformed credential or signature.") from exc
    secret = secrets.get(access_key)
    if secret is None or terminal != "aws4_request" or service != "s3":
        raise PolicyViolation(
            403, "InvalidAccessKeyId", "The AWS access key Id you provided does not exist."
        )
    expected = hmac.new(
        signing_key(secret, date, region, service), form["policy"].encode(), hashlib.sha256
    ).hexdigest()
    if not hmac.compare_digest(expected, signature.lower()):
        raise PolicyViolation(
            403, "SignatureDoesNotMatch", "The request signature we calculated does not match."
        )
    try:
        policy = json.loads(base64.b64decode(form["policy"], validate=True))
        expiration = datetime.fromisoformat(policy["expiration"].replace("Z", "+00:00"))
        conditions = policy["conditions"]
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise PolicyViolation(400, "InvalidPolicyDocument", "Malformed policy.") from exc
    if (now or datetime.now(UTC)) >= expiration:
        raise _denied("Policy expired.")
    values = form | {"bucket": bucket}
    covered = set(_EXEMPT)
    for condition in conditions:
        if isinstance(condition, dict):
            ((name, wanted),) = condition.items()
            operator = "eq"
        elif (
            isinstance(condition, list)
            and condition
            and str(condition[0]).lower() == "content-length-range"
        ):
            low, high = int(condition[1]), int(condition[2])
            if size > high:
                raise PolicyViolation(
                    400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed size"
                )
            if size < low:
                raise PolicyViolation(
                    400,
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                )
            continue
        else:
            operator, name, wanted = (
                str(condition[0]).lower(),
                str(condition[1]).lstrip("$"),
                condition[2],
            )
        name = name.lower()
        covered.add(name)
        got = values.get(name)
        ok = got is not None and (
            (operator == "eq" and got == wanted)
            or (operator == "starts-with" and got.startswith(wanted))
        )
        if not ok:
            raise _denied(f'Policy Condition failed: ["{operator}", "${name}", "{wanted}"]')
    extra = sorted(k for k in form if k not in covered and not k.startswith("x-ignore-"))
    if extra:
        raise _denied(f"Extra input fields: {', '.join(extra)}")
    return dict(policy)


def error_response(violation: PolicyViolation) -> Response:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f"<Error><Code>{violation.code}</Code><Message>{escape(violation.message)}</Message>"
        f"<RequestId>{uuid.uuid4().hex[:16].upper()}</RequestId></Error>"
    )
    return Response(body, status=violation.status, content_type="application/xml")


class PostPolicyGate:
    """WSGI middleware: POST uploads to `buckets` must satisfy their signed policy."""

    def __init__(
        self, app: Callable[..., Iterable[bytes]], buckets: set[str], secrets: dict[str, str]
    ) -> None:
        self._app, self._buckets, self._secrets = app, buckets, secrets

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        bucket = environ.get("PATH_INFO", "").strip("/")
        content_type = environ.get("CONTENT_TYPE", "")
        if environ.get("REQUEST_METHOD") == "OPTIONS" and bucket in self._buckets:
            return s3_cors.preflight(bucket, environ)(environ, start_response)
        if (
            environ.get("REQUEST_METHOD") == "POST"
            and bucket in self._buckets
            and not _is_delete_objects(environ)
        ):
            # Every other POST to the bucket is a browser upload to S3, whatever the
            # letter case of its type: none reaches moto (which stores any POST) unchecked.
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length)
            probe = dict(environ, **{"wsgi.input": io.BytesIO(raw)})
            cors = s3_cors.actual_headers(bucket, environ)
            form, files = _form(probe, content_type)
            uploads = files.getlist("file") if files is not None else []
            content = uploads[0].read() if len(uploads) == 1 else b""
            size = len(content)
            try:
                if form is None:
                    raise PolicyViolation(
                        412,
                        "PreconditionFailed",
                        "Bucket POST must be of the enclosure-type multipart/form-data",
                    )
                if len(uploads) != 1 or len(files) != 1:
                    raise PolicyViolation(
                        400, "InvalidArgument", "POST requires exactly one file upload per request."
                    )
                verify(dict(form.items()), bucket, size, self._secrets)
            except PolicyViolation as violation:
                response = error_response(violation)
                response.headers.update(cors)
                return response(environ, start_response)
            # moto parses the form case-sensitively: hand it the canonical type.
            environ["CONTENT_TYPE"] = _canonical(content_type)
            environ["wsgi.input"] = io.BytesIO(raw)
            # S3 answers a POST upload with the object's ETag (moto sends none); for a
            # single-part object without SSE-KMS it is the MD5 of the bytes, quoted.
            etag = f'"{hashlib.md5(content, usedforsecurity=False).hexdigest()}"'
            return self._app(environ, _as_s3(start_response, cors, etag))
        return self._app(environ, start_response)


def _is_delete_objects(environ: dict[str, Any]) -> bool:
    """POST /bucket?delete is DeleteObjects (a signed API call), not a browser upload;
    S3 (and moto) tell the two apart by that subresource alone."""
    return "delete" in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)


def _canonical(content_type: str) -> str:
    """A multipart/form-data type with the media type in lower case (its boundary kept
    as sent), as werkzeug and moto expect it."""
    return _MULTIPART + content_type[len(_MULTIPART) :]


def _form(environ: dict[str, Any], content_type: str) -> tuple[Any, Any]:
    """(fields, files) of a multipart/form-data body (the media type in any letter
    case, as S3 reads it), or (None, None) for any other type."""
    if not content_type.lower().startswith(_MULTIPART):
        return None, None
    probe = dict(environ, CONTENT_TYPE=_canonical(content_type))
    _, form, files = parse_form_data(probe)
    return form, files


def _as_s3(
    start_response: Callable[..., Any], cors: dict[str, str], etag: str
) -> Callable[..., Any]:
    """`start_response` with moto's CORS headers replaced by S3's own (`cors`), and the
    object's ETag on a success."""

    def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        # Our Vary replaces moto's only when we send CORS headers of our own.
        dropped = ("vary",) if cors else ()
        kept = [
            (k, v)
            for k, v in headers
            if not k.lower().startswith("access-control-") and k.lower() not in dropped
        ]
        added = {**cors, **({"ETag": etag} if status.startswith("2") else {})}
        return start_response(status, kept + list(added.items()), *args)

    return start
