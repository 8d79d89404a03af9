"""The follow graph: follows, follow requests, blocks, mutes, and their lists."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import api, tracing
from photogram.social import service
from photogram.social.models import BlockOut, CloseFriendOut, FollowOut, MuteOut, UserPage

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
app = api.resolver(logger)


@app.post("/users/<handle>/follow")
def follow(handle: str) -> FollowOut:
    return service.follow(api.caller_id(app), handle)


@app.delete("/users/<handle>/follow")
def unfollow(handle: str) -> FollowOut:
    return service.unfollow(api.caller_id(app), handle)


@app.get("/users/<handle>/followers")
def followers(handle: str, limit: api.Limit = None, cursor: api.Cursor = None) -> UserPage:
    return service.list_followers(api.caller_id(app), handle, api.page(limit, cursor))


@app.get("/users/<handle>/following")
def following(handle: str, limit: api.Limit = None, cursor: api.Cursor = None) -> UserPage:
    return service.list_following(api.caller_id(app), handle, api.page(limit, cursor))


@app.delete("/me/followers/<handle>", status_code=204)
def remove_follower(handle: str) -> Response[None]:
    service.remove_follower(api.caller_id(app), handle)
    return Response(status_code=204)


@app.get("/me/follow-requests")
def follow_requests(limit: api.Limit = None, cursor: api.Cursor = None) -> UserPage:
    return service.list_requests(api.caller_id(app), api.page(limit, cursor))


@app.post("/me/follow-requests/<handle>/approve")
def approve(handle: str) -> FollowOut:
    return service.approve_request(api.caller_id(app), handle)


@app.post("/me/follow-requests/<handle>/deny")
def deny(handle: str) -> FollowOut:
    return service.deny_request(api.caller_id(app), handle)


@app.post("/users/<handle>/block")
def block(handle: str) -> BlockOut:
    return service.block(api.caller_id(app), handle)


@app.delete("/users/<handle>/block")
def unblock(handle: str) -> BlockOut:
    return service.unblock(api.caller_id(app), handle)


@app.get("/me/blocks")
def blocks(limit: api.Limit = None, cursor: api.Cursor = None) -> UserPage:
    return service.list_blocks(api.caller_id(app), api.page(limit, cursor))


@app.post("/users/<handle>/mute")
def mute(handle: str) -> MuteOut:
    return service.mute(api.caller_id(app), handle)


@app.delete("/users/<handle>/mute")
def unmute(handle: str) -> MuteOut:
    return service.unmute(api.caller_id(app), handle)


@app.get("/me/mutes")
def mutes(limit: api.Limit = None, cursor: api.Cursor = None) -> UserPage:
    return service.list_mutes(api.caller_id(app), api.page(limit, cursor))


@app.put("/me/close-friends/<handle>")
def add_close_friend(handle: str) -> CloseFriendOut:
    return service.add_close_friend(api.caller_id(app), handle)


@app.delete("/me/close-friends/<handle>")
def remove_close_friend(handle: str) -> CloseFriendOut:
    return service.remove_close_friend(api.caller_id(app), handle)


@app.get("/me/close-friends")
def close_friends(limit: api.Limit = None, cursor: api.Cursor = None) -> UserPage:
    return service.list_close_friends(api.caller_id(app), api.page(limit, cursor))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context)
