"""Places and hashtag pages through the API: a post's place chosen from search or made
from a name and a position, places found by name near a position, a place's and a
hashtag's posts with private and blocked authors left out. Each test names its places
and tags with a stem of its own."""

import uuid

import pytest

from tests.support import error_code, eventually, publish, upload

BERLIN = {"latitude": 52.5200, "longitude": 13.4050}
PARIS = {"latitude": 48.8566, "longitude": 2.3522}


@pytest.fixture
def stem():
    return "p" + uuid.uuid4().hex[:7]


def places(client, q, **params):
    response = client.get("/search/places", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def place_of(client, post_id):
    return client.get(f"/posts/{post_id}").json()["place"]


def listed(client, path):
    response = client.get(path)
    assert response.status_code == 200, response.text
    return [p["post_id"] for p in response.json()["items"]]


def test_a_named_position_makes_one_place_for_everyone_at_that_corner(make_user, stem):
    alice, bob = make_user("alice"), make_user("bob")

    first = publish(alice, location={"name": f"Café {stem} Central", **BERLIN})
    # Another spelling of the name a few metres away is the same place ...
    near = {"latitude": BERLIN["latitude"] + 0.0002, "longitude": BERLIN["longitude"]}
    second = publish(bob, location={"name": f"cafe  {stem.upper()} central", **near})
    # ... and the same name in another city is not.
    third = publish(bob, location={"name": f"Café {stem} Central", **PARIS})

    place = place_of(alice, first)
    assert place["name"] == f"Café {stem} Central"
    assert (place["lat"], place["lng"]) == (BERLIN["latitude"], BERLIN["longitude"])
    assert place_of(bob, second)["place_id"] == place["place_id"]
    assert place_of(bob, third)["place_id"] != place["place_id"]


def test_a_location_without_a_position_is_text_only(make_user, stem):
    alice = make_user("alice")

    post = alice.get(f"/posts/{publish(alice, location={'name': f'Home {stem}'})}").json()

    assert post["location"]["name"] == f"Home {stem}"
    assert post["place"] is None


def test_places_are_found_by_name_nearest_first_and_chosen_by_id(make_user, stem):
    alice = make_user("alice")
    publish(alice, location={"name": f"{stem} Bakery Mitte", **BERLIN})
    publish(alice, location={"name": f"{stem} Bakery Marais", **PARIS})

    def found(**params):
        items = places(alice, f"{stem} bak", **params)
        return items if len(items) == 2 else None

    from_paris = eventually(lambda: found(lat=PARIS["latitude"], lng=PARIS["longitude"]))
    assert [p["name"] for p in from_paris] == [f"{stem} Bakery Marais", f"{stem} Bakery Mitte"]
    assert from_paris[0]["distance_km"] < 0.01
    assert 870 < from_paris[1]["distance_km"] < 890
    assert from_paris[0]["post_count"] == 1
    from_berlin = found(lat=BERLIN["latitude"], lng=BERLIN["longitude"])
    assert from_berlin[0]["name"] == f"{stem} Bakery Mitte"

    # The app posts at a place search found: its id, nothing else.
    chosen = from_paris[0]["place_id"]
    post = alice.get(f"/posts/{publish(alice, place_id=chosen)}").json()
    assert post["place"]["place_id"] == chosen
    assert post["location"]["name"] == f"{stem} Bakery Marais"
    assert eventually(lambda: places(alice, f"{stem} bakery marais")[0]["post_count"] == 2)
    # The search box has places too.
    top = alice.get("/search", params={"q": f"{stem} bakery"}).json()
    assert {p["name"] for p in top["places"]} == {f"{stem} Bakery Marais", f"{stem} Bakery Mitte"}


def test_an_unknown_place_is_404_and_the_media_stays_unused(make_user, stem):
    from tests.support import photo

    alice = make_user("alice")
    media = upload(alice, photo(), "image/jpeg")

    response = alice.post("/posts", json={"media_ids": [media["media_id"]], "place_id": "nope"})

    assert response.status_code == 404 and error_code(response) == "place_not_found"
    again = alice.post("/posts", json={"media_ids": [media["media_id"]]})
    assert again.status_code == 201, again.text


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/search/places", {"q": "x", "lat": "52.5"}, "lng"),
        ("/search/places", {"q": "x", "lng": "13.4"}, "lat"),
        ("/search", {"q": "x", "lat": "52.5"}, "lng"),
        ("/search/places", {"q": "x", "lat": "91", "lng": "0"}, "lat"),
        ("/search/places", {"q": "x", "lat": "nan", "lng": "0"}, "lat"),
    ],
)
def test_a_position_is_both_coordinates_in_range_or_422(make_user, path, params, field):
    response = make_user("alice").get(path, params=params)

    assert response.status_code == 422, response.text
    assert error_code(response) == "invalid_request"
    assert field in str(response.json())


