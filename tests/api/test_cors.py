"""CORS as a browser sees it: the preflight, and the headers on a success, a handler's
error and a gateway response, for an allowed and a disallowed origin; the raw bucket's
answer to a browser's presigned POST; the CDN's to an image read with `crossorigin`."""

from __future__ import annotations

import hashlib
import io

import pytest
import requests
from PIL import Image

from infra.cors import ALLOW_HEADERS, MAX_AGE_SECONDS, CorsPolicy
from local.client import post_file
from tests.support import start_upload, wait_for_media

# A page on another local port: allowed by make dev's default origins.
ALLOWED = "http://localhost:5173"
DISALLOWED = "https://evil.example"
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
    "Access-Control-Max-Age",
)


def cors_of(response: requests.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("Access-Control-")}


def preflight(api_url: str, path: str, origin: str, method: str = "GET") -> requests.Response:
    return requests.options(
        api_url + path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type",
        },
        timeout=10,
    )


def test_a_preflight_from_an_allowed_origin_is_answered_without_a_token(info):
    response = preflight(info["api_url"], "/users/someone/follow", ALLOWED, "POST")

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Methods"] == "DELETE,OPTIONS,POST"
    assert response.headers["Access-Control-Allow-Headers"] == ",".join(ALLOW_HEADERS)
    assert response.headers["Access-Control-Max-Age"] == str(MAX_AGE_SECONDS)
    assert "Origin" in response.headers["Vary"]


def test_a_preflight_from_a_disallowed_origin_gets_no_cors_headers(info):
    response = preflight(info["api_url"], "/me", DISALLOWED, "PUT")

    assert response.status_code == 204
    assert cors_of(response) == {}


def test_a_success_carries_the_allowed_origin_and_the_exposed_headers(make_user):
    response = make_user().get("/me", headers={"Origin": ALLOWED})

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "Retry-After" in response.headers["Access-Control-Expose-Headers"]
    assert "Origin" in response.headers["Vary"]


def test_a_handlers_error_carries_the_allowed_origin(make_user):
    response = make_user().get("/users/nobody-by-this-name", headers={"Origin": ALLOWED})

    assert response.status_code == 404
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


def test_a_gateway_401_carries_the_allowed_origin(anonymous):
    response = anonymous.get("/me", headers={"Origin": ALLOWED})

    assert response.status_code == 401
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED


@pytest.mark.parametrize("path", ["/me", "/users/nobody-by-this-name", "/no/such/route"])
def test_a_disallowed_origin_gets_no_cors_headers_on_any_answer(make_user, path):
    response = make_user().get(path, headers={"Origin": DISALLOWED})

    assert cors_of(response) == {}


def test_a_gateway_401_to_a_disallowed_origin_has_no_cors_headers(anonymous):
    response = anonymous.get("/me", headers={"Origin": DISALLOWED})

    assert response.status_code == 401
    assert cors_of(response) == {}


def test_a_request_without_an_origin_gets_no_cors_headers(make_user):
    response = make_user().get("/me")

    assert cors_of(response) == {}


def jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 90)).save(buffer, "JPEG")
    return buffer.getvalue()


def test_a_browsers_presigned_post_reads_the_buckets_cors_answer(make_user):
    user = make_user()
    data = jpeg()
    started = start_upload(user, "image/jpeg", len(data))

    response = post_file_from(started, data, ALLOWED)

    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert "ETag" in response.headers["Access-Control-Expose-Headers"]
    assert response.headers["ETag"] == f'"{hashlib.md5(data, usedforsecurity=False).hexdigest()}"'

    assert wait_for_media(user, started["media_id"])["status"] == "READY"


def test_the_buckets_preflight_refuses_a_disallowed_origin(make_user):
    started = start_upload(make_user(), "image/jpeg", 1000)

    response = requests.options(
        started["upload"]["url"],
        headers={"Origin": DISALLOWED, "Access-Control-Request-Method": "POST"},
        timeout=10,
    )

    assert response.status_code == 403
    assert cors_of(response) == {}


def test_the_cdn_lets_an_allowed_origin_read_an_image(make_user):
    user = make_user()
    data = jpeg()
    started = start_upload(user, "image/jpeg", len(data))
    assert post_file(started, data, "image/jpeg").status_code == 204
    url = wait_for_media(user, started["media_id"])["variants"]["small"]["url"]

    allowed = requests.get(url, headers={"Origin": ALLOWED}, timeout=10)
    disallowed = requests.get(url, headers={"Origin": DISALLOWED}, timeout=10)

    assert allowed.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert cors_of(disallowed) == {}


def post_file_from(started: dict, data: bytes, origin: str) -> requests.Response:
    form = started["upload"]
    return requests.post(
        form["url"],
        data=form["fields"],
        files={"file": ("upload", data, "image/jpeg")},
        headers={"Origin": origin},
        timeout=60,
    )


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        ("http://localhost:5173", True),
        ("http://127.0.0.1:3000", True),
        ("http://localhost", False),  # no port: not what `:*` names
        ("http://localhost:5173.evil.example", False),
        ("http://localhostXevil:80", False),
        ("https://localhost:5173", False),
        ("http://evil.example/http://localhost:1", False),
    ],
)
def test_the_local_origins_match_any_port_and_nothing_else(origin, allowed):
    policy = CorsPolicy.parse("http://localhost:*,http://127.0.0.1:*", any_port=True)

    assert policy.allows(origin) is allowed


@pytest.mark.parametrize(
    "bad", ["https://app.example.com/", "https://App.example.com", "app.example.com", "*"]
)
def test_an_origin_not_written_as_a_browser_sends_it_is_refused(bad):
    with pytest.raises(ValueError, match="cors origin"):
        CorsPolicy.parse(bad, any_port=False)


def test_a_deployed_stage_lists_exact_origins():
    with pytest.raises(ValueError, match="exact origins"):
        CorsPolicy.parse("https://app.example.com:*", any_port=False)
