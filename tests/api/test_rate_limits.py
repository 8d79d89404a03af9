"""Per-account rate limits (docs/decisions.md §31): every limited write answers 429
`rate_limited` with Retry-After once an account is over its per-minute or per-day
limit, exactly under concurrency, per account, and again allowed when the window
that blocked it resets on the domain clock. Small limits come from the settings
(the runtime runs in this process, so it reads them)."""

from __future__ import annotations

import io
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image

from photogram import clock
from photogram.limits import keys
from photogram.limits import service as limits_service
from photogram.limits.repository import LimitRow
from photogram.settings import settings
from tests.api.test_metrics import EmfLog
from tests.support import error_code, unique_handle, upload

# Ten seconds into a minute, so a per-minute refusal says Retry-After: 50, and
# 11:59:50 from midnight UTC, so a daily one says 43,190.
START = datetime.now(UTC).replace(hour=12, minute=0, second=10, microsecond=0)
TO_NEXT_MINUTE = 50
TO_MIDNIGHT = 12 * 3600 - 10


@pytest.fixture
def limits(monkeypatch):
    """Set limits for this test: limits(follows_per_minute=2, ...)."""

    def set_limits(**values: int) -> None:
        for name, value in values.items():
            monkeypatch.setenv(f"PHOTOGRAM_{name.upper()}", str(value))
        settings.cache_clear()

    yield set_limits
    monkeypatch.undo()
    settings.cache_clear()


@pytest.fixture
def frozen():
    with clock.FrozenClock(START) as moment:
        yield moment


def jpeg(size=(200, 150)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 140, 200)).save(out, "JPEG")
    return out.getvalue()


def ready(client, purpose="post") -> str:
    media = upload(
        client, jpeg((150, 260) if purpose == "story" else (200, 150)), "image/jpeg", purpose
    )
    assert media["status"] == "READY", media
    return media["media_id"]


def new_post(client) -> str:
    response = client.post("/posts", json={"media_ids": [ready(client)]})
    assert response.status_code == 201, response.text
    return response.json()["post_id"]


def new_story(client) -> str:
    response = client.post("/stories", json={"media_id": ready(client, "story")})
    assert response.status_code == 201, response.text
    return response.json()["story_id"]


def assert_limited(response, limit: str, retry_after: int) -> None:
    assert response.status_code == 429, response.text
    assert error_code(response) == "rate_limited"
    assert response.headers["Retry-After"] == str(retry_after)
    details = response.json()["error"]["details"]
    assert details["limit"] == limit
    assert details["retry_after"] == retry_after


# --- each limited action ---------------------------------------------------------------
# Each arranges two uses (against different targets, so neither is a no-op); the
# limit is one a minute, so the second is refused.


def two_follows(make_user):
    me, first, second = make_user("me"), make_user("a"), make_user("b")
    return me, [f"/users/{first.handle}/follow", f"/users/{second.handle}/follow"]


def two_follow_requests(make_user):
    me = make_user("me")
    first, second = make_user("a", is_private=True), make_user("b", is_private=True)
    return me, [f"/users/{first.handle}/follow", f"/users/{second.handle}/follow"]


def two_likes(make_user):
    me, author = make_user("me"), make_user("author")
    return me, [("PUT", f"/posts/{new_post(author)}/like") for _ in range(2)]


def two_comments(make_user):
    me, author = make_user("me"), make_user("author")
    post_id = new_post(author)
    return me, [("POST", f"/posts/{post_id}/comments", {"text": f"nice {n}"}) for n in range(2)]


def two_posts(make_user):
    me = make_user("me")
    return me, [("POST", "/posts", {"media_ids": [ready(me)]}) for _ in range(2)]


def two_stories(make_user):
    me = make_user("me")
    return me, [("POST", "/stories", {"media_id": ready(me, "story")}) for _ in range(2)]


def two_story_views(make_user):
    me, author = make_user("me"), make_user("author")
    assert me.post(f"/users/{author.handle}/follow").status_code == 200
    return me, [f"/stories/{new_story(author)}/view" for _ in range(2)]


def two_handle_changes(make_user):
    me = make_user("me")
    return me, [("PUT", "/me", {"handle": unique_handle("new")}) for _ in range(2)]


def two_uploads(make_user):
    me = make_user("me")
    body = {"content_type": "image/jpeg", "size_bytes": 1000, "purpose": "post"}
    return me, [("POST", "/media", body) for _ in range(2)]


