"""Helpers for tests that drive the local runtime as a mobile app would."""

from __future__ import annotations

import io
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests

from local.client import post_file
from local.client import wait_for_media as client_wait

__all__ = ["post_file"]

T = TypeVar("T")


def must_exist(item: T | None) -> T:
    """`item`, failing the test if a read found nothing."""
    assert item is not None, "expected a stored item, found none"
    return item


@dataclass
class Client:
    """A signed-in (or anonymous) app talking to the API."""

    base_url: str
    token: str | None = None
    user_id: str | None = None
    handle: str | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.session.request(
            method, self.base_url + path, headers=headers, timeout=30, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def me(self) -> dict[str, Any]:
        response = self.get("/me")
        assert response.status_code == 200, response.text
        return response.json()


def eventually(check: Any, deadline_s: float = 20) -> Any:
    """Poll `check` until it returns something true or the deadline passes; returns
    its last value (for what a stream consumer does a moment after a request)."""
    deadline = time.monotonic() + deadline_s
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.05)


def unique_handle(prefix: str = "u") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def error_code(response: requests.Response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]["code"]


def s3_code(response: requests.Response) -> str:
    """The <Code> of an S3 XML error answer (AccessDenied, EntityTooLarge, ...)."""
    return response.text.split("<Code>")[1].split("</Code>")[0]


def start_upload(
    client: Client, content_type: str, size: int, purpose: str = "post"
) -> dict[str, Any]:
    response = client.post(
        "/media", json={"content_type": content_type, "size_bytes": size, "purpose": purpose}
    )
    assert response.status_code == 201, response.text
    return response.json()


def wait_for_media(client: Client, media_id: str, deadline_s: float = 60) -> dict[str, Any]:
    return client_wait(client.get, media_id, deadline_s)


def upload(client: Client, data: bytes, content_type: str, purpose: str = "post") -> dict[str, Any]:
    """The whole phone flow: POST /media, the presigned POST, then poll to the outcome."""
    started = start_upload(client, content_type, max(1, len(data)), purpose)
    response = post_file(started, data, content_type)
    assert response.status_code == 204, response.text
    return wait_for_media(client, started["media_id"])


def photo(width: int = 64, height: int = 48) -> bytes:
    """A small JPEG of a colour of its own."""
    from PIL import Image

    out = io.BytesIO()
    colour = (random.randrange(256), random.randrange(256), 90)
    Image.new("RGB", (width, height), colour).save(out, "JPEG")
    return out.getvalue()


def publish(client: Client, caption: str = "", **fields: Any) -> str:
    """Upload a photo and post it with `caption` (and any other CreatePostIn fields);
    the new post's id."""
    media = upload(client, photo(), "image/jpeg")
    body = {"media_ids": [media["media_id"]], "caption": caption, **fields}
    response = client.post("/posts", json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["post_id"])


class LiveSocket:
    """An app's live connection, through the `websockets` client: `with
    LiveSocket(info, token) as socket: socket.next_of("notification")`."""

    def __init__(self, info: dict[str, Any], token: str | None, **options: Any) -> None:
        from urllib.parse import urlencode

        from websockets.sync.client import connect

        query = "" if token is None else "/?" + urlencode({"token": token})
        self.connection = connect(info["live_url"] + query, open_timeout=10, **options).__enter__()

    def __enter__(self) -> LiveSocket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.connection.close()

    def send(self, message: dict[str, Any] | str) -> None:
        import json

        self.connection.send(message if isinstance(message, str) else json.dumps(message))

    def receive(self, timeout: float = 10) -> dict[str, Any]:
        import json

        return dict(json.loads(self.connection.recv(timeout=timeout)))

    def next_of(self, kind: str, timeout: float = 20, **matching: Any) -> dict[str, Any]:
        """The next message of this `type` (whose fields equal `matching`), skipping
        others, within `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            message = self.receive(max(0.01, deadline - time.monotonic()))
            if message.get("type") == kind and all(
                message.get(k) == v for k, v in matching.items()
            ):
                return message
