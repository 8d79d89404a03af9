"""The stream consumer that keeps the search engine in step with the table.

For every profile, follow, hashtag's stats and place a batch touches, it reads the item as
it is now (a consistent read) and writes that, or its removal when the item is gone,
with the item's version. So a re-delivered or reordered batch writes the current state again,
never an older one, even where the engine cannot check versions; where it can
(osmem, SQLite, OpenSearch's external versions), an older write is refused as well.
Blocks and privacy need no re-indexing: search reads them from the table per query
(photogram.search.service), so they apply at once, not after the indexing delay.
"""

from __future__ import annotations

from photogram import changes, db, metrics
from photogram.adapters.search import Write, search_enabled, search_index
from photogram.posts import repository as posts_repo
from photogram.search import documents
from photogram.social import keys as social_keys
from photogram.social.repository import FollowingRow
from photogram.users.keys import profile_key
from photogram.users.repository import ProfileRow


@changes.consumes_batch("profile", "following", "hashtag_stats", "place")
def index_changes(batch: list[changes.Change]) -> None:
    if not search_enabled():
        return
    profiles: dict[str, changes.Change] = {}
    follows: dict[tuple[str, str], changes.Change] = {}
    tags: set[str] = set()
    places: set[str] = set()
    for change in batch:
        item = change.item
        if change.item_type == "profile":
            profiles[str(item["user_id"])] = change
        elif change.item_type == "following":
            follows[(str(item["owner_id"]), str(item["other_id"]))] = change
        elif change.item_type == "place":
            places.add(str(item["place_id"]))
        else:
            tags.add(str(item["tag"]))
    wanted = [profile_key(u) for u in profiles]
    wanted += [social_keys.following_key(a, b) for a, b in follows]
    found = db.batch_get(wanted, consistent=True)
    writes: list[Write] = []
    for user_id, change in profiles.items():
        row = found.get(profile_key(user_id))
        if isinstance(row, ProfileRow):
            writes.append(documents.user_document(row))
        else:
            writes.append(documents.user_removed(user_id, change.old or change.new))
    for (follower, followee), change in follows.items():
        row = found.get(social_keys.following_key(follower, followee))
        if isinstance(row, FollowingRow):
            writes.append(documents.follow_document(row))
        else:
            writes.append(documents.follow_removed(follower, followee, change.item))
    for stats in posts_repo.tag_stats(sorted(tags), consistent=True).values():
        writes.append(documents.hashtag_document(stats))
    for place in posts_repo.places(sorted(places), consistent=True).values():
        writes.append(documents.place_document(place))
    written = search_index().write(writes)
    metrics.count("SearchDocumentsWritten", written.applied)
    metrics.count("SearchDocumentsStale", written.stale)
