"""Live connections: API Gateway's WebSocket routes ($connect, $disconnect, $default
and the client's actions, infra/routes.py SOCKET_ROUTES: ping; typing and read in
a conversation), all on this function. The
caller is the `sub` the $connect authorizer verified (functions/live_authorizer)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import tracing
from photogram.errors import PhotogramError
from photogram.live import service
from photogram.messages import socket

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
OK = {"statusCode": 200}


def _connect(event: dict[str, Any]) -> dict[str, Any]:
    context = event["requestContext"]
    try:
        service.connect(str(context["authorizer"]["principalId"]), context["connectionId"])
    except PhotogramError as error:
        # A non-2xx answer to $connect refuses the handshake with that status.
        body = {"error": {"code": error.code, "message": error.message}}
        return {"statusCode": error.status, "body": json.dumps(body)}
    return OK


def _disconnect(event: dict[str, Any]) -> dict[str, Any]:
    service.disconnect(event["requestContext"]["connectionId"])
    return OK


def _message(event: dict[str, Any]) -> dict[str, Any]:
    context = event["requestContext"]
    action = None if context["routeKey"] == "$default" else context["routeKey"]
    service.on_message(context["connectionId"], action, event.get("body"))
    return OK


def _conversation(event: dict[str, Any]) -> dict[str, Any]:
    context = event["requestContext"]
    user_id = str(context["authorizer"]["principalId"])
    socket.on_action(user_id, context["connectionId"], context["routeKey"], event.get("body"))
    return OK


ROUTES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "$connect": _connect,
    "$disconnect": _disconnect,
    "$default": _message,
    "ping": _message,
    "typing": _conversation,
    "read": _conversation,
}


@logger.inject_lambda_context(correlation_id_path="requestContext.connectionId")
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    return ROUTES[event["requestContext"]["routeKey"]](event)
