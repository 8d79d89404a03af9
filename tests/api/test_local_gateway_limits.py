"""The local API Gateway's own answers to requests the HTTP layer cannot take: the
envelope every other answer has, never a 500 (issue 12, docs/decisions.md §30)."""

from __future__ import annotations

import json
import socket
from typing import Any
from urllib.parse import urlparse

from local import http as local_http
from tests.support import error_code

JSON = {"Content-Type": "application/json"}


def raw_exchange(api_url: str, request: bytes) -> tuple[int, dict[str, Any]]:
    """Send `request` as bytes on a fresh connection; the status and JSON body answered."""
    url = urlparse(api_url)
    with socket.create_connection((url.hostname, url.port), timeout=30) as conn:
        conn.sendall(request)
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    return int(head.split()[1]), json.loads(body)


def test_a_request_line_over_64_kb_is_414_in_the_envelope(info):
    status, body = raw_exchange(info["api_url"], b"GET /" + b"a" * 65_532)

    assert status == 414
    assert body["error"]["code"] == "request_uri_too_long"


def test_a_malformed_chunked_body_is_400(make_user, info):
    token = make_user().token
    request = (
        b"PUT /me HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        b"Authorization: Bearer " + token.encode() + b"\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"
    )

    status, body = raw_exchange(info["api_url"], request)

    assert status == 400
    assert body["error"]["code"] == "bad_request"


def test_a_chunked_body_over_the_gateway_cap_is_413(make_user, monkeypatch):
    monkeypatch.setattr(local_http, "MAX_PAYLOAD_BYTES", 1024)
    chunks = (b"x" * 512 for _ in range(4))

    response = make_user().put("/me", data=chunks, headers=JSON)

    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"
