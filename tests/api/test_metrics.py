"""Business metrics: each use case that succeeds prints its EMF line (namespace
Photogram, the function as `service`), and one that changes nothing prints none."""

import io
import json
import random
import time

import pytest
from PIL import Image

from infra.resources import METRICS_NAMESPACE
from photogram.settings import settings
from tests.support import eventually, upload


class EmfLog:
    """The EMF documents printed to stdout so far (pytest's capsys), all threads'."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self._capsys = capsys
        self.documents: list[dict] = []

    def read(self) -> list[dict]:
        for line in self._capsys.readouterr().out.splitlines():
            if line.startswith('{"_aws"'):
                self.documents.append(json.loads(line))
        return self.documents

    def clear(self) -> None:
        self.read()
        self.documents = []

    def total(self, name: str, service: str, **dimensions: str) -> float:
        """The sum of `name` over documents with this service and these dimensions."""
        found = 0.0
        for document in self.read():
            (directive,) = document["_aws"]["CloudWatchMetrics"]
            if name not in [m["Name"] for m in directive["Metrics"]]:
                continue
            assert directive["Namespace"] == METRICS_NAMESPACE
            assert ["service"] in directive["Dimensions"]
            labels = {"service": service, **dimensions}
            if all(document.get(key) == value for key, value in labels.items()):
                value = document[name]
                found += sum(value) if isinstance(value, list) else value
        return found


@pytest.fixture
def emf(capsys):
    return EmfLog(capsys)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 120), (random.randrange(256), 60, 20)).save(out, "JPEG")
    return out.getvalue()


def new_post(client) -> str:
    media = upload(client, jpeg(), "image/jpeg")
    response = client.post("/posts", json={"media_ids": [media["media_id"]]})
    assert response.status_code == 201, response.text
    return response.json()["post_id"]


def test_an_upload_counts_started_and_ready(make_user, emf):
    owner = make_user("owner")

    media = upload(owner, jpeg(), "image/jpeg")

    assert media["status"] == "READY"
    assert emf.total("UploadsStarted", "media") == 1
    # The publish step prints when it returns, a moment after the item reads READY.
    assert eventually(lambda: emf.total("MediaReady", "media-publish") == 1)


def test_a_rejected_upload_counts_its_reason(make_user, emf):
    owner = make_user("owner")

    media = upload(owner, b"not an image at all", "image/jpeg")

    assert media["status"] == "REJECTED"
    reason = media["reason"]
    assert eventually(lambda: emf.total("MediaRejected", "media-reject", reason=reason) == 1)
    assert emf.total("MediaRejected", "media-reject") == 1
    assert emf.total("MediaReady", "media-publish") == 0


def test_a_like_counts_once(make_user, emf):
    author, fan = make_user("author"), make_user("fan")
    post_id = new_post(author)
    assert emf.total("PostsCreated", "posts") == 1
    fan.put(f"/posts/{post_id}/like")
    assert emf.total("Likes", "posts") == 1
    emf.clear()

    response = fan.put(f"/posts/{post_id}/like")

    assert response.status_code == 200
    assert emf.total("Likes", "posts") == 0


def test_a_replayed_post_creation_counts_one_post(make_user, emf):
    author = make_user("author")
    media = upload(author, jpeg(), "image/jpeg")
    body = {"media_ids": [media["media_id"]]}
    headers = {"Idempotency-Key": f"k-{time.monotonic_ns()}"}

    first = author.post("/posts", json=body, headers=headers)
    again = author.post("/posts", json=body, headers=headers)

    assert first.json()["post_id"] == again.json()["post_id"]
    assert emf.total("PostsCreated", "posts") == 1


def test_a_comment_and_a_follow_count(make_user, emf):
    author, fan = make_user("author"), make_user("fan")
    post_id = new_post(author)

    fan.post(f"/users/{author.handle}/follow")
    fan.post(f"/users/{author.handle}/follow")
    fan.post(f"/posts/{post_id}/comments", json={"text": "nice"})

    assert emf.total("Follows", "social") == 1
    assert emf.total("Comments", "posts") == 1


def test_a_story_view_counts_once(make_user, emf):
    author, fan = make_user("author"), make_user("fan")
    fan.post(f"/users/{author.handle}/follow")
    media = upload(author, jpeg(), "image/jpeg", purpose="story")
    story = author.post("/stories", json={"media_id": media["media_id"]})
    assert story.status_code == 201, story.text
    story_id = story.json()["story_id"]

    fan.post(f"/stories/{story_id}/view")
    fan.post(f"/stories/{story_id}/view")

    assert emf.total("StoriesPosted", "stories") == 1
    assert emf.total("StoriesViewed", "stories") == 1


def test_feed_pages_count_a_ranking_then_the_cache(make_user, emf):
    viewer = make_user("viewer")

    viewer.get("/feed")
    viewer.get("/feed")

    assert emf.total("FeedPages", "feed", source="rank") == 1
    assert emf.total("FeedPages", "feed", source="cache") == 1
    assert emf.total("FeedPages", "feed") == 2


def test_a_failing_ranker_counts_a_fallback_with_its_cause(make_user, emf, monkeypatch):
    viewer, author = make_user("viewer"), make_user("author")
    viewer.post(f"/users/{author.handle}/follow")
    monkeypatch.setenv("PHOTOGRAM_RANKER_ENDPOINT", "no-such-endpoint")
    settings.cache_clear()
    try:
        new_post(author)

        # The first page after fan-out brings the post ranks it anew, with the heuristic.
        assert eventually(lambda: viewer.get("/feed").json()["items"])
    finally:
        monkeypatch.undo()
        settings.cache_clear()

    assert emf.total("RankerFallbacks", "feed", cause="error") >= 1
    assert emf.total("RankerFallbacks", "feed", cause="timeout") == 0
    assert emf.total("RankerFallbacks", "feed") <= emf.total("FeedPages", "feed", source="rank")


def test_the_stream_consumer_counts_its_batches(make_user, emf):
    author = make_user("author")

    new_post(author)

    assert eventually(lambda: emf.total("StreamBatches", "streams") >= 1)
    assert emf.total("StreamRecords", "streams") >= 1
    assert emf.total("StreamRecordsFailed", "streams") == 0
