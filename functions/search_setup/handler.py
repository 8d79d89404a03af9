"""The search indexes on a deployed stack: the onEvent handler of the CloudFormation
custom resource infra/search.py declares. Create and Update make the indexes that are
missing (`SearchIndex.prepare`, with the analyzers AWS::OpenSearchServerless::Index
cannot express); Delete does nothing, since deleting the collection drops them.

Invoked directly with `{"reindex": {"reset": true, "segment": 0, "total_segments": 1}}`
(every field optional; docs/deploy.md, "Rebuilding the indexes") it rebuilds the
indexes from the table (`photogram.search.reindex`) and returns what it wrote."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram.adapters.search import SearchIndex, search_index
from photogram.search import reindex

logger = Logger()

# OpenSearch Serverless applies a new data access policy after a short delay: until
# then the collection answers 403 although the policy exists (CloudFormation reports it
# created at once). So a 403 is retried for about a minute before the deploy fails.
FORBIDDEN_RETRY_SECONDS = 60.0
RETRY_PAUSE_SECONDS = 5.0


def is_forbidden(error: Exception) -> bool:
    """opensearch-py's AuthorizationException (and any TransportError) carries the status."""
    return getattr(error, "status_code", None) == 403


def prepare_when_allowed(
    index: SearchIndex,
    *,
    within: float = FORBIDDEN_RETRY_SECONDS,
    pause: float = RETRY_PAUSE_SECONDS,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    """`index.prepare()`, retried on 403 until `within` seconds have passed; the number
    of attempts made. Any other error, or a 403 after the deadline, is raised."""
    deadline = clock() + within
    attempts = 0
    while True:
        attempts += 1
        try:
            index.prepare()
            return attempts
        except Exception as error:
            if not is_forbidden(error) or clock() + pause > deadline:
                raise
            logger.info("access refused; waiting for the data access policy", attempt=attempts)
            sleep(pause)


def rebuild_options(options: Any) -> dict[str, Any]:
    """The reindex request's options, checked: a clear error rather than a half rebuild."""
    if not isinstance(options, dict) or set(options) - {"reset", "segment", "total_segments"}:
        raise ValueError('reindex takes {"reset": bool, "segment": int, "total_segments": int}')
    reset = options.get("reset", True)
    segment, total = options.get("segment", 0), options.get("total_segments", 1)
    if not isinstance(reset, bool) or not all(
        isinstance(n, int) and not isinstance(n, bool) for n in (segment, total)
    ):
        raise ValueError("reset is a boolean; segment and total_segments are integers")
    if not 1 <= total <= 1000 or not 0 <= segment < total:
        raise ValueError("0 <= segment < total_segments <= 1000")
    return {"reset": reset, "segment": segment, "total_segments": total}


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    if "reindex" in event:
        written = reindex.rebuild(**rebuild_options(event["reindex"]))
        logger.info("search indexes rebuilt", written=written)
        return {"written": written}
    request = event["RequestType"]
    physical_id = event.get("PhysicalResourceId") or "photogram-search-indexes"
    if request in ("Create", "Update"):
        attempts = prepare_when_allowed(search_index())
        logger.info("search indexes ready", request=request, attempts=attempts)
    return {"PhysicalResourceId": physical_id}
