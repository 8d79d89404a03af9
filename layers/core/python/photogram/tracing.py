"""Each function's Powertools Tracer, made in one place.

Only botocore is patched: every AWS call goes through it (pynamodb's too).
Powertools' default, X-Ray's `patch_all`, also imports requests, sqlite3 and the
rest of its list at init, for nothing here, and its pynamodb patch would record each
table call a second time. (In Lambda the X-Ray SDK samples by Lambda's trace header
and builds no sampling client at import: that cost, aws-xray-sdk-python #273, is
paid only outside Lambda.)
"""

from __future__ import annotations

from aws_lambda_powertools import Tracer

PATCHED = ("botocore",)


def tracer() -> Tracer:
    """The function's Tracer (Powertools shares its provider and settings process-wide)."""
    return Tracer(patch_modules=PATCHED)
