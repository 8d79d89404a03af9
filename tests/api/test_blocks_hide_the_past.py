"""A block reaches back: nobody can @mention across it (docs/decisions.md §32)."""

import pytest

from tests.api.test_engagement import new_post


@pytest.fixture
def blocker_and_blocked(make_user):
    blocker, blocked = make_user("blocker"), make_user("blocked")
    assert blocker.post(f"/users/{blocked.handle}/block").status_code == 200
    return blocker, blocked


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
