"""Live connections: register one when it opens, forget it when it closes or is found
gone, answer the client's messages, and `push` to every device of some users."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from photogram import clock
from photogram import metrics as business
from photogram.adapters import push as sender
from photogram.live import repository
from photogram.settings import settings

logger = logging.getLogger(__name__)
# Devices one account may have connected at once: a push costs one send per device,
# so a script opening thousands of sockets must not multiply every push by thousands.
MAX_CONNECTIONS_PER_USER = 10
# $connect saves the item before the handshake completes, and API Gateway answers 410
# for a connection still connecting: so young a connection is not forgotten on a 410.
HANDSHAKE_GRACE = timedelta(seconds=10)


def connect(user_id: str, connection_id: str) -> None:
    """Register a new connection of `user_id` (the authorizer's verified `sub`).
    Raises RateLimited(too_many_connections) past MAX_CONNECTIONS_PER_USER (a condition
    of the write, so concurrent connects cannot pass it together)."""
    expires_at = clock.epoch() + settings().live_connection_seconds
    repository.save(connection_id, user_id, expires_at, most=MAX_CONNECTIONS_PER_USER)
    business.count("LiveConnections")


def disconnect(connection_id: str) -> None:
    """Forget a closed connection (idempotent: $disconnect is best-effort and may
    follow a push that found the connection gone)."""
    repository.forget(connection_id)


def _encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def reply(connection_id: str, payload: dict[str, Any]) -> None:
    """Send to the connection a client message came from; a gone one is forgotten."""
    try:
        if not sender.send(connection_id, _encode(payload)):
            repository.forget(connection_id)
    except sender.SendFailed:
        logger.warning("reply to %s failed", connection_id, exc_info=True)


def on_message(connection_id: str, action: str | None, body: str | None) -> None:
    """A client message, routed by its `action`: `ping` is answered with `pong` (with
    the client's `id`, if any); anything else with an error naming what was wrong."""
    message: Any = None
    if body:
        try:
            message = json.loads(body)
        except ValueError:
            message = None
    if not isinstance(message, dict):
        reply(connection_id, error_frame("invalid_message", 'Send JSON: {"action": "ping"}.'))
        return
    if action == "ping" and message.get("action") == "ping":
        answer: dict[str, Any] = {"type": "pong", "at": clock.iso()}
        if isinstance(message.get("id"), str | int):
            answer["id"] = message["id"]
        reply(connection_id, answer)
        return
    reply(connection_id, error_frame("unknown_action", "The actions are: ping, typing, read."))


def error_frame(code: str, message: str) -> dict[str, Any]:
    return {"type": "error", "error": {"code": code, "message": message}}


@dataclass(frozen=True)
class Pushed:
    sent: int
    gone: int
    failed: int


def push(user_ids: list[str] | set[str], *payloads: dict[str, Any]) -> Pushed:
    """Send each payload, in order, to every open connection of these users (every
    device; their connections read once), and forget the connections found gone.
    Never raises for a connection: a failed send is counted and logged, and the client
    catches up by reading (at-least-once push is never the only copy of anything)."""
    if not user_ids or not payloads or not settings().live_endpoint:
        return Pushed(0, 0, 0)
    messages = [_encode(payload) for payload in payloads]
    sent = gone = failed = 0
    for connection in repository.open_connections(user_ids):
        for data in messages:
            try:
                if sender.send(connection.connection_id, data):
                    sent += 1
                    continue
            except sender.SendFailed:
                failed += 1
                logger.warning("push to %s failed", connection.connection_id, exc_info=True)
                continue
            gone += 1
            if clock.now() - clock.parse(connection.connected_at) > HANDSHAKE_GRACE:
                repository.forget(connection.connection_id, connection.user_id)
            # Gone: nothing more can reach it.
            break
    business.count("LivePushes", sent)
    business.count("LiveConnectionsGone", gone)
    business.count("LivePushesFailed", failed)
    return Pushed(sent, gone, failed)
