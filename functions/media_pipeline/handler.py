"""The media pipeline's steps, one Lambda function each (see infra/routes.py), all
invoked by the Step Functions workflow in state_machines/media_pipeline.asl.json."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram.media import pipeline

logger = Logger()
tracer = Tracer()
metrics = Metrics()
Step = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def _step(name: str) -> Step:
    """The Lambda entry point for `pipeline.<name>` (looked up per call)."""

    def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        result: dict[str, Any] = getattr(pipeline, name)(event)
        return result

    handler.__name__ = handler.__qualname__ = name
    # The publish, reject and fail steps count outcomes (photogram.metrics).
    return logger.inject_lambda_context(tracer.capture_lambda_handler(metrics.log_metrics(handler)))


validate = _step("validate")
resize = _step("resize")
metadata = _step("metadata")
moderate = _step("moderate")
publish = _step("publish")
reject = _step("reject")
fail = _step("fail")
