"""Sending to one live connection: API Gateway's management API (`@connections`) in
both runtimes. On AWS it is the WebSocket API's stage; locally the gateway in
local/live.py serves the same API, so this code runs unchanged."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from photogram.settings import required


class SendFailed(Exception):
    """The connection may still be open, but this message did not reach it."""


@cache
def _client() -> Any:
    # A push is on the stream's clock: fail fast, retry once (throttling), move on.
    config = Config(connect_timeout=2, read_timeout=3, retries={"max_attempts": 2})
    return boto3.client(
        "apigatewaymanagementapi", endpoint_url=required("live_endpoint"), config=config
    )


def send(connection_id: str, data: bytes) -> bool:
    """Send `data` as one message. False: the connection is gone (410 GoneException,
    closed or never open). Raises SendFailed for anything else."""
    client = _client()
    try:
        client.post_to_connection(ConnectionId=connection_id, Data=data)
    except client.exceptions.GoneException:
        return False
    except (ClientError, BotoCoreError) as exc:
        raise SendFailed(str(exc)) from exc
    return True
