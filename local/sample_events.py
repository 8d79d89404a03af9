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

from infra.routes import ROUTES, Route
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


def write_all() -> list[Path]:
    written = []
    for route in ROUTES:
        path = EVENTS / route.function / f"{event_name(route)}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(build(route), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_all():
        print(path.relative_to(ROOT))