def test_a_post_names_a_place_or_a_location_not_both(make_user):
    alice = make_user("alice")
    body = {"media_ids": ["m1"], "place_id": "x", "location": {"name": "Home"}}

    response = alice.post("/posts", json=body)

    assert response.status_code == 422 and error_code(response) == "invalid_request"


def test_a_places_posts_leave_out_private_and_blocked_authors(make_user, stem):
    viewer, public, blocker = (make_user(n) for n in ("viewer", "pub", "blk"))
    hidden = make_user("priv", is_private=True)
    at = {"name": f"{stem} Park", **BERLIN}
    first = publish(public, location=at)
    place_id = place_of(public, first)["place_id"]
    private_post = publish(hidden, place_id=place_id)
    blocked_post = publish(blocker, place_id=place_id)
    latest = publish(public, place_id=place_id)
    assert blocker.post(f"/users/{viewer.handle}/block").status_code in (200, 204)

    assert listed(viewer, f"/places/{place_id}/posts") == [latest, first]
    # A follower of the private account sees its post; the blocker's stays hidden.
    assert viewer.post(f"/users/{hidden.handle}/follow").status_code == 200
    assert hidden.post(f"/me/follow-requests/{viewer.handle}/approve").status_code in (200, 204)
    assert listed(viewer, f"/places/{place_id}/posts") == [latest, private_post, first]
    assert blocked_post in listed(public, f"/places/{place_id}/posts")

    page = viewer.get(f"/places/{place_id}").json()
    assert page["name"] == f"{stem} Park"
    assert eventually(lambda: viewer.get(f"/places/{place_id}").json()["post_count"] == 4)
    assert blocked_post not in [p["post_id"] for p in page["top_posts"]]


def test_a_deleted_post_leaves_its_place(make_user, stem):
    alice = make_user("alice")
    post = publish(alice, location={"name": f"{stem} Pier", **PARIS})
    place_id = place_of(alice, post)["place_id"]
    assert eventually(lambda: places(alice, f"{stem} pier") != [])

    assert alice.delete(f"/posts/{post}").status_code == 204

    assert listed(alice, f"/places/{place_id}/posts") == []
    # The place stays (others may post there); with no posts it leaves the search.
    assert eventually(lambda: places(alice, f"{stem} pier") == [])
    assert alice.get(f"/places/{place_id}").json()["post_count"] == 0


def test_an_unknown_place_page_is_404(make_user):
    alice = make_user("alice")

    for path in ("/places/nope", "/places/nope/posts"):
        response = alice.get(path)
        assert response.status_code == 404 and error_code(response) == "place_not_found"


def test_a_hashtag_page_has_its_count_and_most_engaged_posts_i_may_see(make_user, stem):
    viewer, author = make_user("viewer"), make_user("author")
    hidden = make_user("priv", is_private=True)
    fans = [make_user(f"fan{i}") for i in range(2)]
    quiet = publish(author, f"#{stem}sun")
    loved = publish(author, f"#{stem}sun")
    secret = publish(hidden, f"#{stem}sun")
    for fan in fans:
        assert fan.put(f"/posts/{loved}/like").status_code == 200

    def page():
        body = viewer.get(f"/hashtags/{stem.upper()}SUN").json()
        order = [p["post_id"] for p in body["top_posts"]]
        return body if body["post_count"] == 3 and order[:1] == [loved] else None

    body = eventually(page)
    assert body["tag"] == f"{stem}sun"
    assert [p["post_id"] for p in body["top_posts"]] == [loved, quiet]
    assert secret not in listed(viewer, f"/hashtags/{stem}sun/posts")


def test_a_hashtag_nobody_used_has_an_empty_page(make_user, stem):
    body = make_user("alice").get(f"/hashtags/{stem}none").json()

    assert body == {"tag": f"{stem}none", "post_count": 0, "top_posts": []}