ACTIONS = {
    "follows": (two_follows, "follows_per_minute"),
    "follow_requests": (two_follow_requests, "follows_per_minute"),
    "likes": (two_likes, "likes_per_minute"),
    "comments": (two_comments, "comments_per_minute"),
    "posts": (two_posts, "posts_per_minute"),
    "stories": (two_stories, "stories_per_minute"),
    "story_views": (two_story_views, "story_views_per_minute"),
    "handle_changes": (two_handle_changes, "handle_changes_per_minute"),
    "uploads": (two_uploads, "uploads_per_minute"),
}
LIMIT_NAMES = {"follow_requests": "per_minute_follows"}


def send(client, use):
    """A use: a POST path, or (method, path[, json body])."""
    if isinstance(use, str):
        return client.post(use)
    method, path, *body = use
    return client.request(method, path, json=body[0] if body else None)


@pytest.mark.parametrize("action", list(ACTIONS))
def test_each_limited_action_answers_429_with_retry_after(action, make_user, limits, frozen):
    arrange, setting = ACTIONS[action]
    me, (first, second) = arrange(make_user)
    limits(**{setting: 1})
    accepted = send(me, first)
    assert accepted.status_code in (200, 201), accepted.text

    response = send(me, second)

    assert_limited(response, LIMIT_NAMES.get(action, f"per_minute_{action}"), TO_NEXT_MINUTE)
    details = response.json()["error"]["details"]
    assert details["window"] == "minute" and details["max"] == 1


def test_a_refused_write_changes_nothing(make_user, limits, frozen):
    me, first, second = make_user("me"), make_user("a"), make_user("b")
    limits(follows_per_minute=1)
    me.post(f"/users/{first.handle}/follow")

    me.post(f"/users/{second.handle}/follow")

    assert me.me()["counts"]["following"] == 1
    assert second.me()["counts"]["followers"] == 0


# --- what spends a use ----------------------------------------------------------------


def test_a_repeated_follow_spends_nothing(make_user, limits, frozen):
    me, first, second = make_user("me"), make_user("a"), make_user("b")
    limits(follows_per_minute=2)
    me.post(f"/users/{first.handle}/follow")
    me.post(f"/users/{first.handle}/follow")

    response = me.post(f"/users/{second.handle}/follow")

    assert response.status_code == 200


def test_refused_follows_spend_nothing(make_user, limits, frozen):
    me, other = make_user("me"), make_user("other")
    limits(follows_per_minute=1)
    assert me.post("/users/nobody_here_at_all/follow").status_code == 404
    assert me.post(f"/users/{me.handle}/follow").status_code == 400

    response = me.post(f"/users/{other.handle}/follow")

    assert response.status_code == 200


def test_liking_twice_spends_one_use(make_user, limits, frozen):
    me, author = make_user("me"), make_user("author")
    post_id = new_post(author)
    limits(likes_per_minute=1)
    me.put(f"/posts/{post_id}/like")

    response = me.put(f"/posts/{post_id}/like")

    assert response.status_code == 200


def test_a_replayed_post_is_answered_at_the_limit(make_user, limits, frozen):
    me = make_user("me")
    body = {"media_ids": [ready(me)]}
    limits(posts_per_minute=1)
    first = me.post("/posts", json=body, headers={"Idempotency-Key": "once"})

    again = me.post("/posts", json=body, headers={"Idempotency-Key": "once"})

    assert again.status_code == 201
    assert again.json()["post_id"] == first.json()["post_id"]


def test_a_repeated_story_view_spends_nothing(make_user, limits, frozen):
    me, author = make_user("me"), make_user("author")
    me.post(f"/users/{author.handle}/follow")
    story_id = new_story(author)
    limits(story_views_per_minute=1)
    me.post(f"/stories/{story_id}/view")

    response = me.post(f"/stories/{story_id}/view")

    assert response.status_code == 200


# --- exact under concurrency ------------------------------------------------------------


def test_n_plus_one_concurrent_follows_accept_exactly_n(make_user, limits, frozen):
    me = make_user("me")
    targets = [make_user(f"t{n}") for n in range(6)]
    limits(follows_per_minute=5)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda t: me.post(f"/users/{t.handle}/follow"), targets))

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] * 5 + [429], [r.text for r in responses]
    assert me.me()["counts"]["following"] == 5


