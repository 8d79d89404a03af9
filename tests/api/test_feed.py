"""The home feed: followees' posts ranked and diversified, stable pages that never
repeat a post, re-ranking on pull-to-refresh after a new post, ranker fallback."""

import io
import random
import time

import pytest
from PIL import Image

from photogram.settings import settings
from tests.support import error_code, upload


def publish(client, caption=""):
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (random.randrange(256), 20, 90)).save(out, "JPEG")
    media = upload(client, out.getvalue(), "image/jpeg")
    return client.post(
        "/posts", json={"media_ids": [media["media_id"]], "caption": caption}
    ).json()["post_id"]


def wait_for_timeline(runtime, user_id, post_ids, deadline_s=30):
    from photogram.feed import repository

    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if set(post_ids) <= {t.post_id for t in repository.timeline(user_id, 500)}:
            return
        time.sleep(0.05)
    raise AssertionError("fan-out did not reach the timeline")


def scroll(client):
    ids, cursor, pages = [], None, []
    while True:
        body = client.get("/feed", params={"cursor": cursor} if cursor else None).json()
        pages.append(body["items"])
        ids += [p["post_id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages


@pytest.fixture
def network(runtime, make_user):
    viewer = make_user("viewer")
    prolific, quiet = make_user("prolific"), make_user("quiet")
    for author in (prolific, quiet):
        viewer.post(f"/users/{author.handle}/follow")
    posts = [publish(prolific) for _ in range(8)] + [publish(quiet) for _ in range(4)]
    wait_for_timeline(runtime, viewer.user_id, posts)
    return viewer, prolific, quiet, posts


def test_the_feed_shows_followees_posts_once_each_across_pages(network):
    viewer, _, _, posts = network

    ids, _ = scroll(viewer)

    # Everything from the people I follow, once; anything else is discovery.
    assert len(ids) == len(set(ids))
    assert set(posts) <= set(ids)


def test_a_page_has_at_most_three_posts_by_one_author_and_no_runs(network):
    viewer, prolific, _, _ = network

    first = viewer.get("/feed").json()["items"]

    authors = [p["author"]["handle"] for p in first]
    assert authors.count(prolific.handle) <= 3
    assert all(authors[i] != authors[i + 1] for i in range(len(authors) - 1))


def test_a_new_post_shows_on_the_next_first_page_but_not_mid_scroll(runtime, network):
    viewer, _, quiet, _ = network
    first = viewer.get("/feed").json()
    fresh = publish(quiet, "breaking")
    wait_for_timeline(runtime, viewer.user_id, [fresh])

    second = viewer.get("/feed", params={"cursor": first["next_cursor"]}).json()
    refreshed = viewer.get("/feed").json()

    assert fresh not in [p["post_id"] for p in first["items"] + second["items"]]
    assert fresh in [p["post_id"] for p in refreshed["items"]]


def test_a_tampered_cursor_is_400(network):
    viewer, *_ = network
    cursor = viewer.get("/feed").json()["next_cursor"]

    response = viewer.get(
        "/feed", params={"cursor": cursor[:-3] + ("AAA" if cursor[-3:] != "AAA" else "BBB")}
    )

    assert response.status_code == 400
    assert error_code(response) == "invalid_cursor"


def test_muted_authors_are_left_out(network):
    viewer, prolific, _, _ = network
    viewer.post(f"/users/{prolific.handle}/mute")

    ids, _ = scroll(viewer)

    assert ids and all(p not in ids for p in network[3][:8])


def test_a_failing_model_falls_back_to_the_heuristic(network, monkeypatch):
    viewer, *_ = network
    monkeypatch.setenv("PHOTOGRAM_RANKER", "sagemaker")
    monkeypatch.setenv("PHOTOGRAM_RANKER_ENDPOINT", "no-such-endpoint")
    settings.cache_clear()
    try:
        response = viewer.get("/feed")
    finally:
        monkeypatch.undo()
        settings.cache_clear()

    assert response.status_code == 200
    assert sorted(p["post_id"] for p in response.json()["items"]) == sorted(
        p["post_id"] for p in viewer.get("/feed").json()["items"]
    )
