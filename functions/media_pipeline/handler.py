"""The media pipeline's steps, one Lambda function each (see infra/routes.py), all
invoked by the Step Functions workflow in state_machines/media_pipeline.asl.json.

The workflow starts on S3's "Object Created" event (through EventBridge); reading
that event is this module's job, so the domain's steps take plain fields only."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import tracing
from photogram.media import pipeline

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
Step = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def upload_of(event: dict[str, Any]) -> dict[str, Any]:
    """The S3 "Object Created" event → the new object's bucket, key and version
    (S3 names the version only on a versioned bucket)."""
    detail = event["detail"]
    return {
        "bucket": detail["bucket"]["name"],
        "key": detail["object"]["key"],
        "version_id": detail["object"].get("version-id"),
    }


def failure_of(event: dict[str, Any]) -> dict[str, Any]:
    """The Catch's input → the workflow state. When Validate itself failed the Catch
    hands on the S3 event (with `error`): its upload's fields stand in for the state."""
    if "bucket" in event or "detail" not in event:
        return event
    return upload_of(event) | {"error": event.get("error")}


def _as_is(event: dict[str, Any]) -> dict[str, Any]:
    return event


def _step(name: str, read: Callable[[dict[str, Any]], dict[str, Any]] = _as_is) -> Step:
    """The Lambda entry point for `pipeline.<name>` (looked up per call), given what
    `read` makes of the event."""

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        result: dict[str, Any] = getattr(pipeline, name)(read(event))
        return result

    handler.__name__ = handler.__qualname__ = name
    # The publish, reject and fail steps count outcomes (photogram.metrics).
    return logger.inject_lambda_context(tracer.capture_lambda_handler(metrics.log_metrics(handler)))


validate = _step("validate", upload_of)
resize = _step("resize")
metadata = _step("metadata")
moderate = _step("moderate")
publish = _step("publish")
reject = _step("reject")
fail = _step("fail", failure_of)
