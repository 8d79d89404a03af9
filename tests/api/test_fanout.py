"""Fan-out on write through the table's stream: followers' timelines get each post
once (even when a batch is delivered again); a celebrity's post is one write."""

import io

import pytest
from PIL import Image

from photogram.feed import repository as feed
from photogram.settings import settings
from tests.support import eventually, upload


def publish(client):
    out = io.BytesIO()
    Image.new("RGB", (200, 160), (40, 80, 120)).save(out, "JPEG")
    media = upload(client, out.getvalue(), "image/jpeg")
    return client.post("/posts", json={"media_ids": [media["media_id"]]}).json()["post_id"]


def entries(user_id, post_id):
    return [t for t in feed.timeline(user_id, 100) if t.post_id == post_id]


@pytest.fixture
def author_with_fans(make_user):
    author = make_user("author")
    fans = [make_user(f"fan{i}") for i in range(4)]
    for fan in fans:
        fan.post(f"/users/{author.handle}/follow")
    return author, fans


def test_each_follower_gets_the_post_once(author_with_fans, make_user):
    author, fans = author_with_fans
    outsider = make_user("outsider")

    post_id = publish(author)

    assert eventually(lambda: all(len(entries(f.user_id, post_id)) == 1 for f in fans))
    assert entries(outsider.user_id, post_id) == []


def test_a_redelivered_batch_writes_nothing_twice(runtime, author_with_fans):
    author, fans = author_with_fans
    pool = runtime.pools["streams"]
    delivered = []
    original = pool.invoke

    def recording(event):
        delivered.append(event)
        return original(event)

    pool.invoke = recording
    try:
        post_id = publish(author)
        assert eventually(lambda: all(entries(f.user_id, post_id) for f in fans))
    finally:
        pool.invoke = original
    batch = next(
        e
        for e in delivered
        if any(
            r["eventName"] == "INSERT"
            and r["dynamodb"]["NewImage"].get("type", {}).get("S") == "post"
            for r in e["Records"]
        )
    )

    result = pool.invoke(batch)

    assert result == {"batchItemFailures": []}
    assert all(len(entries(f.user_id, post_id)) == 1 for f in fans)


def test_deleting_a_post_takes_it_out_of_timelines(author_with_fans):
    author, fans = author_with_fans
    post_id = publish(author)
    assert eventually(lambda: all(entries(f.user_id, post_id) for f in fans))

    author.delete(f"/posts/{post_id}")

    assert eventually(lambda: all(entries(f.user_id, post_id) == [] for f in fans))


def test_a_celebrity_post_is_one_write_not_one_per_follower(author_with_fans, monkeypatch):
    author, fans = author_with_fans
    monkeypatch.setenv("PHOTOGRAM_FANOUT_MAX_FOLLOWERS", "3")
    settings.cache_clear()
    try:
        post_id = publish(author)

        assert eventually(lambda: author.user_id in {c.author_id for c in feed.celebrities()})
    finally:
        monkeypatch.undo()
        settings.cache_clear()
    assert all(entries(f.user_id, post_id) == [] for f in fans)
