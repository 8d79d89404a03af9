"""Uploads: POST /media (a presigned POST for the file), GET /media/{media_id}."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import api, tracing
from photogram.media import service
from photogram.media.models import CreateMediaIn, CreateMediaOut, MediaOut

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
app = api.resolver(logger)


@app.post("/media", status_code=201)
def create_media(request: CreateMediaIn) -> Response[CreateMediaOut]:
    created = service.create_upload(api.caller_id(app), request)
    return api.created(created)


@app.get("/media/<media_id>")
def get_media(media_id: str) -> MediaOut:
    return service.get_media(api.caller_id(app), media_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context)
