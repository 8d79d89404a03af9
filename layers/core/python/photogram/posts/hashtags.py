"""How much each hashtag and each place is used, kept from the table stream: one
update per tag (or place) per batch on the tag's stats item (in the tag's own
partition; for a place, the place item in its partition), however many posts the
batch tags, so a viral tag costs a write per batch, not per post.

Each stats item holds the exact number of posts with the tag and a forward-decayed
sum of their uses (Cormode et al. 2009: a use at time t weighs 2^((t - L) / H) for a
fixed landmark L and half-life H), which ranks tags by recent use exactly without
ever being rewritten as time passes; a removed post subtracts what it added.

The batch's updates are idempotent under re-delivery: each is conditional on the
stats item's last applied stream sequence number being older than the batch's newest
change of that tag. A tag's entries and stats share a partition key, so one stream
shard orders all of them (and so do a place's).
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


# What each kind of entry counts toward: how its partition names the tag or place,
# and how that one's uses are added.
_COUNTED = {
    "hashtag_post": (keys.tag_of, repo.add_tag_uses),
    "place_post": (keys.place_of, repo.add_place_uses),
}


@changes.consumes_batch(*_COUNTED)
def count_uses(batch: list[changes.Change]) -> None:
    uses: dict[tuple[str, str], list[float]] = {}
    newest: dict[tuple[str, str], str] = {}
    for change in batch:
        if change.event == "MODIFY":
            continue  # entries never change; a caption edit removes and adds them
        name_of, _ = _COUNTED[change.item_type]
        counted = (change.item_type, name_of(str(change.item["PK"])))
        created_at = str(change.item["SK"]).split("#", 1)[0]
        sign = 1 if change.event == "INSERT" else -1
        count = uses.setdefault(counted, [0, 0.0])
        count[0] += sign
        count[1] += sign * decayed_weight(created_at)
        newest[counted] = max(newest.get(counted, ""), change.sequence)
    skipped = 0
    for (item_type, name), (posts, recent) in uses.items():
        _, add_uses = _COUNTED[item_type]
        if not add_uses(name, int(posts), recent, newest[(item_type, name)]):
            skipped += 1
    metrics.count("HashtagStatsReplayed", skipped)
