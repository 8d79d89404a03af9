import pytest

from tests.support import error_code, unique_handle


def test_sign_up_then_create_a_profile(signed_in):
    alice = signed_in("alice")
    handle = unique_handle("Alice")

    response = alice.put(
        "/me", json={"handle": handle.upper(), "display_name": "Alice", "bio": "hi"}
    )

    assert response.status_code == 200
    body = response.json()
    assert body["handle"] == handle.lower()
    assert body["counts"] == {"followers": 0, "following": 0, "posts": 0}
    assert alice.me()["display_name"] == "Alice"


def test_me_before_a_profile_exists_is_404_profile_not_found(signed_in):
    response = signed_in().get("/me")

    assert response.status_code == 404
    assert error_code(response) == "profile_not_found"


def test_creating_a_profile_needs_a_handle(signed_in):
    response = signed_in().put("/me", json={"bio": "no handle"})

    assert response.status_code == 422
    assert error_code(response) == "handle_required"


def test_fields_left_out_keep_their_values(make_user):
    alice = make_user("alice")
    alice.put("/me", json={"display_name": "Alice", "bio": "first"})

    alice.put("/me", json={"bio": "second"})

    me = alice.me()
    assert (me["display_name"], me["bio"]) == ("Alice", "second")


def test_a_taken_handle_is_409_and_case_insensitive(make_user, signed_in):
    alice = make_user("alice")

    response = signed_in("bob").put("/me", json={"handle": alice.handle.upper()})

    assert response.status_code == 409
    assert error_code(response) == "handle_taken"


def test_changing_handle_frees_the_old_one(make_user, signed_in):
    alice = make_user("alice")
    old, new = alice.handle, unique_handle("renamed")

    assert alice.put("/me", json={"handle": new}).status_code == 200

    assert alice.get(f"/users/{old}").status_code == 404
    assert alice.get(f"/users/{new}").json()["user_id"] == alice.user_id
    assert signed_in("bob").put("/me", json={"handle": old}).status_code == 200


def test_profile_of_another_user_has_counts_and_relationship(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    bob.post(f"/users/{alice.handle}/follow")

    body = bob.get(f"/users/{alice.handle}").json()

    assert body["counts"]["followers"] == 1
    assert body["relationship"] == {
        "is_self": False,
        "is_following": True,
        "is_requested": False,
        "follows_you": False,
        "is_muted": False,
    }


def test_handles_are_looked_up_case_insensitively(make_user):
    alice, bob = make_user("alice"), make_user("bob")

    assert bob.get(f"/users/{alice.handle.upper()}").status_code == 200


def test_unknown_user_is_404(make_user):
    response = make_user().get("/users/nobody_here_at_all")

    assert response.status_code == 404
    assert error_code(response) == "user_not_found"


def test_bad_profile_fields_are_422_with_the_field_named(make_user):
    response = make_user().put("/me", json={"bio": "x" * 151, "is_private": "maybe"})

    assert response.status_code == 422
    assert error_code(response) == "invalid_request"
    assert {d["field"] for d in response.json()["error"]["details"]} == {"bio", "is_private"}


@pytest.mark.parametrize("handle", ["photogram.official", "admin_", "0fficial"])
def test_a_handle_passing_for_a_reserved_word_is_422(signed_in, handle):
    response = signed_in().put("/me", json={"handle": handle})

    assert response.status_code == 422 and error_code(response) == "invalid_request"
    (detail,) = response.json()["error"]["details"]
    assert detail["field"] == "handle" and "reserved" in detail["message"]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("display_name", "\u202eecilA", "bidi_control"),
        ("display_name", "Alice\x1b[2J", "control_character"),
        ("bio", "Z" + "\u0336" * 20, "combining_marks"),
    ],
)
def test_names_and_bios_that_disguise_themselves_are_422(make_user, field, value, reason):
    response = make_user().put("/me", json={field: value})

    assert response.status_code == 422 and error_code(response) == "invalid_request"
    (detail,) = response.json()["error"]["details"]
    assert (detail["field"], detail["type"]) == (field, reason)


def test_health_needs_no_token(anonymous):
    response = anonymous.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
