"""Post use cases: create (idempotently), read, change, delete, and list by author
or hashtag, all through one visibility rule."""

from __future__ import annotations

import hashlib
from typing import Any

from photogram import clock, db, ids, metrics
from photogram.adapters import storage
from photogram.errors import Conflict, Forbidden, PhotogramError
from photogram.limits import service as limits
from photogram.media import keys as media_keys
from photogram.media import repository as media_repo
from photogram.media import service as media_service
from photogram.media.repository import POST_HOLDER, MediaRow
from photogram.pagination import PageRequest, cursors
from photogram.posts import keys, repository
from photogram.posts.errors import place_not_found, post_not_found
from photogram.posts.models import (
    MAX_MENTIONS,
    AuthorOut,
    CreatePostIn,
    HashtagOut,
    Location,
    PlaceDetailOut,
    PlaceOut,
    PostCounts,
    PostMediaOut,
    PostOut,
    PostPage,
    UpdatePostIn,
    ViewerState,
    parse_hashtags,
    parse_mentions,
)
from photogram.posts.places import nearby_ids
from photogram.posts.repository import HashtagRow, PlacePostRow, PostRow, PostStatsRow
from photogram.settings import settings
from photogram.social import repository as social_repo
from photogram.social import service as social
from photogram.users import keys as user_keys
from photogram.users import repository as users_repo
from photogram.users import service as users
from photogram.users.errors import profile_required
from photogram.users.repository import ProfileRow

IDEMPOTENCY_SECONDS = 24 * 3600


# --- visibility ------------------------------------------------------------------------


def visible_post(viewer_id: str, post_id: str) -> tuple[PostRow, ProfileRow]:
    post = repository.get(post_id)
    if post is None:
        raise post_not_found()
    state = social_repo.read_state(viewer_id, post.author_id)
    # 404, not 403: a private or blocked author's post must not be known to exist.
    if not social.can_see(viewer_id, state.target, state):
        raise post_not_found()
    return post, state.target  # type: ignore[return-value]


def visible_authors(viewer_id: str, author_ids: set[str]) -> dict[str, ProfileRow]:
    """The authors among `author_ids` whose posts the viewer may see, in one read."""
    return social.visible_among(viewer_id, author_ids)


# --- rendering ---------------------------------------------------------------------------


def render(viewer_id: str, posts: list[tuple[PostRow, ProfileRow]]) -> list[PostOut]:
    """Posts as the app shows them: counters summed from their shards and my like and
    save state, two reads for the whole page."""
    post_ids = [p.post_id for p, _ in posts]
    totals = repository.counts(post_ids)
    flags = repository.viewer_flags(viewer_id, post_ids)
    return [to_out(p, a, totals[p.post_id], flags[p.post_id]) for p, a in posts]


def render_refs(viewer_id: str, refs: list[tuple[str, str]]) -> list[PostOut]:
    """(post_id, author_id) references as the app shows them, in one read: the posts,
    their stats items, my like and save, and each author with whether I may see them
    (posts I may not see, or that are gone, are left out). Counts come from the stats
    items, which trail the exact shards by the stream's delay."""
    author_ids = {a for _, a in refs}
    wanted: dict[db.Key, tuple[str, str]] = dict(social_repo.visibility_keys(viewer_id, author_ids))
    for post_id, _ in refs:
        wanted[keys.post_key(post_id)] = ("post", post_id)
        wanted[keys.stats_key(post_id)] = ("stats", post_id)
        wanted[keys.like_key(post_id, viewer_id)] = ("liked", post_id)
        wanted[keys.save_key(viewer_id, post_id)] = ("saved", post_id)
    found = db.batch_get(wanted)
    authors = social.visible_among(viewer_id, author_ids, found)
    rows: dict[str, dict[str, Any]] = {}
    for key, row in found.items():
        what, post_id = wanted[key]
        rows.setdefault(post_id, {})[what] = row
    out = []
    for post_id, _ in refs:
        got = rows.get(post_id, {})
        post, stats = got.get("post"), got.get("stats")
        if not isinstance(post, PostRow) or post.author_id not in authors:
            continue
        totals = (
            stats.totals()
            if isinstance(stats, repository.PostStatsRow)
            else dict.fromkeys(repository.COUNTERS, 0)
        )
        flags = {"liked": "liked" in got, "saved": "saved" in got}
        out.append(to_out(post, authors[post.author_id], totals, flags))
    return out


