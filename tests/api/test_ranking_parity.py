"""Feature parity: the simulator's training rows equal what the feed computes from
the aggregates as stored (an affinity item, a stats item) for the same events."""

import uuid
from typing import Any

import pytest

from models.ranking.simulate import Config, simulate
from photogram import clock
from photogram.feed import aggregates, keys, repository
from photogram.feed.features import candidate_features
from photogram.feed.repository import AffinityRow
from photogram.posts import keys as post_keys
from photogram.posts import repository as posts_repo
from photogram.posts.repository import PostStatsRow


def stored(trace):
    """Write one impression's aggregates as the stream consumers would, read them back
    as the feed does."""
    viewer, post_id = f"sim-{uuid.uuid4().hex}", f"SIM{uuid.uuid4().hex}"

    def edit(row: AffinityRow) -> bool:
        row.events = trace["events"]
        return True

    repository.rewrite(AffinityRow, keys.affinity_key(viewer), edit)
    PostStatsRow(
        *post_keys.stats_key(post_id),
        post_id=post_id,
        author_id="a",
        created_at=trace["ref"]["created_at"],
        shards={},
    ).save()
    t = trace["totals"]
    posts_repo.set_stat_shards(post_id, {"0": [t["likes"], t["comments"], t["saves"]]})
    affinity = repository.read_many([keys.affinity_key(viewer)])[keys.affinity_key(viewer)]
    return affinity, repository.stats([post_id])[post_id].totals()


def test_training_rows_equal_the_serving_features_from_stored_aggregates(runtime):
    traces: list[dict[str, Any]] = []
    simulate(Config(users=150, days=4, sessions_per_day=3, seed=3), trace=traces, trace_every=97)
    traced = [t for t in traces if t["events"]][:15]
    assert len(traced) >= 5

    for trace in traced:
        affinity, totals = stored(trace)
        with clock.FrozenClock(trace["now"]):
            served = candidate_features(
                aggregates.interests(affinity), trace["ref"], totals, clock.now()
            )
        assert served.row() == pytest.approx(trace["row"], rel=1e-9), trace["ref"]
