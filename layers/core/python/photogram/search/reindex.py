"""Rebuild the search indexes from the table (`make reindex`; on AWS, the search-setup
function invoked with `{"reindex": {...}}`, docs/deploy.md): after a mapping change,
or to recover an engine that lost its data. It scans the table for profiles, follows,
hashtag stats and places and writes their documents, with their versions, in bulk.

A rebuild that resets first leaves search empty until it is done (about a second
per 10,000 documents locally); one that does not, rewrites every document over
what is there, and the engine refuses none of them for its version only where the
item changed meanwhile (then the stream wrote the newer one). Large tables rebuild
in segments of a parallel scan, one invocation each, the first with reset.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from photogram import db
from photogram.adapters.search import SearchIndex, Write, search_index
from photogram.posts.repository import HashtagStatsRow, PlaceRow
from photogram.search import documents
from photogram.social.repository import FollowingRow
from photogram.users.repository import ProfileRow

# Documents per bulk request.
CHUNK = 500
KINDS: tuple[type[db.Row], ...] = (ProfileRow, FollowingRow, HashtagStatsRow, PlaceRow)


def document_of(row: db.Row) -> Write:
    if isinstance(row, ProfileRow):
        return documents.user_document(row)
    if isinstance(row, FollowingRow):
        return documents.follow_document(row)
    if isinstance(row, HashtagStatsRow):
        return documents.hashtag_document(row)
    if isinstance(row, PlaceRow):
        return documents.place_document(row)
    raise TypeError(f"no search document for {type(row).__name__}")


def _chunks(writes: Iterable[Write]) -> Iterator[list[Write]]:
    chunk: list[Write] = []
    for write in writes:
        chunk.append(write)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rebuild(
    *,
    reset: bool = True,
    segment: int = 0,
    total_segments: int = 1,
    index: SearchIndex | None = None,
) -> dict[str, int]:
    """Write every document from one segment of the table (all of it by default) to
    `index` (this deployment's engine by default), after dropping and re-creating
    the indexes if `reset`. Returns how many documents of each index were written,
    and how many of them the engine refused as stale."""
    index = index or search_index()
    if reset:
        index.reset()
    else:
        index.prepare()
    written: Counter[str] = Counter()
    rows = db.scan(KINDS, segment=segment, total_segments=total_segments)
    for chunk in _chunks(document_of(row) for row in rows):
        result = index.write(chunk)
        written.update(w.index for w in chunk)
        written["stale"] += result.stale
    return dict(written)
