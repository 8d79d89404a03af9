"""Notifications: written by the stream consumer, grouped, pushed live, read and
marked seen by their recipient only."""

import threading
from datetime import timedelta
from unittest import mock

import pytest

from photogram import clock
from photogram.notifications import repository as notes_repo
from photogram.notifications.consumer import GROUP_WINDOW
from tests.support import LiveSocket, error_code, publish


@pytest.fixture
def settle(runtime):
    """Wait until the stream consumer has seen everything written so far."""

    def wait() -> None:
        assert runtime.streams.wait_idle(60)

    return wait


def inbox(client, **params):
    response = client.get("/me/notifications", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def kinds(client):
    return [(n["kind"], [a["handle"] for a in n["actors"]]) for n in inbox(client)["items"]]


def test_a_like_reaches_my_open_socket_and_my_inbox(make_user, info, settle):
    alice, bob = make_user("alice"), make_user("bob")
    post_id = publish(alice, "sunset")

    with LiveSocket(info, alice.token) as socket:
        bob.put(f"/posts/{post_id}/like")
        pushed = socket.next_of("notification")

    settle()
    (entry,) = inbox(alice)["items"]
    assert pushed["notification"]["notification_id"] == entry["notification_id"]
    assert pushed["is_new"] is True
    assert entry["kind"] == "like" and entry["is_unread"] is True
    assert [a["handle"] for a in entry["actors"]] == [bob.handle]
    assert entry["post"]["post_id"] == post_id
    assert entry["post"]["thumbnail"]["url"].startswith(info["api_url"] + "/cdn/")
    assert alice.get("/me/notifications/unread-count").json() == {"count": 1, "display": "1"}


def test_likes_of_one_post_group_with_others_counted_exactly(make_user, settle):
    alice = make_user("alice")
    post_id = publish(alice)
    fans = [make_user(f"fan{i}") for i in range(5)]

    for fan in fans:
        assert fan.put(f"/posts/{post_id}/like").status_code == 200
    settle()

    (entry,) = inbox(alice)["items"]
    assert [a["handle"] for a in entry["actors"]] == [f.handle for f in fans[::-1][:3]]
    assert entry["others_count"] == 2
    outbox = notes_repo.outbox(alice.user_id)
    assert len(outbox) == 1 and outbox[0].title == f"{fans[0].handle} liked your post."


def test_likes_folded_in_one_batch_push_the_first_liker(make_user, runtime, settle):
    """Five likes the stream hands over in one batch still start the group with the
    first liker's name, as when each arrives in its own batch."""
    alice = make_user("alice")
    post_id = publish(alice)
    fans = [make_user(f"fan{i}") for i in range(5)]
    settle()
    entered, gate = threading.Event(), threading.Event()
    deliver = runtime.streams._deliver

    def held(records):
        entered.set()
        assert gate.wait(30)
        return deliver(records)

    with mock.patch.object(runtime.streams, "_deliver", held):
        # Something to hold the poller on, so every like is read in the next batch.
        assert alice.put("/me", json={"bio": "holding"}).status_code == 200
        assert entered.wait(30)
        for fan in fans:
            assert fan.put(f"/posts/{post_id}/like").status_code == 200
        gate.set()
        settle()

    (entry,) = inbox(alice)["items"]
    assert [a["handle"] for a in entry["actors"]] == [f.handle for f in fans[::-1][:3]]
    outbox = notes_repo.outbox(alice.user_id)
    assert len(outbox) == 1 and outbox[0].title == f"{fans[0].handle} liked your post."


def test_a_like_after_the_window_starts_a_new_group(make_user, settle):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    post_id = publish(alice)
    bob.put(f"/posts/{post_id}/like")
    settle()

    with clock.FrozenClock(clock.now() + GROUP_WINDOW + timedelta(minutes=1)):
        carol.put(f"/posts/{post_id}/like")
        settle()
        entries = inbox(alice)["items"]

    assert [[a["handle"] for a in e["actors"]] for e in entries] == [[carol.handle], [bob.handle]]
    # "carol and 1 other": the others come from the post's exact like count.
    assert entries[0]["others_count"] == 1


def test_an_unlike_takes_the_like_back(make_user, settle):
    alice, bob = make_user("alice"), make_user("bob")
    post_id = publish(alice)
    bob.put(f"/posts/{post_id}/like")
    settle()

    bob.delete(f"/posts/{post_id}/like")
    settle()

    assert inbox(alice)["items"] == []


def test_deleting_a_post_takes_its_notifications_and_their_unread_count(make_user, settle):
    alice, bob = make_user("alice"), make_user("bob")
    post_id = publish(alice)
    bob.put(f"/posts/{post_id}/like")
    bob.post(f"/posts/{post_id}/comments", json={"text": "nice"})
    settle()
    assert len(inbox(alice)["items"]) == 2

    alice.delete(f"/posts/{post_id}")
    settle()

    assert inbox(alice)["items"] == []
    assert alice.get("/me/notifications/unread-count").json()["count"] == 0


def test_my_own_like_and_comment_notify_nobody(make_user, settle):
    alice = make_user("alice")
    post_id = publish(alice)

    alice.put(f"/posts/{post_id}/like")
    alice.post(f"/posts/{post_id}/comments", json={"text": "me again"})
    settle()

    assert inbox(alice)["items"] == []


def test_comments_replies_and_mentions_reach_each_person_once(make_user, settle):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    post_id = publish(alice)

    comment = bob.post(f"/posts/{post_id}/comments", json={"text": f"wow @{carol.handle}"}).json()
    alice.post(
        f"/posts/{post_id}/comments", json={"text": "thanks", "reply_to": comment["comment_id"]}
    )
    settle()

    assert kinds(alice) == [("comment", [bob.handle])]
    assert kinds(carol) == [("mention", [bob.handle])]
    (reply,) = inbox(bob)["items"]
    assert reply["kind"] == "reply" and reply["comment"]["text"] == "thanks"


def test_a_caption_mention_notifies_and_editing_it_out_takes_it_back(make_user, settle):
    alice, bob = make_user("alice"), make_user("bob")

    post_id = publish(alice, f"with @{bob.handle}")
    settle()
    assert kinds(bob) == [("mention", [alice.handle])]

    alice.patch(f"/posts/{post_id}", json={"caption": "alone"})
    settle()
    assert kinds(bob) == []


def test_follows_group_and_an_approval_notifies_the_requester(make_user, settle):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    private = make_user("dora", is_private=True)

    bob.post(f"/users/{alice.handle}/follow")
    carol.post(f"/users/{alice.handle}/follow")
    bob.post(f"/users/{private.handle}/follow")
    settle()
    assert kinds(alice) == [("follow", [carol.handle, bob.handle])]
    assert kinds(private) == [("follow_request", [bob.handle])]

    private.post(f"/me/follow-requests/{bob.handle}/approve")
    settle()
    assert kinds(bob) == [("follow_accepted", [private.handle])]
    # Approved, the request is resolved; the owner is not told of their own approval.
    assert kinds(private) == []


def test_mutes_blocks_and_settings_keep_notifications_away(make_user, settle):
    alice = make_user("alice")
    muted, blocked, stranger, friend = (make_user(n) for n in ("mo", "bo", "stan", "fred"))
    post_id = publish(alice)
    alice.post(f"/users/{muted.handle}/mute")
    alice.post(f"/users/{friend.handle}/follow")
    assert alice.put("/me/notification-settings", json={"like": "following"}).json()["like"] == (
        "following"
    )
    blocked.put(f"/posts/{post_id}/like")
    settle()

    alice.post(f"/users/{blocked.handle}/block")
    for fan in (muted, stranger, friend):
        fan.put(f"/posts/{post_id}/like")
    settle()

    # Only the followed friend's like is heard; the earlier like by a user since
    # blocked is not shown.
    assert kinds(alice) == [("like", [friend.handle])]


def test_settings_can_turn_a_kind_off_and_refuse_unknown_values(make_user, settle):
    alice, bob = make_user("alice"), make_user("bob")

    response = alice.put("/me/notification-settings", json={"follow": "off"})
    bad = alice.put("/me/notification-settings", json={"follow": "sometimes"})
    unknown = alice.put("/me/notification-settings", json={"pokes": "off"})
    bob.post(f"/users/{alice.handle}/follow")
    settle()

    assert response.json()["follow"] == "off" and response.json()["like"] == "everyone"
    assert bad.status_code == 422 and unknown.status_code == 422
    assert alice.get("/me/notification-settings").json()["follow"] == "off"
    assert kinds(alice) == []


def test_seen_clears_the_count_until_the_group_grows(make_user, settle):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    post_id = publish(alice)
    bob.put(f"/posts/{post_id}/like")
    settle()

    seen = alice.post("/me/notifications/seen")
    after_seen = alice.get("/me/notifications/unread-count").json()
    carol.put(f"/posts/{post_id}/like")
    settle()

    assert seen.status_code == 200
    assert after_seen == {"count": 0, "display": "0"}
    assert alice.get("/me/notifications/unread-count").json()["count"] == 1
    assert inbox(alice)["items"][0]["is_unread"] is True


def test_the_unread_count_is_one_query_and_caps_at_99_plus(make_user):
    alice = make_user("alice")
    now = clock.iso()
    for n in range(120):
        key = notes_repo.keys.single_key(alice.user_id, "mention", f"post:p{n:03d}")
        row = notes_repo.new_entry(
            key,
            recipient_id=alice.user_id,
            notification_kind="mention",
            actor_ids=["x"],
            started_at=now,
            updated_at=now,
        )
        notes_repo.rewrite(key, None, lambda _, r=row: (r, True))  # type: ignore[misc]

    with mock.patch.object(notes_repo.Row.gsi1, "query", wraps=notes_repo.Row.gsi1.query) as q:
        from photogram.notifications import service

        count = service.unread_count(alice.user_id)

    assert q.call_count == 1
    assert count.model_dump() == {"count": 100, "display": "99+"}


def test_nobody_reads_or_marks_another_users_notifications(make_user, settle):
    alice, bob, mallory = make_user("alice"), make_user("bob"), make_user("mallory")
    for _ in range(3):
        bob.put(f"/posts/{publish(alice)}/like")
    settle()
    alices_page = inbox(alice, limit=1)

    stolen = mallory.get("/me/notifications", params={"cursor": alices_page["next_cursor"]})
    mallory.post("/me/notifications/seen")

    assert stolen.status_code == 400 and error_code(stolen) == "invalid_cursor"
    assert inbox(mallory)["items"] == []
    assert alice.get("/me/notifications/unread-count").json()["count"] == 3


def test_a_viral_posts_likes_rewrite_its_entry_once_a_minute_and_replays_nothing(make_user):
    from photogram import changes
    from photogram.notifications.consumer import HOT_COUNT, HOT_REWRITE, bucket
    from photogram.posts import repository as posts_repo
    from photogram.users.keys import profile_key
    from photogram.users.repository import ProfileRow
    from tests.support import unique_handle

    alice = make_user("alice")
    post_id = publish(alice)
    fans = [unique_handle("f") for _ in range(300)]
    # An hour into a 12-hour group window, so the 2.5 minutes stay within one group.
    start = clock.parse(bucket(clock.iso())) + timedelta(hours=1)
    with ProfileRow.batch_write() as batch:
        for fan in fans:
            batch.save(
                ProfileRow(*profile_key(fan), user_id=fan, handle=fan, created_at="", updated_at="")
            )

    def like(n: int, fan: str) -> changes.Change:
        # 300 likes over 2.5 minutes: 30 every 15 s, a stream batch each.
        at = clock.iso(start + timedelta(seconds=15 * (n // 30)))
        new = {"PK": f"LIKE#{post_id}#{fan}", "SK": "LIKE", "type": "like"}
        new |= {"post_id": post_id, "user_id": fan, "created_at": at}
        return changes.Change(event="INSERT", item_type="like", new=new, old=None)

    likes = [like(n, fan) for n, fan in enumerate(fans)]
    # The post's exact counters say how viral it is (the like transactions keep them).
    with mock.patch.object(posts_repo, "counts", return_value={post_id: {"likes": HOT_COUNT}}):
        for start_at in range(0, len(likes), 30):
            changes.dispatch_batch(likes[start_at : start_at + 30])
            # Delivered again, as a stream may: nothing more is written.
            changes.dispatch_batch(likes[start_at : start_at + 30])

    (entry,) = [
        r for r in notes_repo.newest(alice.user_id, 10) if isinstance(r, notes_repo.EntryRow)
    ]
    # Created by the first batch, then rewritten whenever HOT_REWRITE had passed since
    # the last write: at 60 s and at 120 s of the likes' own times.
    assert timedelta(seconds=60) == HOT_REWRITE
    assert entry.version == 3
    assert entry.actor_ids[:3] == fans[269:266:-1]


def test_a_deleted_reply_is_taken_back_after_its_parent_is_gone(make_user, settle):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    post_id = publish(alice)
    parent = bob.post(f"/posts/{post_id}/comments", json={"text": "first"}).json()
    reply = carol.post(
        f"/posts/{post_id}/comments", json={"text": "rude", "reply_to": parent["comment_id"]}
    ).json()
    settle()
    assert kinds(bob) == [("reply", [carol.handle])]

    bob.delete(f"/posts/{post_id}/comments/{parent['comment_id']}")
    carol.delete(f"/posts/{post_id}/comments/{reply['comment_id']}")
    settle()

    assert kinds(bob) == []


def test_a_deleted_comment_leaves_no_words_in_the_group(make_user, settle):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    post_id = publish(alice)
    carol.post(f"/posts/{post_id}/comments", json={"text": "lovely"})
    rude = bob.post(f"/posts/{post_id}/comments", json={"text": "ugly"}).json()
    settle()
    assert inbox(alice)["items"][0]["comment"]["text"] == "ugly"

    bob.delete(f"/posts/{post_id}/comments/{rude['comment_id']}")
    settle()

    (entry,) = inbox(alice)["items"]
    assert [a["handle"] for a in entry["actors"]] == [carol.handle]
    assert entry["comment"] is None


def test_an_entry_written_after_i_marked_seen_is_unread(make_user):
    from photogram import changes

    alice, bob = make_user("alice"), make_user("bob")
    post_id = publish(alice)
    liked_at = clock.iso()
    alice.post("/me/notifications/seen")
    # The like happened before the mark; the consumer writes it after.
    new = {"PK": f"LIKE#{post_id}#{bob.user_id}", "SK": "LIKE", "type": "like"}
    new |= {"post_id": post_id, "user_id": bob.user_id, "created_at": liked_at}

    changes.dispatch_batch([changes.Change(event="INSERT", item_type="like", new=new, old=None)])

    assert alice.get("/me/notifications/unread-count").json()["count"] == 1
    assert inbox(alice)["items"][0]["is_unread"] is True
