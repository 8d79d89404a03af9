"""Posts: create (idempotently), read, change, delete; profile grids and hashtags."""

from __future__ import annotations

from typing import Annotated

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import api, tracing
from photogram.posts import engagement, service
from photogram.posts.models import (
    CommentOut,
    CommentPage,
    CreateCommentIn,
    CreatePostIn,
    HashtagOut,
    LikeOut,
    PlaceDetailOut,
    PostOut,
    PostPage,
    SaveOut,
    UpdatePostIn,
)
from photogram.social.models import UserPage

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
app = api.resolver(logger)

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        description="Any unique string; a retry with the same key returns the same post.",
    ),
]


@app.post("/posts", status_code=201)
def create_post(request: CreatePostIn, idempotency_key: IdempotencyKey = None) -> Response[PostOut]:
    return api.created(service.create_post(api.caller_id(app), request, idempotency_key))


@app.get("/posts/<post_id>")
def get_post(post_id: str) -> PostOut:
    return service.get_post(api.caller_id(app), post_id)


@app.patch("/posts/<post_id>")
def update_post(post_id: str, change: UpdatePostIn) -> PostOut:
    return service.update_post(api.caller_id(app), post_id, change)


@app.delete("/posts/<post_id>", status_code=204)
def delete_post(post_id: str) -> Response[None]:
    service.delete_post(api.caller_id(app), post_id)
    return Response(status_code=204)


@app.get("/users/<handle>/posts")
def author_posts(handle: str, limit: api.Limit = None, cursor: api.Cursor = None) -> PostPage:
    return service.list_author_posts(api.caller_id(app), handle, api.page(limit, cursor))


@app.get("/hashtags/<tag>")
def hashtag(tag: str) -> HashtagOut:
    return service.hashtag(api.caller_id(app), tag)


@app.get("/hashtags/<tag>/posts")
def hashtag_posts(tag: str, limit: api.Limit = None, cursor: api.Cursor = None) -> PostPage:
    return service.list_hashtag_posts(api.caller_id(app), tag, api.page(limit, cursor))


@app.get("/places/<place_id>")
def place(place_id: str) -> PlaceDetailOut:
    return service.place(api.caller_id(app), place_id)


@app.get("/places/<place_id>/posts")
def place_posts(place_id: str, limit: api.Limit = None, cursor: api.Cursor = None) -> PostPage:
    return service.list_place_posts(api.caller_id(app), place_id, api.page(limit, cursor))


@app.put("/posts/<post_id>/like")
def like(post_id: str) -> LikeOut:
    return engagement.like(api.caller_id(app), post_id)


@app.delete("/posts/<post_id>/like")
def unlike(post_id: str) -> LikeOut:
    return engagement.unlike(api.caller_id(app), post_id)


@app.get("/posts/<post_id>/likes")
def likers(post_id: str, limit: api.Limit = None, cursor: api.Cursor = None) -> UserPage:
    return engagement.list_likers(api.caller_id(app), post_id, api.page(limit, cursor))


@app.put("/posts/<post_id>/save")
def save(post_id: str) -> SaveOut:
    return engagement.save(api.caller_id(app), post_id)


@app.delete("/posts/<post_id>/save")
def unsave(post_id: str) -> SaveOut:
    return engagement.unsave(api.caller_id(app), post_id)


@app.get("/me/saved")
def saved(limit: api.Limit = None, cursor: api.Cursor = None) -> PostPage:
    return engagement.list_saved(api.caller_id(app), api.page(limit, cursor))


@app.post("/posts/<post_id>/comments", status_code=201)
def add_comment(post_id: str, request: CreateCommentIn) -> Response[CommentOut]:
    return api.created(engagement.add_comment(api.caller_id(app), post_id, request))


@app.get("/posts/<post_id>/comments")
def comments(post_id: str, limit: api.Limit = None, cursor: api.Cursor = None) -> CommentPage:
    return engagement.list_comments(api.caller_id(app), post_id, api.page(limit, cursor))


@app.delete("/posts/<post_id>/comments/<comment_id>", status_code=204)
def delete_comment(post_id: str, comment_id: str) -> Response[None]:
    engagement.delete_comment(api.caller_id(app), post_id, comment_id)
    return Response(status_code=204)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context)
