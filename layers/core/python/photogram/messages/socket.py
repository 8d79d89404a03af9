"""What a client may say about a conversation over its live connection: `typing`
(told to the other members, never stored) and `read` (the same read mark as
`POST /conversations/{id}/read`). Errors are answered on the connection."""

from __future__ import annotations

import json
from typing import Any

from photogram.errors import PhotogramError
from photogram.live import service as live
from photogram.messages import service

ACTIONS = ("typing", "read")


def on_action(user_id: str, connection_id: str, action: str, body: str | None) -> None:
    """Carry out a client's `typing` or `read` message; a bad one is answered with an
    error frame naming what was wrong (the connection stays open)."""
    message: Any = None
    try:
        message = json.loads(body or "")
    except ValueError:
        message = None
    conversation_id = message.get("conversation_id") if isinstance(message, dict) else None
    if not isinstance(conversation_id, str):
        live.reply(
            connection_id,
            live.error_frame(
                "invalid_message", f'Send JSON: {{"action": "{action}", "conversation_id": ...}}.'
            ),
        )
        return
    try:
        if action == "typing":
            service.typing(user_id, conversation_id)
            return
        up_to = message.get("up_to_message_id")
        if not isinstance(up_to, str):
            live.reply(
                connection_id,
                live.error_frame("invalid_message", "read needs up_to_message_id."),
            )
            return
        service.mark_read(user_id, conversation_id, up_to)
    except PhotogramError as error:
        frame = live.error_frame(error.code, error.message)
        frame["conversation_id"] = conversation_id
        live.reply(connection_id, frame)
