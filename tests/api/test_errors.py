"""Every error, from the gateway or a handler, comes in one envelope with a stable code."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support import error_code, unique_handle


def test_unknown_route_is_404_route_not_found(make_user):
    response = make_user().get("/nope")

    assert response.status_code == 404
    assert error_code(response) == "route_not_found"


def test_wrong_method_is_405_with_allow(make_user):
    response = make_user().delete("/me")

    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) == {"GET", "PUT"}


def test_malformed_json_is_400_invalid_json(make_user):
    response = make_user().put(
        "/me", data="{not json", headers={"Content-Type": "application/json"}
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_json"


def test_an_unknown_field_is_422_naming_it(make_user):
    response = make_user().put("/me", json={"handle": unique_handle(), "is_admin": True})

    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "is_admin"


def test_a_missing_body_is_422(make_user):
    response = make_user().put("/me")

    assert response.status_code == 422
    assert error_code(response) == "invalid_request"


def test_a_body_over_the_cap_is_413(make_user):
    response = make_user().put("/me", json={"bio": "x" * 70_000})

    assert response.status_code == 413
    assert error_code(response) == "payload_too_large"


def test_a_json_array_body_is_422_not_500(make_user):
    response = make_user().put("/me", json=[1, 2, 3])

    assert response.status_code == 422


@pytest.mark.parametrize("limit", ["0", "101", "abc", "1.5"])
def test_bad_page_sizes_are_422_naming_limit(make_user, limit):
    alice = make_user()

    response = alice.get(f"/users/{alice.handle}/followers", params={"limit": limit})

    assert response.status_code == 422
    assert error_code(response) == "invalid_request"
    assert response.json()["error"]["details"][0]["field"] == "limit"


@pytest.fixture
def popular(make_user):
    star = make_user("star")
    for i in range(3):
        make_user(f"fan{i}").post(f"/users/{star.handle}/follow")
    return star


def test_a_tampered_cursor_is_400_invalid_cursor(popular):
    cursor = popular.get(f"/users/{popular.handle}/followers", params={"limit": 1}).json()[
        "next_cursor"
    ]
    body, mac = cursor.split(".")
    tampered = body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + mac

    response = popular.get(f"/users/{popular.handle}/followers", params={"cursor": tampered})

    assert response.status_code == 400
    assert error_code(response) == "invalid_cursor"


def test_a_cursor_from_another_list_is_400(popular):
    cursor = popular.get(f"/users/{popular.handle}/followers", params={"limit": 1}).json()[
        "next_cursor"
    ]

    response = popular.get(f"/users/{popular.handle}/following", params={"cursor": cursor})

    assert response.status_code == 400
    assert error_code(response) == "invalid_cursor"


def test_a_cursor_handed_to_another_user_is_400(popular, make_user):
    cursor = popular.get(f"/users/{popular.handle}/followers", params={"limit": 1}).json()[
        "next_cursor"
    ]

    response = make_user("other").get(
        f"/users/{popular.handle}/followers", params={"cursor": cursor}
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_cursor"


def test_two_users_racing_for_one_handle_get_exactly_one_winner(signed_in):
    for _ in range(5):
        handle = unique_handle("race")
        racers = [signed_in("racer") for _ in range(4)]

        with ThreadPoolExecutor(max_workers=4) as pool:
            codes = list(
                pool.map(lambda c, h=handle: c.put("/me", json={"handle": h}).status_code, racers)
            )

        assert sorted(codes) == [200, 409, 409, 409]
        owners = [c for c, code in zip(racers, codes, strict=True) if code == 200]
        assert owners[0].get(f"/users/{handle}").json()["relationship"]["is_self"] is True
