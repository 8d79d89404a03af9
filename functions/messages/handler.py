"""Direct messages: conversations (1:1 and groups), their members, messages, read
marks and message requests."""

from __future__ import annotations

from typing import Annotated, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Header, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import api, tracing
from photogram.messages import service
from photogram.messages.models import (
    AddMembersIn,
    ConversationOut,
    ConversationPage,
    CreateConversationIn,
    MessageOut,
    MessagePage,
    ReadIn,
    ReadOut,
    SendMessageIn,
    UpdateConversationIn,
)

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
        description="Any unique string; a retry with the same key sends one message.",
    ),
]
Folder = Annotated[
    Literal["inbox", "requests"],
    Query(description="My inbox, or message requests from people I do not follow."),
]
MessageBound = Annotated[
    str | None, Query(max_length=64, description="A message id (exclusive bound).")
]


@app.post("/conversations")
def start_conversation(request: CreateConversationIn) -> Response[ConversationOut]:
    conversation, is_new = service.start_conversation(api.caller_id(app), request)
    return api.created(conversation) if is_new else api.ok(conversation)


@app.get("/me/conversations")
def list_conversations(
    folder: Folder = "inbox", limit: api.Limit = None, cursor: api.Cursor = None
) -> ConversationPage:
    return service.list_conversations(api.caller_id(app), folder, api.page(limit, cursor))


@app.get("/conversations/<conversation_id>")
def get_conversation(conversation_id: str) -> ConversationOut:
    return service.get_conversation(api.caller_id(app), conversation_id)


@app.patch("/conversations/<conversation_id>")
def rename(conversation_id: str, change: UpdateConversationIn) -> ConversationOut:
    return service.rename(api.caller_id(app), conversation_id, change)


@app.post("/conversations/<conversation_id>/members")
def add_members(conversation_id: str, request: AddMembersIn) -> ConversationOut:
    return service.add_members(api.caller_id(app), conversation_id, request)


@app.delete("/conversations/<conversation_id>/members/<handle>", status_code=204)
def remove_member(conversation_id: str, handle: str) -> Response[None]:
    service.remove_member(api.caller_id(app), conversation_id, handle)
    return Response(status_code=204)


@app.post("/conversations/<conversation_id>/leave", status_code=204)
def leave(conversation_id: str) -> Response[None]:
    service.leave(api.caller_id(app), conversation_id)
    return Response(status_code=204)


@app.post("/conversations/<conversation_id>/accept")
def accept(conversation_id: str) -> ConversationOut:
    return service.accept(api.caller_id(app), conversation_id)


@app.post("/conversations/<conversation_id>/messages", status_code=201)
def send(
    conversation_id: str, request: SendMessageIn, idempotency_key: IdempotencyKey = None
) -> Response[MessageOut]:
    caller = api.caller_id(app)
    return api.created(service.send(caller, conversation_id, request, idempotency_key))


@app.get("/conversations/<conversation_id>/messages")
def history(
    conversation_id: str,
    before: MessageBound = None,
    after: MessageBound = None,
    limit: api.Limit = None,
    cursor: api.Cursor = None,
) -> MessagePage:
    page = api.page(limit, cursor)
    caller = api.caller_id(app)
    return service.history(caller, conversation_id, page, before=before, after=after)


@app.delete("/conversations/<conversation_id>/messages/<message_id>", status_code=204)
def remove_message(conversation_id: str, message_id: str) -> Response[None]:
    service.remove_message(api.caller_id(app), conversation_id, message_id)
    return Response(status_code=204)


@app.post("/conversations/<conversation_id>/read")
def mark_read(conversation_id: str, request: ReadIn) -> ReadOut:
    return service.mark_read(api.caller_id(app), conversation_id, request.up_to_message_id)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return api.handle(app, event, context)