def author_out(author: ProfileRow) -> AuthorOut:
    return AuthorOut(
        user_id=author.user_id,
        handle=author.handle,
        display_name=author.display_name,
        avatar=users.avatar_out(author),
    )


def to_out(
    post: PostRow, author: ProfileRow, totals: dict[str, int], flags: dict[str, bool]
) -> PostOut:
    return PostOut(
        post_id=post.post_id,
        author=author_out(author),
        caption=post.caption,
        hashtags=list(post.hashtags or []),
        mentions=[m["handle"] for m in post.mentions or []],
        location=Location(**post.location) if post.location else None,
        place=PlaceOut(**post.place) if post.place else None,
        media=[
            PostMediaOut(
                media_id=m["media_id"],
                width=m["width"],
                height=m["height"],
                variants=media_service.variants_out(m["variants"]),
                blur_placeholder=m["blur_placeholder"],
                dominant_color=m["dominant_color"],
                alt_text=m.get("alt_text", ""),
            )
            for m in post.media
        ],
        counts=PostCounts(**totals),
        viewer=ViewerState(**flags),
        created_at=post.created_at,
        updated_at=post.updated_at,
    )


# --- create ---------------------------------------------------------------------------------


def _request_hash(request: CreatePostIn) -> str:
    return hashlib.sha256(request.model_dump_json().encode()).hexdigest()


def resolve_mentions(writer_id: str, text: str) -> list[dict[str, str]]:
    """The @handles in `text` that name users the writer may mention: existing, and
    not blocked either way with the writer (the rule is social's). Others stay plain
    text: no link, no notification."""
    handles = parse_mentions(text)[:MAX_MENTIONS]
    found = db.batch_get(user_keys.handle_key(h) for h in handles)
    holders = {row.PK.removeprefix("HANDLE#"): str(row.user_id) for row in found.values()}  # type: ignore[attr-defined]
    hidden = social_repo.blocked_between(writer_id, list(holders.values())) if holders else set()
    return [
        {"handle": h, "user_id": holders[h]}
        for h in handles
        if h in holders and holders[h] not in hidden
    ]


def _media_snapshot(media: list[MediaRow], alt_texts: list[str]) -> list[dict[str, Any]]:
    return [
        {
            "media_id": row.media_id,
            "width": int(row.width or 0),
            "height": int(row.height or 0),
            "variants": row.variants or {},
            "blur_placeholder": row.blur_placeholder or "",
            "dominant_color": row.dominant_color or "",
            "alt_text": alt_texts[i] if i < len(alt_texts) else "",
        }
        for i, row in enumerate(media)
    ]


