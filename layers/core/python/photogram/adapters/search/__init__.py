"""The search engine behind one interface, `SearchIndex`: OpenSearch through
opensearch-py (Amazon OpenSearch Serverless on AWS, osmem-server locally) or, where
osmem has no build, an embedded SQLite index (`sqlite.py`). The search domain and the
stream consumer call `search_index()` and never ask which engine they have.

Four indexes, each a document per id:
- users: `{handle, name, follower_count, is_private}` by user id;
- follows: `{follower, followee}` by `<follower>:<followee>` (social proximity);
- hashtags: `{tag, post_count, recent}` by tag;
- places: `{name, lat, lng, post_count, recent}` by place id.

Writes carry the document's version from the item it comes from; an engine applies
a write only over an older version (OpenSearch's external versioning), so a
re-delivered or reordered stream batch never puts an older document back, and a
removal leaves a tombstone that blocks older writes.

What a query means is the same in every engine (tests/unit/test_search_index.py runs
one contract suite against each); `text.py` holds the folding both use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal, Protocol

from photogram.errors import PhotogramError
from photogram.settings import settings

Index = Literal["users", "follows", "hashtags", "places"]
INDEXES: tuple[Index, ...] = ("users", "follows", "hashtags", "places")


@dataclass(frozen=True)
class Put:
    index: Index
    doc_id: str
    version: int
    doc: dict[str, Any]


@dataclass(frozen=True)
class Remove:
    index: Index
    doc_id: str
    version: int


Write = Put | Remove


@dataclass(frozen=True)
class Written:
    applied: int
    # Writes refused because the engine holds that version or a newer one.
    stale: int


@dataclass(frozen=True)
class Hit:
    doc_id: str
    doc: dict[str, Any]
    # Users: one of the followees the query was given.
    followed: bool = False
    # Places near a position: kilometres from it.
    distance_km: float | None = None


@dataclass(frozen=True)
class Near:
    lat: float
    lng: float


class SearchIndex(Protocol):
    def prepare(self) -> None:
        """Create the indexes that are missing (idempotent)."""

    def reset(self) -> None:
        """Drop every index and create them empty (`make reindex`, tests)."""

    def write(self, writes: Sequence[Write]) -> Written:
        """Apply `writes` (in order), each only over an older version of its document."""

    def users(self, query: str, followees: Sequence[str], size: int) -> list[Hit]:
        """Up to `size` users matching `query` as typed: the handle exactly, a prefix
        of the handle without separators, a prefix of every query word in the name,
        or, only when those are fewer than `size`, either with one typo from
        `text.TYPO_FROM` characters on (typos rescue a query that finds little; they
        are the costly part of a query, and never outrank a prefix). The exact handle
        and the viewer's `followees` (from `following`) come first, then the engine's
        relevance, then follower count; `Hit.followed` marks the followees."""

    def following(self, user_id: str, size: int) -> list[str]:
        """Whom `user_id` follows, per the follows index (any order, at most `size`)."""

    def followed_by(self, followers: Sequence[str], among: Sequence[str]) -> dict[str, int]:
        """For each user in `among`, how many of `followers` follow them (absent: 0)."""

    def hashtags(self, query: str, size: int) -> list[Hit]:
        """Tags starting with `query` (folded, without `#`), the exact tag first, then
        by `recent` and `post_count`, both descending."""

    def places(self, query: str, near: Near | None, size: int) -> list[Hit]:
        """Places whose name has a word starting with each query word; nearest first
        when `near` is given, else by `recent` and `post_count`."""


class SearchUnavailable(PhotogramError):
    """This deployment has no search engine (`search=off`)."""

    status = 503

    def __init__(self) -> None:
        super().__init__("search_unavailable", "Search is not available here.")


class _Off:
    """The engine of a deployment without search: every call says so."""

    def __getattr__(self, name: str) -> Any:
        raise SearchUnavailable()


def search_enabled() -> bool:
    """Whether this deployment has a search engine (stream consumers skip indexing
    where it has none)."""
    return settings().search_engine != "off"


@cache
def search_index() -> SearchIndex:
    """The engine this deployment's settings name, made once per process."""
    config = settings()
    if config.search_engine == "opensearch":
        from photogram.adapters.search.opensearch import OpenSearchIndex

        return OpenSearchIndex.from_settings(config)
    if config.search_engine == "sqlite":
        from photogram.adapters.search.sqlite import SqliteIndex

        return SqliteIndex(config.search_sqlite_path or ":memory:")
    return _Off()
