"""Search use cases. The engine finds candidates (the best WINDOW matches); this
module orders them by the rules below, pages through them with signed cursors, and
applies the social rules from the table on every page, so a block or a deleted
account never shows even before the index has caught up:

users: the exact handle first; then accounts I follow; then accounts followed by
people I follow (more of them first); within each, a prefix match before a typo
match, then more followers first. Users blocked either way never appear. Private
accounts appear as profiles (their posts never surface in hashtag or place results).

hashtags: the exact tag first, then by recent use (forward-decayed), then post count.
places: nearest first when I give a position, else as hashtags.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from photogram.adapters.search import Hit, Near, search_index
from photogram.adapters.search.text import compact, fold, words
from photogram.errors import PhotogramError
from photogram.pagination import PageRequest, cursors
from photogram.search.models import (
    HashtagResult,
    HashtagResults,
    PlaceResult,
    PlaceResults,
    SearchTop,
    UserCard,
    UserResults,
)
from photogram.social import service as social
from photogram.users import service as users

# How many matches a query considers: pages walk these, best first.
WINDOW = 50
# How many of each kind `GET /search` shows.
TOP = 5
# How many of my followees social proximity looks at.
FOLLOWEES_CONSIDERED = 1000
MAX_QUERY = 64

T = TypeVar("T")


class Unprocessable(PhotogramError):
    status = 422


def clean_query(q: str) -> str:
    """The query as searched: trimmed, a leading `@` or `#` dropped. Raises 422
    invalid_request when nothing is left, or when it is too long."""
    query = q.strip().lstrip("@#").strip()
    if not query or not compact(query):
        raise Unprocessable(
            "invalid_request",
            "Type something to search for.",
            [{"loc": ["query", "q"], "type": "empty_query", "msg": "q is empty"}],
        )
    if len(query) > MAX_QUERY:
        raise Unprocessable(
            "invalid_request",
            f"A search is at most {MAX_QUERY} characters.",
            [{"loc": ["query", "q"], "type": "string_too_long", "msg": "q is too long"}],
        )
    return query


def _page(items: Sequence[T], page: PageRequest, scope: str) -> tuple[list[T], str | None]:
    start = cursors().open(page.cursor, scope)
    offset = int((start or {}).get("o", 0))
    chosen = list(items[offset : offset + page.limit])
    end = offset + page.limit
    return chosen, cursors().seal({"o": end} if end < len(items) else None, scope)


def _is_prefix_match(query: str, hit: Hit) -> bool:
    """Whether the hit matched without a typo: its handle (separators dropped) starts
    with the query, or each query word starts a word of its name."""
    if compact(str(hit.doc.get("handle", ""))).startswith(compact(query)):
        return True
    query_words, name_words = words(query), words(str(hit.doc.get("name", "")))
    return bool(query_words) and all(any(n.startswith(w) for n in name_words) for w in query_words)


def rank_users(query: str, hits: list[Hit], friends: dict[str, int]) -> list[Hit]:
    exact = fold(query)

    def order(hit: Hit) -> tuple[int, int, int, int, int, str]:
        known = friends.get(hit.doc_id, 0)
        tier = 0 if hit.followed else (1 if known else 2)
        return (
            0 if fold(str(hit.doc.get("handle", ""))) == exact else 1,
            tier,
            0 if _is_prefix_match(query, hit) else 1,
            -known,
            -int(hit.doc.get("follower_count", 0)),
            str(hit.doc.get("handle", "")),
        )

    return sorted(hits, key=order)


def user_cards(viewer_id: str, hits: list[Hit]) -> list[UserCard]:
    """The profile cards of `hits` as the viewer sees them, from the table (one
    BatchGetItem of profiles and relationship items): gone and blocked users dropped."""
    states = social.relations_among(viewer_id, [h.doc_id for h in hits])
    cards = []
    for hit in hits:
        state = states.get(hit.doc_id)
        if state is None or state.target is None:
            continue
        profile = state.target
        cards.append(
            UserCard(
                user_id=profile.user_id,
                handle=profile.handle,
                display_name=profile.display_name,
                is_private=profile.is_private,
                avatar=users.avatar_out(profile),
                follower_count=int(profile.follower_count),
                relationship=social.relationship(viewer_id, profile.user_id, state),
            )
        )
    return cards


def _ranked_users(viewer_id: str, query: str) -> list[Hit]:
    index = search_index()
    followees = index.following(viewer_id, FOLLOWEES_CONSIDERED)
    hits = index.users(query, followees, WINDOW)
    if not hits:
        return []
    friends = index.followed_by(followees, [h.doc_id for h in hits])
    return rank_users(query, hits, friends)


def search_users(viewer_id: str, q: str, page: PageRequest) -> UserResults:
    query = clean_query(q)
    scope = f"SEARCH:users:{viewer_id}:{fold(query)}"
    chosen, next_cursor = _page(_ranked_users(viewer_id, query), page, scope)
    return UserResults(items=user_cards(viewer_id, chosen), next_cursor=next_cursor)


def _hashtag_hits(query: str) -> list[Hit]:
    return search_index().hashtags(query, WINDOW)


def _hashtag(hit: Hit) -> HashtagResult:
    return HashtagResult(tag=hit.doc_id, post_count=int(hit.doc.get("post_count", 0)))


def search_hashtags(viewer_id: str, q: str, page: PageRequest) -> HashtagResults:
    query = clean_query(q)
    scope = f"SEARCH:hashtags:{viewer_id}:{fold(query)}"
    chosen, next_cursor = _page(_hashtag_hits(query), page, scope)
    return HashtagResults(items=[_hashtag(h) for h in chosen], next_cursor=next_cursor)


def near(lat: float | None, lng: float | None) -> Near | None:
    """The position places are ranked from: both coordinates or neither (422)."""
    if lat is None and lng is None:
        return None
    if lat is None or lng is None:
        missing = "lat" if lat is None else "lng"
        raise Unprocessable(
            "invalid_request",
            "Give both lat and lng, or neither.",
            [{"loc": ["query", missing], "type": "missing", "msg": f"{missing} is missing"}],
        )
    return Near(lat, lng)


def _place_hits(query: str, position: Near | None) -> list[Hit]:
    return search_index().places(query, position, WINDOW)


def _place(hit: Hit) -> PlaceResult:
    doc = hit.doc
    return PlaceResult(
        place_id=hit.doc_id,
        name=str(doc["name"]),
        lat=float(doc["lat"]),
        lng=float(doc["lng"]),
        post_count=int(doc.get("post_count", 0)),
        distance_km=None if hit.distance_km is None else round(hit.distance_km, 3),
    )


def search_places(
    viewer_id: str, q: str, lat: float | None, lng: float | None, page: PageRequest
) -> PlaceResults:
    query = clean_query(q)
    position = near(lat, lng)
    scope = f"SEARCH:places:{viewer_id}:{fold(query)}:{position}"
    chosen, next_cursor = _page(_place_hits(query, position), page, scope)
    return PlaceResults(items=[_place(h) for h in chosen], next_cursor=next_cursor)


def search_top(
    viewer_id: str, q: str, lat: float | None = None, lng: float | None = None
) -> SearchTop:
    query = clean_query(q)
    position = near(lat, lng)
    return SearchTop(
        users=user_cards(viewer_id, _ranked_users(viewer_id, query)[:TOP]),
        hashtags=[_hashtag(h) for h in _hashtag_hits(query)[:TOP]],
        places=[_place(h) for h in _place_hits(query, position)[:TOP]],
    )
