"""A block reaches back: nobody can @mention across it, and each side's likes and
comments on the other's posts stop showing, to them and to everyone else, while
the counts stay the exact number of actions (docs/decisions.md §32)."""

import pytest

from tests.api.test_engagement import new_post


@pytest.fixture
def blocker_and_blocked(make_user):
    blocker, blocked = make_user("blocker"), make_user("blocked")
    assert blocker.post(f"/users/{blocked.handle}/block").status_code == 200
    return blocker, blocked


def handles(page):
    return [i["user"]["handle"] for i in page["items"]]


def comment_authors(client, post_id, **params):
    response = client.get(f"/posts/{post_id}/comments", params=params)
    assert response.status_code == 200, response.text
    return [c["author"]["handle"] for c in response.json()["items"]]


# --- mentions -------------------------------------------------------------------------


def test_a_blocked_user_cannot_mention_the_blocker_in_a_caption(blocker_and_blocked):
    blocker, blocked = blocker_and_blocked

    post_id = new_post(blocked, caption=f"look @{blocker.handle}")

    assert blocked.get(f"/posts/{post_id}").json()["mentions"] == []


def test_an_edited_caption_cannot_mention_across_a_block(blocker_and_blocked, make_user):
    blocker, blocked = blocker_and_blocked
    friend = make_user("friend")
    post_id = new_post(blocked)

    response = blocked.patch(
        f"/posts/{post_id}", json={"caption": f"@{blocker.handle} and @{friend.handle}"}
    )

    assert response.json()["mentions"] == [friend.handle]


def test_a_blocked_user_cannot_mention_the_blocker_in_a_comment(blocker_and_blocked, make_user):
    blocker, blocked = blocker_and_blocked
    post_id = new_post(make_user("host"))

    response = blocked.post(f"/posts/{post_id}/comments", json={"text": f"@{blocker.handle} hi"})

    assert response.status_code == 201, response.text
    assert response.json()["mentions"] == []


def test_the_blocker_cannot_mention_the_blocked_user_either(blocker_and_blocked):
    blocker, blocked = blocker_and_blocked

    post_id = new_post(blocker, caption=f"not you @{blocked.handle}")

    assert blocker.get(f"/posts/{post_id}").json()["mentions"] == []


# --- earlier likes and comments ------------------------------------------------------


@pytest.fixture
def engaged_then_blocked(make_user):
    """The author's post, liked and commented on by a fan and by a bystander; then the
    author blocks the fan."""
    author, fan, bystander = make_user("author"), make_user("fan"), make_user("bystander")
    post_id = new_post(author)
    for user in (fan, bystander):
        user.put(f"/posts/{post_id}/like")
        user.post(f"/posts/{post_id}/comments", json={"text": f"from {user.handle}"})
    assert author.post(f"/users/{fan.handle}/block").status_code == 200
    return author, fan, bystander, post_id


def test_the_blocked_users_earlier_likes_and_comments_leave_the_blockers_post(
    engaged_then_blocked,
):
    author, _fan, bystander, post_id = engaged_then_blocked

    likers = author.get(f"/posts/{post_id}/likes").json()

    assert handles(likers) == [bystander.handle]
    assert comment_authors(author, post_id) == [bystander.handle]


def test_they_leave_it_for_everyone_else_too(engaged_then_blocked, make_user):
    _author, _fan, bystander, post_id = engaged_then_blocked

    likers = bystander.get(f"/posts/{post_id}/likes").json()

    assert handles(likers) == [bystander.handle]
    assert comment_authors(bystander, post_id) == [bystander.handle]
    assert comment_authors(make_user("visitor"), post_id) == [bystander.handle]


def test_counts_stay_the_number_of_actions(engaged_then_blocked):
    author, _fan, _bystander, post_id = engaged_then_blocked

    counts = author.get(f"/posts/{post_id}").json()["counts"]

    assert (counts["likes"], counts["comments"]) == (2, 2)


def test_the_blockers_likes_and_comments_leave_the_blocked_users_post(make_user):
    author, fan, bystander = make_user("author"), make_user("fan"), make_user("bystander")
    post_id = new_post(fan)
    author.put(f"/posts/{post_id}/like")
    author.post(f"/posts/{post_id}/comments", json={"text": "from the author"})

    author.post(f"/users/{fan.handle}/block")

    assert handles(fan.get(f"/posts/{post_id}/likes").json()) == []
    assert comment_authors(fan, post_id) == []
    assert comment_authors(bystander, post_id) == []


def test_unblocking_shows_them_again(engaged_then_blocked):
    author, fan, bystander, post_id = engaged_then_blocked

    author.delete(f"/users/{fan.handle}/block")

    assert set(handles(author.get(f"/posts/{post_id}/likes").json())) == {
        fan.handle,
        bystander.handle,
    }
    assert comment_authors(author, post_id) == [fan.handle, bystander.handle]


def test_filtered_pages_are_shorter_but_the_cursor_still_reaches_the_end(make_user):
    author, blocked = make_user("author"), make_user("blocked")
    others = [make_user(f"fan{i}") for i in range(2)]
    post_id = new_post(author)
    for user in (others[0], blocked, others[1]):
        user.put(f"/posts/{post_id}/like")
        user.post(f"/posts/{post_id}/comments", json={"text": "hi"})
    author.post(f"/users/{blocked.handle}/block")

    liker_pages: list[list[dict]] = []
    comment_pages: list[list[dict]] = []
    for path, pages in (
        (f"/posts/{post_id}/likes", liker_pages),
        (f"/posts/{post_id}/comments", comment_pages),
    ):
        cursor = None
        for _ in range(6):  # bounded: 3 items, one a page, and the last page's null cursor
            params = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            body = author.get(path, params=params).json()
            pages.append(body["items"])
            cursor = body["next_cursor"]
            if cursor is None:
                break

    assert [len(p) for p in liker_pages] == [1, 0, 1]
    assert [i["user"]["handle"] for p in liker_pages for i in p] == [
        others[1].handle,
        others[0].handle,
    ]
    assert [len(p) for p in comment_pages] == [1, 0, 1]
    assert [c["author"]["handle"] for p in comment_pages for c in p] == [
        others[0].handle,
        others[1].handle,
    ]
