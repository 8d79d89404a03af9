"""CORS: which browser origins may call the API, upload to the raw bucket and read
media, declared once.

Read by the CDK constructs (API Gateway's preflight methods and gateway responses,
the raw bucket's CORS rule, the CDN's response headers policy) and by the local
runtime (its API Gateway stand-in, the moto bucket, the local CDN). The functions
get the origin rule as one regular expression (PHOTOGRAM_CORS_ORIGIN_PATTERN,
`CorsPolicy.function_env`) and answer with it (`photogram.api.cors_headers`), so a
response a browser may read on a laptop is one it may read on AWS.

An origin is `scheme://host` or `scheme://host:port`, exactly as a browser sends it
in the Origin header; `scheme://host:*` (any port) is allowed locally only, for
development servers on whatever port they picked. CloudFront's CORS policy takes
exact origins alone, so a deployed stage lists its origins in full.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# What a browser client sends besides the CORS-safelisted headers.
ALLOW_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key")
# Response headers a script may read besides the safelisted ones.
EXPOSE_HEADERS = ("Retry-After", "x-amzn-RequestId")
# How long a browser may cache a preflight answer (Chromium caps it at 2 hours).
MAX_AGE_SECONDS = 600
# The raw bucket: the presigned POST, and the ETag a client may read back.
UPLOAD_METHODS = ("POST",)
UPLOAD_EXPOSE_HEADERS = ("ETag",)
# The CDN: images read with `crossorigin` (canvas, WebGL).
MEDIA_METHODS = ("GET", "HEAD")

# `make dev`: pages served by any local development server.
LOCAL_ORIGINS = ("http://localhost:*", "http://127.0.0.1:*")

_ORIGIN = re.compile(r"(https?)://([a-z0-9]([a-z0-9.-]*[a-z0-9])?|\[[0-9a-f:.]+\])(:(\d{1,5}|\*))?")


@dataclass(frozen=True)
class CorsPolicy:
    """The allowed origins; empty means no browser origin may read a response."""

    origins: tuple[str, ...] = ()

    @classmethod
    def parse(
        cls, value: str | list[str] | tuple[str, ...] | None, *, any_port: bool
    ) -> CorsPolicy:
        """Origins from a comma-separated string or a list; ValueError names a bad one."""
        if value is None or value == "":
            return cls()
        items = value.split(",") if isinstance(value, str) else list(value)
        origins = tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))
        for origin in origins:
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"cors origin {origin!r}: write it as the browser sends it, "
                    "scheme://host[:port] in lowercase, no path or trailing slash"
                )
            if origin.endswith(":*") and not any_port:
                raise ValueError(
                    f"cors origin {origin!r}: a deployed stage lists exact origins "
                    "(CloudFront's CORS policy takes no patterns)"
                )
        return cls(origins)

    def pattern(self) -> str:
        """One regular expression matching exactly the allowed origins (`:*` is any
        port), in the dialect both Python's `re` and API Gateway's Java-based VTL
        `String.matches` read the same way."""
        parts = []
        for origin in self.origins:
            if origin.endswith(":*"):
                parts.append(re.escape(origin[:-2]) + r":[0-9]{1,5}")
            else:
                parts.append(re.escape(origin))
        return "|".join(parts)

    def allows(self, origin: str | None) -> bool:
        return bool(origin and self.origins and re.fullmatch(self.pattern(), origin))

    def function_env(self) -> dict[str, str]:
        """What every API function is given to answer with the same rule
        (photogram.settings, photogram.api.cors_headers)."""
        return {
            "PHOTOGRAM_CORS_ORIGIN_PATTERN": self.pattern(),
            "PHOTOGRAM_CORS_EXPOSE_HEADERS": ",".join(EXPOSE_HEADERS),
        }

    def response_headers(
        self, origin: str | None, expose_headers: tuple[str, ...] = ()
    ) -> dict[str, str]:
        """The CORS headers of an actual (not preflight) answer to `origin`: `Vary`
        whenever any origin is allowed, the rest only for an allowed one."""
        if not self.origins:
            return {}
        headers = {"Vary": "Origin"}
        if self.allows(origin):
            headers["Access-Control-Allow-Origin"] = str(origin)
            if expose_headers:
                headers["Access-Control-Expose-Headers"] = ",".join(expose_headers)
        return headers

    def s3_origins(self) -> list[str]:
        """S3 CORS rules take one `*` wildcard per origin: `http://localhost:*`."""
        return list(self.origins)

    def preflight_headers(self, origin: str, methods: list[str]) -> dict[str, str]:
        """What API Gateway's OPTIONS method on a resource with `methods` answers an
        allowed origin."""
        return {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": ",".join(sorted({*methods, "OPTIONS"})),
            "Access-Control-Allow-Headers": ",".join(ALLOW_HEADERS),
            "Access-Control-Max-Age": str(MAX_AGE_SECONDS),
            "Vary": "Origin",
        }
