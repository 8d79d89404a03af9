"""How much each hashtag is used, kept from the table stream: one update per tag per
batch on the tag's stats item (in the tag's own partition), however many posts the
batch tags, so a viral tag costs a write per batch, not per post.

Each stats item holds the exact number of posts with the tag and a forward-decayed
sum of their uses (Cormode et al. 2009: a use at time t weighs 2^((t - L) / H) for a
fixed landmark L and half-life H), which ranks tags by recent use exactly without
ever being rewritten as time passes; a removed post subtracts what it added.

The batch's updates are idempotent under re-delivery: each is conditional on the
stats item's last applied stream sequence number being older than the batch's newest
change of that tag. A tag's entries and stats share a partition key, so one stream
shard orders all of them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from photogram import changes, clock, metrics
from photogram.posts import keys
from photogram.posts import repository as repo

LANDMARK = datetime(2026, 1, 1, tzinfo=UTC)
HALF_LIFE_DAYS = 30


def decayed_weight(at: str) -> float:
    """The weight of a use at `at` (ISO-8601), in units of a use at the landmark."""
    moment = clock.parse(at)
    return float(2 ** ((moment - LANDMARK).total_seconds() / (HALF_LIFE_DAYS * 86400)))


@changes.consumes_batch("hashtag_post")
def count_uses(batch: list[changes.Change]) -> None:
    uses: dict[str, list[float]] = {}
    newest: dict[str, str] = {}
    for change in batch:
        if change.event == "MODIFY":
            continue  # entries never change; a caption edit removes and adds them
        tag = keys.tag_of(str(change.item["PK"]))
        created_at = str(change.item["SK"]).split("#", 1)[0]
        sign = 1 if change.event == "INSERT" else -1
        count = uses.setdefault(tag, [0, 0.0])
        count[0] += sign
        count[1] += sign * decayed_weight(created_at)
        newest[tag] = max(newest.get(tag, ""), change.sequence)
    skipped = 0
    for tag, (posts, recent) in uses.items():
        if not repo.add_tag_uses(tag, int(posts), recent, newest[tag]):
            skipped += 1
    metrics.count("HashtagStatsReplayed", skipped)
