"""Bad input is a 4xx in the one envelope, on every route, never a 500 (issue 12).

Most of these attacks were answered 500 `internal` before (docs/decisions.md §30 says where
each check lives). The route lists come from the OpenAPI document, so a new route is
attacked too."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from PIL import Image

from local.client import id_token
from local.sample_events import SAMPLE_QUERIES
from tests.support import Client, error_code, unique_handle, upload

OPENAPI = json.loads((Path(__file__).parents[2] / "docs" / "openapi.json").read_text())
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in OPENAPI["paths"].items()
    for method, operation in operations.items()
]
BODY_ROUTES = [(m, p) for m, p, op in OPERATIONS if "requestBody" in op]
LIST_ROUTES = [
    (m, p)
    for m, p, op in OPERATIONS
    if any(q["name"] == "cursor" for q in op.get("parameters", []))
]
PATH_ROUTES = [
    (m, p, [q["name"] for q in op["parameters"] if q["in"] == "path"])
    for m, p, op in OPERATIONS
    if any(q["in"] == "path" for q in op.get("parameters", []))
]
ULID = "01ARZ3NDEKTSV4RRFFQ69G5FAV"
JSON = {"Content-Type": "application/json"}


def jpeg(size: tuple[int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (40, 120, 200)).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture(scope="module")
def owner(info: dict[str, Any]) -> dict[str, Any]:
    """A user with a post and a live story, so that every list has something to page."""
    client = Client(info["api_url"], token=id_token(info, f"{unique_handle('o')}@photogram.test"))
    handle = unique_handle("owner")
    assert client.put("/me", json={"handle": handle}).status_code == 200
    photo = upload(client, jpeg((300, 200)), "image/jpeg")
    at = {"name": "Hostile Café", "latitude": 52.52, "longitude": 13.405}
    post = client.post("/posts", json={"media_ids": [photo["media_id"]], "location": at}).json()
    clip = upload(client, jpeg((180, 320)), "image/jpeg", purpose="story")
    story = client.post("/stories", json={"media_id": clip["media_id"], "audience": "followers"})
    friend = Client(info["api_url"], token=id_token(info, f"{unique_handle('f')}@photogram.test"))
    friend_handle = unique_handle("friend")
    assert friend.put("/me", json={"handle": friend_handle}).status_code == 200
    chat = client.post("/conversations", json={"member_handles": [friend_handle]}).json()
    return {
        "client": client,
        "handle": handle,
        "post_id": post["post_id"],
        "place_id": post["place"]["place_id"],
        "story_id": story.json()["story_id"],
        "conversation_id": chat["conversation_id"],
    }


def fill(path: str, values: dict[str, str]) -> str:
    for name, value in values.items():
        path = path.replace("{" + name + "}", value)
    return path


def route_values(owner: dict[str, Any]) -> dict[str, str]:
    return {
        "handle": owner["handle"],
        "tag": "cats",
        "post_id": owner["post_id"],
        "place_id": owner["place_id"],
        "story_id": owner["story_id"],
        "conversation_id": owner["conversation_id"],
        "media_id": ULID,
        "comment_id": ULID,
        "highlight_id": ULID,
    }


# --- bodies --------------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_body_that_is_not_utf8_is_400_invalid_json(make_user, method, path):
    response = make_user().request(
        method,
        fill(path, {"post_id": ULID, "highlight_id": ULID}),
        data=b'{"bio":"\xff\xfe"}',
        headers=JSON,
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_json"


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/octet-stream",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ],
)
def test_a_body_that_is_not_json_is_415(make_user, method, path, content_type):
    response = make_user().request(
        method,
        fill(path, {"post_id": ULID, "highlight_id": ULID}),
        data=b'{"bio": "x"}',
        headers={"Content-Type": content_type},
    )

    assert response.status_code == 415
    assert error_code(response) == "unsupported_media_type"


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_json_nested_10000_deep_is_400_invalid_json(make_user, method, path):
    response = make_user().request(
        method,
        fill(path, {"post_id": ULID, "highlight_id": ULID}),
        data="[" * 10_000 + "]" * 10_000,
        headers=JSON,
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_json"


@pytest.mark.parametrize(("method", "path"), BODY_ROUTES)
def test_a_number_with_thousands_of_digits_is_422(make_user, method, path):
    response = make_user().request(
        method,
        fill(path, {"post_id": ULID, "highlight_id": ULID}),
        data='{"size_bytes": ' + "9" * 5000 + "}",
        headers=JSON,
    )

    assert response.status_code == 422
    assert error_code(response) == "invalid_request"
    assert response.json()["error"]["details"][0]["type"] == "number_too_long"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/media", '{"content_type": "image/jpeg", "purpose": "post", "size_bytes": 1%s}'),
        ("/posts", '{"media_ids": ["m"], "location": {"name": "x", "latitude": 1.%s}}'),
    ],
    ids=["int", "float"],
)
def test_a_long_int_or_float_where_a_number_is_expected_is_422(make_user, path, body):
    response = make_user().post(path, data=body % ("0" * 4400), headers=JSON)

    assert response.status_code == 422
    assert error_code(response) == "invalid_request"


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json(make_user, literal):
    body = '{"content_type": "image/jpeg", "purpose": "post", "size_bytes": ' + literal + "}"

    response = make_user().post("/media", data=body, headers=JSON)

    assert response.status_code == 400
    assert error_code(response) == "invalid_json"


def test_a_lone_surrogate_in_a_json_string_is_422(make_user):
    response = make_user().put("/me", data='{"bio": "\\ud800"}', headers=JSON)

    assert response.status_code == 422
    assert error_code(response) == "invalid_request"


def test_a_route_without_a_body_ignores_one_it_was_sent(make_user):
    alice, bob = make_user("alice"), make_user("bob")

    response = alice.post(
        f"/users/{bob.handle}/follow", data=b"\xff", headers={"Content-Type": "text/plain"}
    )

    assert response.status_code == 200


# --- query parameters and headers ----------------------------------------------------


@pytest.mark.parametrize(("method", "path"), LIST_ROUTES)
@pytest.mark.parametrize("cursor", ["%C3%80%C3%80%7B%11", "%7B%11.%C3%80%C3%80", "a%00.b"])
def test_a_cursor_that_is_not_ours_is_400_invalid_cursor(owner, method, path, cursor):
    required = SAMPLE_QUERIES.get((method, path), {})
    url = fill(path, route_values(owner)) + "?" + urlencode(required) + f"&cursor={cursor}"

    response = owner["client"].request(method, url)

    assert response.status_code == 400
    assert error_code(response) == "invalid_cursor"


def test_an_idempotency_key_of_5000_characters_is_422(make_user):
    response = make_user().post(
        "/posts", json={"media_ids": [ULID]}, headers={"Idempotency-Key": "k" * 5000}
    )

    assert response.status_code == 422
    assert error_code(response) == "invalid_request"


# --- path parameters -------------------------------------------------------------------

PATH_CASES = [(method, path, name) for method, path, names in PATH_ROUTES for name in names]


@pytest.mark.parametrize(
    "value",
    ["x" * 3000, "é" * 1100, "x" * 129],
    ids=["3000-bytes", "2200-utf8-bytes", "129-chars"],
)
@pytest.mark.parametrize(("method", "path", "name"), PATH_CASES)
def test_a_path_id_no_key_could_hold_is_404(owner, method, path, name, value):
    url = fill(path, {**route_values(owner), name: value})

    response = owner["client"].request(method, url, json={})

    assert response.status_code == 404, response.text
    assert error_code(response) == "not_found"


@pytest.mark.parametrize("value", ["a%00b", "%FF%FE", "%ED%A0%80", "%C2%A0", "%0A"])
@pytest.mark.parametrize(
    "path",
    ["/users/{v}", "/posts/{v}", "/hashtags/{v}/posts", "/media/{v}", "/stories/{v}/viewers"],
)
def test_a_path_id_with_odd_bytes_is_404(make_user, path, value):
    response = make_user().get(path.replace("{v}", value))

    assert response.status_code == 404, response.text
    assert error_code(response).endswith("not_found")
