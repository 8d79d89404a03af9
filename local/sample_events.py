"""`python -m local.sample_events` writes `events/<function>/<route>.json`: the API
Gateway REST proxy event each route receives, built by the same code as the local
gateway (`local.http.proxy_event`), for `sam local invoke`-style experiments and
for the tests that replay them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from werkzeug.datastructures import Headers
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from infra.routes import ROUTES, SOCKET_AUTHORIZER, SOCKET_TOKEN_PARAMETER, Route
from local.http import proxy_event
from local.lambdas import ROOT

EVENTS = ROOT / "events"
SAMPLE_SUB = "11111111-2222-3333-4444-555555555555"
SAMPLE_CLAIMS = {
    "sub": SAMPLE_SUB,
    "email": "alice@photogram.test",
    "token_use": "id",
    "aud": "sampleclientid",
    "iss": "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_sample",
    "cognito:username": SAMPLE_SUB,
}
SAMPLE_BODIES = {("PUT", "/me"): {"handle": "alice", "bio": "Down the rabbit hole."}}
# Query strings of routes that need one.
SAMPLE_QUERIES = {
    ("GET", "/search"): {"q": "al"},
    ("GET", "/search/users"): {"q": "al"},
    ("GET", "/search/hashtags"): {"q": "cat"},
    ("GET", "/search/places"): {"q": "cafe", "lat": "52.52", "lng": "13.405"},
}


def event_name(route: Route) -> str:
    slug = re.sub(r"[{}]", "", route.path).strip("/").replace("/", "_").replace("-", "_")
    return f"{route.method.lower()}_{slug or 'root'}"


def build(route: Route) -> dict:
    params = {name: "bob" for name in re.findall(r"\{(\w+)\}", route.path)}
    path = route.path.format(**params)
    body = SAMPLE_BODIES.get((route.method, route.path))
    builder = EnvironBuilder(
        path=path,
        method=route.method,
        base_url="http://127.0.0.1:8000",
        json=body,
        query_string=SAMPLE_QUERIES.get((route.method, route.path)),
        headers=Headers(
            {"User-Agent": "Photogram/1.0 (iOS)", "Authorization": "Bearer <id token>"}
        ),
    )
    request = Request(builder.get_environ())
    claims = SAMPLE_CLAIMS if route.authorized else None
    event = proxy_event(request, route, params, claims, "c6af9ac6-7b61-11e6-9a41-93e8deadbeef")
    # Stable files: no wall-clock times.
    event["requestContext"]["requestTime"] = "25/Nov/2026:13:06:32 +0000"
    event["requestContext"]["requestTimeEpoch"] = 1795784792000
    return event


def _stable(event: dict) -> dict:
    """A socket event without wall-clock times or random ids, so the file is stable."""
    context = event["requestContext"]
    context |= {
        "requestTime": "25/Nov/2026:13:06:32 +0000",
        "requestTimeEpoch": 1795784792000,
        "connectedAt": 1795784792000,
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "extendedRequestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbee0",
        "domainName": "127.0.0.1:8001",
    }
    if "messageId" in context:
        context["messageId"] = "c6af9ac6-7b61-11e6-9a41-93e8deadbee1"
    return event


def build_socket() -> dict[tuple[str, str], dict]:
    """The WebSocket API's events (infra/routes.py SOCKET_ROUTES and the $connect
    authorizer), built by the local gateway's own code: (function, name) -> event."""
    from local.live import Connection, LiveGateway

    gateway = LiveGateway(pools={}, region="us-east-1", port=8001)
    gateway.port = 8001
    connection = Connection(
        connection_id="L0SM9cOFvHcCIhw=",
        socket=None,
        authorizer={},
        source_ip="127.0.0.1",
        user_agent="Photogram/1.0 (iOS)",
    )
    headers = {"Host": "127.0.0.1:8001", "User-Agent": "Photogram/1.0 (iOS)"}
    query = {SOCKET_TOKEN_PARAMETER: ["<id token>"]}
    events = {(SOCKET_AUTHORIZER, "connect"): gateway.authorizer_event(connection, headers, query)}
    connection.authorizer = {"sub": SAMPLE_SUB, "principalId": SAMPLE_SUB, "integrationLatency": 3}
    events[("live", "connect")] = gateway.connect_event(connection, headers, query)
    events[("live", "ping")] = gateway.message_event(connection, "ping", '{"action": "ping"}')
    events[("live", "default")] = gateway.message_event(connection, "$default", "hello")
    events[("live", "disconnect")] = gateway.disconnect_event(connection, 1000, "")
    return {key: _stable(event) for key, event in events.items()}


def write_all() -> list[Path]:
    written = []
    files = {(r.function, event_name(r)): build(r) for r in ROUTES} | build_socket()
    for (function, name), event in files.items():
        path = EVENTS / function / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(event, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path.relative_to(ROOT))