def _place(request: CreatePostIn) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The post's place (a snapshot: PlaceRow.snapshot) and its location as shown:
    the place named by id, or the one a located name makes: one of that name nearby
    (photogram.posts.places), else a new one. Raises NotFound(place_not_found)."""
    if request.place_id is not None:
        found = repository.get_place(request.place_id)
        if found is None:
            raise place_not_found()
        place = found.snapshot()
        return place, {"name": place["name"], "latitude": place["lat"], "longitude": place["lng"]}
    location = request.location
    if location is None or location.latitude is None or location.longitude is None:
        return None, location.model_dump() if location else None
    candidates = nearby_ids(location.name, location.latitude, location.longitude)
    existing = repository.places(candidates)
    for candidate in candidates:
        if candidate in existing:
            return existing[candidate].snapshot(), location.model_dump()
    place = {
        "place_id": candidates[0],
        "name": location.name,
        "lat": location.latitude,
        "lng": location.longitude,
    }
    return place, location.model_dump()


def create_post(
    author_id: str, request: CreatePostIn, idempotency_key: str | None = None
) -> PostOut:
    """Publish READY media of mine as a post. With an Idempotency-Key, a retried request
    returns the post the first one created (the key is written in the same transaction).

    Raises Forbidden(profile_required), NotFound(media_not_found, place_not_found),
    Conflict(media_not_ready,
    media_in_use, idempotency_key_reused), PhotogramError(media_wrong_purpose),
    RateLimited(rate_limited). A replay spends no use of the post limit.
    """
    request_hash = _request_hash(request)

    def earlier_post() -> str | None:
        """The post an earlier request with this key created, if any."""
        if idempotency_key is None:
            return None
        earlier = repository.idempotency_record(author_id, idempotency_key)
        if earlier is None or earlier.expires_at <= clock.epoch():
            return None
        if earlier.request_hash != request_hash:
            raise Conflict(
                "idempotency_key_reused", "This Idempotency-Key was used for a different request."
            )
        return str(earlier.post_id)

    def attempt() -> str:
        done = earlier_post()
        if done is not None:
            return done
        try:
            return create()
        except PhotogramError:
            # A concurrent retry of this request may have just published the media.
            done = earlier_post()
            if done is not None:
                return done
            raise

    def create() -> str:
        author = users_repo.get_profile(author_id)
        if author is None:
            raise profile_required()
        media = media_service.usable_media(author_id, request.media_ids, "post")
        place, location = _place(request)
        post = repository.new_post(
            ids.new_id(),
            author_id,
            caption=request.caption,
            hashtags=parse_hashtags(request.caption),
            mentions=resolve_mentions(author_id, request.caption),
            location=location,
            place=place,
            media=_media_snapshot(media, request.alt_texts),
        )
        post_id = post.post_id

        def write(tx: db.TransactWrite) -> None:
            if place is not None:
                repository.put_place(tx, place)
            repository.put_post(tx, post, author_public=not author.is_private)
            for row in media:
                media_repo.claim(tx, row, author_id, POST_HOLDER + post_id)
            users_repo.add_post_count(tx, author_id, 1)
            if idempotency_key is not None:
                repository.remember_request(
                    tx, author_id, idempotency_key, post_id, request_hash, IDEMPOTENCY_SECONDS
                )

        limits.transact(author_id, "post", write)
        # Here, not after `attempt`: a retry answered with the earlier post is no new post.
        metrics.count("PostsCreated")
        return post_id

    post_id = db.optimistic(attempt)
    return get_post(author_id, post_id)


# --- read, change, delete ------------------------------------------------------------------


def get_post(viewer_id: str, post_id: str) -> PostOut:
    """A post I may see. Raises NotFound(post_not_found) otherwise."""
    post, author = visible_post(viewer_id, post_id)
    return render(viewer_id, [(post, author)])[0]


def _own_post(viewer_id: str, post_id: str) -> tuple[PostRow, ProfileRow]:
    post, author = visible_post(viewer_id, post_id)
    if post.author_id != viewer_id:
        raise Forbidden("not_author", "Only the author can change or delete a post.")
    return post, author


def update_post(viewer_id: str, post_id: str, change: UpdatePostIn) -> PostOut:
    """Change the caption (hashtags follow) or alt texts. Raises NotFound, Forbidden(not_author)."""
    post, _ = _own_post(viewer_id, post_id)
    caption = change.caption
    hashtags = None if caption is None else parse_hashtags(caption)
    mentions = None if caption is None else resolve_mentions(viewer_id, caption)
    media = None
    if change.alt_texts is not None:
        alt_texts = change.alt_texts
        media = [
            dict(m, alt_text=alt_texts[i] if i < len(alt_texts) else "")
            for i, m in enumerate(post.media)
        ]

    def write(tx: db.TransactWrite) -> None:
        repository.change_post(
            tx,
            post,
            caption=caption,
            hashtags=hashtags,
            mentions=mentions,
            media=media,
        )

    db.transact(write)
    return get_post(viewer_id, post_id)


def delete_post(viewer_id: str, post_id: str) -> None:
    """Delete my post: its hashtag entries, its media (items and files) and the count
    go with it. Raises NotFound, Forbidden(not_author)."""
    post, _ = _own_post(viewer_id, post_id)

    def write(tx: db.TransactWrite) -> None:
        repository.delete_post(tx, post)
        for item in post.media:
            media_repo.forget(tx, item["media_id"])
        users_repo.add_post_count(tx, viewer_id, -1)

    db.transact(write)
    for item in post.media:
        # Both prefixes: a post's media may be private one day (private accounts, §43).
        for prefix in media_keys.variant_prefixes(item["media_id"]):
            storage.delete_prefix(settings().media_bucket, prefix)


# --- lists ------------------------------------------------------------------------------


def list_author_posts(viewer_id: str, handle: str, page: PageRequest) -> PostPage:
    """A user's posts, newest first (the profile grid). Raises NotFound,
    Forbidden(private_account)."""
    author, _ = social.find_visible_user(viewer_id, handle, "posts")
    user_id = author.user_id
    scope = f"POSTS:{user_id}:{viewer_id}"
    start = cursors().open(page.cursor, scope)
    rows, position = db.query_page(keys.author_posts_pk(user_id), page.limit, start, on_index=True)
    items = render(viewer_id, [(r, author) for r in rows if isinstance(r, PostRow)])
    return PostPage(items=items, next_cursor=cursors().seal(position, scope))


def _listed_posts(viewer_id: str, partition: str, scope: str, page: PageRequest) -> PostPage:
    """A hashtag's or place's entries as posts I may see, newest first."""
    start = cursors().open(page.cursor, scope)
    rows, position = db.query_page(partition, page.limit, start, on_index=False)
    entries = [r for r in rows if isinstance(r, HashtagRow | PlacePostRow)]
    authors = visible_authors(viewer_id, {e.author_id for e in entries})
    posts = repository.get_many([e.post_id for e in entries if e.author_id in authors])
    items = render(
        viewer_id, [(posts[e.post_id], authors[e.author_id]) for e in entries if e.post_id in posts]
    )
    return PostPage(items=items, next_cursor=cursors().seal(position, scope))


# A hashtag's or place's top posts: the most engaged of its latest TOP_FROM entries.
TOP_POSTS = 9
TOP_FROM = 100


def engagement_score(totals: dict[str, int]) -> int:
    """How a top post is chosen: a comment or a save counts as two likes."""
    return totals["likes"] + 2 * (totals["comments"] + totals["saves"])


def _top_posts(viewer_id: str, partition: str) -> list[PostOut]:
    """Three reads: the latest entries, their stats items, then the best of them (and
    their authors' visibility) as render_refs reads them; posts I may not see drop out
    there, so it renders a few more than it shows."""
    rows, _ = db.query_page(partition, TOP_FROM, None, on_index=False)
    entries = [r for r in rows if isinstance(r, HashtagRow | PlacePostRow)]
    found = db.batch_get(keys.stats_key(e.post_id) for e in entries)
    scores = {
        row.post_id: engagement_score(row.totals())
        for row in found.values()
        if isinstance(row, PostStatsRow)
    }
    ranked = sorted((e for e in entries if e.post_id in scores), key=lambda e: -scores[e.post_id])
    refs = [(e.post_id, e.author_id) for e in ranked[: 3 * TOP_POSTS]]
    return render_refs(viewer_id, refs)[:TOP_POSTS]


def _tag(tag: str) -> str:
    return tag.lower().lstrip("#")


def list_hashtag_posts(viewer_id: str, tag: str, page: PageRequest) -> PostPage:
    """Recent posts under a hashtag that I may see, newest first."""
    tag = _tag(tag)
    return _listed_posts(viewer_id, keys.hashtag_pk(tag), f"TAG:{tag}:{viewer_id}", page)


def hashtag(viewer_id: str, tag: str) -> HashtagOut:
    """A hashtag's count and top posts (a tag nobody used has none of either)."""
    tag = _tag(tag)
    stats = repository.tag_stats([tag]).get(tag)
    return HashtagOut(
        tag=tag,
        post_count=max(0, int(stats.post_count)) if stats else 0,
        top_posts=_top_posts(viewer_id, keys.hashtag_pk(tag)),
    )


def _existing_place(place_id: str) -> repository.PlaceRow:
    found = repository.get_place(place_id)
    if found is None:
        raise place_not_found()
    return found


def place(viewer_id: str, place_id: str) -> PlaceDetailOut:
    """A place, its count and top posts. Raises NotFound(place_not_found)."""
    found = _existing_place(place_id)
    return PlaceDetailOut(
        **found.snapshot(),
        post_count=max(0, int(found.post_count)),
        top_posts=_top_posts(viewer_id, keys.place_pk(place_id)),
    )


def list_place_posts(viewer_id: str, place_id: str, page: PageRequest) -> PostPage:
    """Recent posts at a place that I may see, newest first. Raises NotFound(place_not_found)."""
    _existing_place(place_id)
    scope = f"PLACE:{place_id}:{viewer_id}"
    return _listed_posts(viewer_id, keys.place_pk(place_id), scope, page)