def test_n_plus_one_concurrent_comments_accept_exactly_n_a_day(make_user, limits, frozen):
    me, author = make_user("me"), make_user("author")
    post_id = new_post(author)
    limits(comments_per_day=5)

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(
            pool.map(
                lambda n: me.post(f"/posts/{post_id}/comments", json={"text": f"c{n}"}), range(6)
            )
        )

    assert sorted(r.status_code for r in responses) == [201] * 5 + [429]
    (refused,) = [r for r in responses if r.status_code == 429]
    assert_limited(refused, "daily_comments", TO_MIDNIGHT)
    assert len(author.get(f"/posts/{post_id}/comments").json()["items"]) == 5


# --- windows reset on the clock -----------------------------------------------------------


def test_the_minute_window_reopens_at_the_next_minute(make_user, limits, frozen):
    me, first, second = make_user("me"), make_user("a"), make_user("b")
    limits(follows_per_minute=1)
    me.post(f"/users/{first.handle}/follow")
    assert me.post(f"/users/{second.handle}/follow").status_code == 429
    frozen.advance(timedelta(seconds=TO_NEXT_MINUTE))

    response = me.post(f"/users/{second.handle}/follow")

    assert response.status_code == 200


def test_the_day_window_stays_shut_until_midnight_utc(make_user, limits, frozen):
    me, first, second = make_user("me"), make_user("a"), make_user("b")
    limits(follows_per_day=1)
    me.post(f"/users/{first.handle}/follow")
    frozen.advance(timedelta(minutes=5))

    response = me.post(f"/users/{second.handle}/follow")

    assert_limited(response, "daily_follows", TO_MIDNIGHT - 300)
    frozen.advance(timedelta(seconds=TO_MIDNIGHT - 300))
    assert me.post(f"/users/{second.handle}/follow").status_code == 200


def test_a_full_day_answers_the_day_even_when_the_minute_is_full_too(make_user, limits, frozen):
    me, first, second = make_user("me"), make_user("a"), make_user("b")
    limits(follows_per_minute=1, follows_per_day=1)
    me.post(f"/users/{first.handle}/follow")

    response = me.post(f"/users/{second.handle}/follow")

    assert_limited(response, "daily_follows", TO_MIDNIGHT)


# --- per account --------------------------------------------------------------------------


def test_my_limit_does_not_limit_you(make_user, limits, frozen):
    me, you = make_user("me"), make_user("you")
    first, second = make_user("a"), make_user("b")
    limits(follows_per_minute=1)
    me.post(f"/users/{first.handle}/follow")
    assert me.post(f"/users/{second.handle}/follow").status_code == 429

    response = you.post(f"/users/{second.handle}/follow")

    assert response.status_code == 200


def test_each_action_has_its_own_limit(make_user, limits, frozen):
    me, author = make_user("me"), make_user("author")
    post_id = new_post(author)
    limits(follows_per_minute=1)
    me.post(f"/users/{author.handle}/follow")

    response = me.put(f"/posts/{post_id}/like")

    assert response.status_code == 200


# --- the counter item and the metric -------------------------------------------------


def stored_item(user_id: str, action: str) -> dict:
    """The counter item as stored, undeclared minute counters included."""
    pk, sk = keys.limit_key(user_id, action, keys.day_of(START))
    return LimitRow._get_connection().get_item(pk, range_key=sk, consistent_read=True)["Item"]


def test_a_use_sweeps_the_minute_counters_of_the_hour_before_it(make_user, frozen):
    me = make_user("me")
    for _ in range(20):  # a use every 7 minutes for 2 hours and 20 minutes
        limits_service.transact(me.user_id, "like", lambda tx: None)
        frozen.advance(timedelta(minutes=7))

    item = stored_item(me.user_id, "like")

    assert item["uses"] == {"N": "20"}
    assert [name for name in item if name.startswith("m")] == ["m1413"]


def test_a_refusal_counts_rate_limited_by_action_and_limit(make_user, limits, frozen, capsys):
    me, first, second = make_user("me"), make_user("a"), make_user("b")
    limits(follows_per_minute=1)
    me.post(f"/users/{first.handle}/follow")
    emf = EmfLog(capsys)
    emf.clear()

    me.post(f"/users/{second.handle}/follow")

    assert emf.total("RateLimited", "social", action="follow", limit="per_minute_follows") == 1
    assert emf.total("Follows", "social") == 0
