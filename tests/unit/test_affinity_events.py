"""What a user's affinity item keeps: engagement and story views apart, each capped."""

from photogram.feed import features


def event(n, kind):
    return {"ref": f"{kind}{n}", "kind": kind, "author_id": "a", "hashtags": [], "at": float(n)}


def test_story_views_never_push_engagement_out():
    likes = [event(n, "like") for n in range(150)]
    views = [event(1000 + n, "story_view") for n in range(400)]

    kept = features.kept(likes + views)

    assert sum(e["kind"] == "like" for e in kept) == 150
    assert [e["ref"] for e in kept if e["kind"] == "story_view"] == [
        f"story_view{1000 + n}" for n in range(300, 400)
    ]
    assert [e["at"] for e in kept] == sorted(e["at"] for e in kept)


def test_the_latest_engagement_is_kept():
    kept = features.kept([event(n, "save") for n in range(250)])

    assert [e["ref"] for e in kept] == [f"save{n}" for n in range(50, 250)]
