"""Profiles: GET/PUT /me, GET /users/{handle}, GET /health."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import api, tracing
from photogram.social import service as social
from photogram.users import service
from photogram.users.models import ProfileIn, ProfileOut, UserProfileOut

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
app = api.resolver(logger)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/me")
def get_me() -> ProfileOut:
    return service.get_me(api.caller_id(app))


@app.put("/me")
def put_me(change: ProfileIn) -> ProfileOut:
    return service.put_me(api.caller_id(app), change)


@app.get("/users/<handle>")
def get_user(handle: str) -> UserProfileOut:
    return social.view_profile(api.caller_id(app), handle)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context)
