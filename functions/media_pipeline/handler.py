"""The media pipeline's steps, one Lambda function each (see infra/routes.py), all
invoked by the Step Functions workflow in state_machines/media_pipeline.asl.json."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram.media import pipeline

logger = Logger()
tracer = Tracer()


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def validate(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline.validate(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def resize(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline.resize(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def metadata(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline.metadata(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def moderate(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline.moderate(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def publish(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline.publish(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def reject(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline.reject(event)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
def fail(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return pipeline.fail(event)
