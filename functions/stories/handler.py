"""Stories: 24-hour stories, the tray, views and viewers, highlights."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import api, tracing
from photogram.stories import highlights as highlight_service
from photogram.stories import service
from photogram.stories import tray as tray_service
from photogram.stories.models import (
    CreateHighlightIn,
    CreateStoryIn,
    HighlightOut,
    HighlightPage,
    StoryList,
    StoryOut,
    TrayOut,
    UpdateHighlightIn,
    ViewerPage,
    ViewOut,
)

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
app = api.resolver(logger)


@app.post("/stories", status_code=201)
def create_story(request: CreateStoryIn) -> Response[StoryOut]:
    return api.created(service.create_story(api.caller_id(app), request))


@app.delete("/stories/<story_id>", status_code=204)
def delete_story(story_id: str) -> Response[None]:
    service.delete_story(api.caller_id(app), story_id)
    return Response(status_code=204)


@app.get("/stories/tray")
def tray(limit: api.Limit = None, cursor: api.Cursor = None) -> TrayOut:
    return tray_service.get_tray(api.caller_id(app), api.page(limit, cursor))


@app.get("/users/<handle>/stories")
def user_stories(handle: str) -> StoryList:
    return service.list_user_stories(api.caller_id(app), handle)


@app.post("/stories/<story_id>/view")
def view_story(story_id: str) -> ViewOut:
    return service.view_story(api.caller_id(app), story_id)


@app.get("/stories/<story_id>/viewers")
def viewers(story_id: str, limit: api.Limit = None, cursor: api.Cursor = None) -> ViewerPage:
    return service.list_viewers(api.caller_id(app), story_id, api.page(limit, cursor))


@app.post("/highlights", status_code=201)
def create_highlight(request: CreateHighlightIn) -> Response[HighlightOut]:
    return api.created(highlight_service.create_highlight(api.caller_id(app), request))


@app.patch("/highlights/<highlight_id>")
def update_highlight(highlight_id: str, change: UpdateHighlightIn) -> HighlightOut:
    return highlight_service.update_highlight(api.caller_id(app), highlight_id, change)


@app.delete("/highlights/<highlight_id>", status_code=204)
def delete_highlight(highlight_id: str) -> Response[None]:
    highlight_service.delete_highlight(api.caller_id(app), highlight_id)
    return Response(status_code=204)


@app.get("/users/<handle>/highlights")
def highlights(handle: str, limit: api.Limit = None, cursor: api.Cursor = None) -> HighlightPage:
    return highlight_service.list_highlights(api.caller_id(app), handle, api.page(limit, cursor))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context)
