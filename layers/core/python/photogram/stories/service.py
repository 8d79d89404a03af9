"""Stories use cases: post and delete a 24-hour story, a user's live stories, views
(once per viewer, counted exactly, listed to the author alone), the tray, and
highlights that keep stories past their 24 hours.

Expiry: every read filters `expires_at > now` (repository.is_live), so a story is
gone the moment it expires, whenever DynamoDB's TTL gets to deleting it; the
stream consumer (stories/consumers.py) then releases its media.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from pynamodb.exceptions import DeleteError, TransactWriteError

from photogram import clock, db, ids, metrics
from photogram.db import Row
from photogram.errors import Conflict, Forbidden, NotFound, RateLimited
from photogram.keys import time_sk
from photogram.limits import service as limits
from photogram.media import repository as media_repo
from photogram.media import service as media_service
from photogram.media.keys import media_key
from photogram.media.repository import HIGHLIGHT_HOLDER, STORY_HOLDER, MediaRow
from photogram.pagination import PageRequest, cursors
from photogram.posts.keys import shard_for
from photogram.posts.models import AuthorOut
from photogram.social import keys as social_keys
from photogram.social import repository as social_repo
from photogram.social import service as social
from photogram.stories import keys, repository
from photogram.stories.errors import highlight_not_found, story_not_found
from photogram.stories.models import (
    CreateHighlightIn,
    CreateStoryIn,
    HighlightOut,
    HighlightPage,
    HighlightStoryOut,
    StoryList,
    StoryMediaOut,
    StoryOut,
    StoryViewerOut,
    TrayEntryOut,
    TrayOut,
    UpdateHighlightIn,
    ViewerPage,
    ViewOut,
)
from photogram.stories.repository import (
    STORY_HOURS,
    HighlightRow,
    RingRow,
    SeenRow,
    StoryRow,
    StoryViewRow,
    TrayMuteRow,
    ViewCountRow,
)
from photogram.users import repository as users_repo
from photogram.users import service as users
from photogram.users.errors import profile_required
from photogram.users.models import UserSummary
from photogram.users.repository import ProfileRow

MAX_LIVE_STORIES = 100
MAX_HIGHLIGHTS = 100


# --- rendering ----------------------------------------------------------------------------


def media_out(media: dict[str, Any]) -> StoryMediaOut:
    return StoryMediaOut(
        width=int(media["width"]),
        height=int(media["height"]),
        variants=media_service.variants_out(media["variants"]),
        blur_placeholder=media["blur_placeholder"],
        dominant_color=media["dominant_color"],
    )


def _story_out(
    story: StoryRow, author: ProfileRow, *, has_seen: bool, viewer_id: str, views: int = 0
) -> StoryOut:
    is_author = viewer_id == story.author_id
    return StoryOut(
        story_id=story.story_id,
        author=AuthorOut(
            user_id=author.user_id,
            handle=author.handle,
            display_name=author.display_name,
            avatar=users.avatar_out(author),
        ),
        media=media_out(story.media),
        audience=story.audience,
        created_at=story.created_at,
        expires_at=int(story.expires_at),
        has_seen=has_seen,
        view_count=views if is_author else None,
    )


def _media_snapshot(row: MediaRow) -> dict[str, Any]:
    return {
        "width": int(row.width or 0),
        "height": int(row.height or 0),
        "variants": row.variants or {},
        "blur_placeholder": row.blur_placeholder or "",
        "dominant_color": row.dominant_color or "",
    }


# --- who may see what ---------------------------------------------------------------------


def _sees_close_friends(viewer_id: str, owner_id: str, state: Any) -> bool:
    """Close-friends stories are for the owner and their close friends who follow them."""
    if viewer_id == owner_id:
        return True
    return bool(state.viewer_follows) and db.exists(
        social_keys.close_friend_key(owner_id, viewer_id)
    )


def _may_see(viewer_id: str, story: StoryRow, author: ProfileRow | None, state: Any) -> bool:
    """What the author's other content follows (social.can_see), and for close-friends
    stories, the close friends who follow the author."""
    if not social.can_see(viewer_id, author, state):
        return False
    return story.audience != "close_friends" or _sees_close_friends(
        viewer_id, story.author_id, state
    )


def _visible_story(viewer_id: str, story_id: str) -> tuple[StoryRow, ProfileRow]:
    """A live story I may see, and its author. Raises NotFound(story_not_found) for
    anything else, so a story I may not see cannot be told from a missing one."""
    story = repository.get_story(story_id) if ids.is_id(story_id) else None
    if story is None:
        raise story_not_found()
    state = social_repo.read_state(viewer_id, story.author_id)
    if state.target is None or not _may_see(viewer_id, story, state.target, state):
        raise story_not_found()
    return story, state.target


def _own_story(viewer_id: str, story_id: str) -> StoryRow:
    story, _ = _visible_story(viewer_id, story_id)
    if story.author_id != viewer_id:
        raise Forbidden("not_your_story", "Only the story's author may do this.")
    return story


# --- post and delete ----------------------------------------------------------------------


def create_story(author_id: str, request: CreateStoryIn) -> StoryOut:
    """Publish READY media of mine (uploaded for a story) for 24 hours. A retry with
    the same media returns the story it already made.

    Raises Forbidden(profile_required), NotFound(media_not_found), Conflict(media_not_ready,
    media_in_use), PhotogramError(media_wrong_purpose), RateLimited(too_many_stories,
    rate_limited). A retry answered with the earlier story spends no use of the limit."""
    author = users_repo.get_profile(author_id)
    if author is None:
        raise profile_required()
    try:
        (media,) = media_service.usable_media(author_id, [request.media_id], "story")
    except Conflict as error:
        # In use: by the story an earlier try of this request made, if it is live.
        earlier = (
            _story_of_media(author_id, request.media_id) if error.code == "media_in_use" else None
        )
        if earlier is None:
            raise
        views = repository.view_counts([earlier.story_id])[earlier.story_id]
        return _story_out(earlier, author, has_seen=True, viewer_id=author_id, views=views)
    if len(repository.live_stories(author_id)) >= MAX_LIVE_STORIES:
        raise RateLimited("too_many_stories", f"At most {MAX_LIVE_STORIES} live stories at a time.")
    now = clock.now()
    story_id = ids.new_id()
    created_at = clock.iso(now)
    pk, sk = keys.story_key(story_id)
    story = StoryRow(
        pk,
        sk,
        story_id=story_id,
        author_id=author_id,
        media_id=media.media_id,
        media=_media_snapshot(media),
        audience=request.audience,
        created_at=created_at,
        expires_at=clock.epoch(now + timedelta(hours=STORY_HOURS)),
        GSI1PK=keys.stories_pk(author_id),
        GSI1SK=time_sk(created_at, story_id),
    )

    def write(tx: db.TransactWrite) -> None:
        tx.save(story, condition=StoryRow.PK.does_not_exist())
        media_repo.claim(tx, media, author_id, STORY_HOLDER + story_id)

    try:
        limits.transact(author_id, "story", write)
    except TransactWriteError as error:
        if not db.failed_conditions(error):
            raise
        # A concurrent request claimed the media first: it is that request's story.
        earlier = _story_of_media(author_id, request.media_id)
        if earlier is None:
            raise Conflict("media_in_use", f"{request.media_id} is already published.") from error
        story = earlier
    else:
        metrics.count("StoriesPosted")
    return _story_out(story, author, has_seen=True, viewer_id=author_id)


def _story_of_media(author_id: str, media_id: str) -> StoryRow | None:
    media = media_repo.get(media_id)
    if media is None or media.owner_id != author_id:
        return None
    attached = media.attached_to or ""
    if not attached.startswith(STORY_HOLDER):
        return None
    return repository.get_story(attached.removeprefix(STORY_HOLDER))


def delete_story(viewer_id: str, story_id: str) -> None:
    """Delete my story now: it leaves every tray and its media goes, unless a highlight
    kept it. Raises NotFound(story_not_found), Forbidden(not_your_story)."""
    story = _own_story(viewer_id, story_id)
    try:
        story.delete(condition=StoryRow.PK.exists())
    except DeleteError as error:
        if not db.condition_failed(error):
            raise
        raise story_not_found() from error


# --- reading stories ----------------------------------------------------------------------


def list_user_stories(viewer_id: str, handle: str) -> StoryList:
    """A user's live stories I may see, oldest first, each with whether I have seen
    it. Raises NotFound(user_not_found), Forbidden(private_account)."""
    author, state = social.find_visible_user(viewer_id, handle, "stories")
    is_self = author.user_id == viewer_id
    stories = repository.live_stories(author.user_id)
    if any(s.audience == "close_friends" for s in stories):
        close = _sees_close_friends(viewer_id, author.user_id, state)
        stories = [s for s in stories if s.audience != "close_friends" or close]
    seen = repository.seen_stories(viewer_id, [s.story_id for s in stories]) if stories else set()
    # The counts are the author's alone to see (and to pay a read for).
    views = repository.view_counts([s.story_id for s in stories]) if is_self and stories else {}
    return StoryList(
        items=[
            _story_out(
                s,
                author,
                has_seen=is_self or s.story_id in seen,
                viewer_id=viewer_id,
                views=views.get(s.story_id, 0),
            )
            for s in stories
        ]
    )


# --- views --------------------------------------------------------------------------------


def view_story(viewer_id: str, story_id: str) -> ViewOut:
    """Record that I watched a story: once per viewer however often I call, counted
    exactly, and my tray's ring for the author marked seen up to it. The author's own
    views are not counted. A first view spends one use of my story-view limit; a repeat
    spends none. Raises NotFound(story_not_found), RateLimited(rate_limited)."""
    story, _ = _visible_story(viewer_id, story_id)
    if viewer_id != story.author_id:
        _record_view(viewer_id, story)
    repository.mark_seen(viewer_id, story)
    return ViewOut(story_id=story_id, has_seen=True)


def _record_view(viewer_id: str, story: StoryRow) -> None:
    viewed_at = clock.iso()
    view = StoryViewRow(
        *keys.view_key(story.story_id, viewer_id),
        story_id=story.story_id,
        viewer_id=viewer_id,
        author_id=story.author_id,
        viewed_at=viewed_at,
        expires_at=int(story.expires_at),
        GSI1PK=keys.viewers_pk(story.story_id),
        GSI1SK=time_sk(viewed_at, viewer_id),
    )

    shard = ViewCountRow(*keys.view_count_key(story.story_id, shard_for(viewer_id)))

    def write(tx: db.TransactWrite) -> None:
        # The view item and one counter shard: no table item every viewer writes (the
        # story was read live just before; a view racing its deletion leaves a view
        # and a count that expire with the story, and nobody can list them).
        tx.save(view, condition=StoryViewRow.PK.does_not_exist())
        tx.update(
            shard,
            [
                ViewCountRow.views.add(1),
                Row.kind.set(ViewCountRow),
                ViewCountRow.expires_at.set(int(story.expires_at)),
            ],
        )

    try:
        limits.transact(viewer_id, "story_view", write)
    except TransactWriteError as error:
        if not db.failed_conditions(error):
            raise
        # Seen before: nothing to count.
    else:
        metrics.count("StoriesViewed")


def list_viewers(viewer_id: str, story_id: str, page: PageRequest) -> ViewerPage:
    """Who watched my story, newest first, and how many. Raises NotFound(story_not_found),
    Forbidden(not_your_story)."""
    _own_story(viewer_id, story_id)
    scope = f"VIEWERS:{story_id}"
    start = cursors().open(page.cursor, scope)
    rows, position = db.query_page(keys.viewers_pk(story_id), page.limit, start, on_index=True)
    views = [r for r in rows if isinstance(r, StoryViewRow)]
    # Someone who watched and then blocked me (or whom I blocked) is left out.
    hidden = social_repo.blocked_between(viewer_id, [v.viewer_id for v in views])
    views = [v for v in views if v.viewer_id not in hidden]
    profiles = users_repo.get_profiles([v.viewer_id for v in views])
    return ViewerPage(
        view_count=repository.view_counts([story_id])[story_id],
        items=[
            StoryViewerOut(user=users.to_summary(profiles[v.viewer_id]), viewed_at=v.viewed_at)
            for v in views
            if v.viewer_id in profiles
        ],
        next_cursor=cursors().seal(position, scope),
    )


# --- the tray -----------------------------------------------------------------------------


def _summary(ring: RingRow) -> UserSummary:
    return UserSummary(
        user_id=ring.author_id,
        handle=ring.handle,
        display_name=ring.display_name,
        is_private=bool(ring.is_private),
        avatar=users.avatar_from(ring.avatar),
    )


# Fingerprints of the rings a tray cursor has shown: 6 hex characters each, the
# latest MAX_TRAY_SHOWN (a cursor stays a few kilobytes).
FP = 6
MAX_TRAY_SHOWN = 500


def _fingerprint(user_id: str) -> str:
    return hashlib.sha256(user_id.encode()).hexdigest()[:FP]


def _tray_position(entry: TrayEntryOut) -> tuple[bool, bool, float, str]:
    """Where a ring sorts: mine, then unseen, then newest, then by user id."""
    latest = datetime.fromisoformat(entry.latest_story_at.replace("Z", "+00:00"))
    return (not entry.is_self, entry.all_seen, -latest.timestamp(), entry.user.user_id)


def get_tray(viewer_id: str, page: PageRequest) -> TrayOut:
    """The story tray, a page at a time: my ring first, then rings with stories I have
    not seen, then the rest, each newest first. At most three DynamoDB calls per page
    however many accounts I follow: my tray partition, the large accounts' rings, and
    whether I follow those. A later page is the next rings in the order as it is now,
    leaving out those already shown. Raises BadRequest(invalid_cursor)."""
    scope = f"TRAY:{viewer_id}"
    after = cursors().open(page.cursor, scope)
    rings: dict[str, RingRow] = {}
    seen: dict[str, str] = {}
    muted: set[str] = set()
    for row in repository.tray_items(viewer_id):
        if isinstance(row, RingRow) and repository.is_live(row.expires_at):
            rings[row.author_id] = row
        elif isinstance(row, SeenRow) and repository.is_live(row.expires_at):
            seen[row.author_id] = row.seen_at
        elif isinstance(row, TrayMuteRow):
            muted.add(row.author_id)
    stars = [s for s in repository.stars() if repository.is_live(s.expires_at)]
    wanted = {
        social_keys.following_key(viewer_id, s.author_id): s
        for s in stars
        if s.author_id != viewer_id
    }
    followed = db.batch_get(wanted) if wanted else {}
    for star in stars:
        if (
            star.author_id == viewer_id
            or social_keys.following_key(viewer_id, star.author_id) in followed
        ):
            ring = rings.get(star.author_id)
            if ring is None or ring.latest_at < star.latest_at:
                rings[star.author_id] = star
    entries = [
        TrayEntryOut(
            user=_summary(ring),
            latest_story_at=ring.latest_at,
            all_seen=seen.get(author_id, "") >= ring.latest_at,
            is_self=author_id == viewer_id,
        )
        for author_id, ring in rings.items()
        if author_id not in muted or author_id == viewer_id
    ]
    entries.sort(key=_tray_position)
    # Later pages leave out the rings already shown, by fingerprint: a ring I watched
    # from page one moves among the seen ones and must not come back.
    before = str(after.get("shown", "")) if after else ""
    shown_before = {before[i : i + FP] for i in range(0, len(before), FP)}
    entries = [e for e in entries if _fingerprint(e.user.user_id) not in shown_before]
    page_items = entries[: page.limit]
    more = len(entries) > page.limit
    shown = before + "".join(_fingerprint(e.user.user_id) for e in page_items)
    state = {"shown": shown[-FP * MAX_TRAY_SHOWN :]}
    return TrayOut(items=page_items, next_cursor=cursors().seal(state, scope) if more else None)


# --- highlights ---------------------------------------------------------------------------


def _own_live_stories(owner_id: str, story_ids: list[str]) -> dict[str, StoryRow]:
    found = repository.stories_by_id(story_ids)
    for story_id in story_ids:
        story = found.get(story_id)
        if story is None or story.author_id != owner_id:
            raise NotFound(
                "story_not_found", "No such live story of yours.", {"story_id": story_id}
            )
    return found


def _keep(tx: db.TransactWrite, story: StoryRow, highlight_id: str) -> None:
    """Hold a live story's media for a highlight (in the highlight's transaction)."""
    tx.condition_check(
        StoryRow,
        *keys.story_key(story.story_id),
        condition=StoryRow.PK.exists() & (StoryRow.expires_at > clock.epoch()),
    )
    tx.update(
        MediaRow(*media_key(story.media_id)),
        [MediaRow.holders.add({HIGHLIGHT_HOLDER + highlight_id})],
        condition=MediaRow.PK.exists(),
    )


def _copy(story: StoryRow) -> dict[str, Any]:
    return {
        "story_id": story.story_id,
        "media_id": story.media_id,
        "media": story.media,
        "created_at": story.created_at,
        "audience": story.audience,
    }


def _highlight_out(row: HighlightRow, *, close_friend: bool = True) -> HighlightOut:
    """A highlight as a viewer sees it: close-friends stories only for close friends."""
    return HighlightOut(
        highlight_id=row.highlight_id,
        title=row.title,
        stories=[
            HighlightStoryOut(
                story_id=s["story_id"], media=media_out(s["media"]), created_at=s["created_at"]
            )
            for s in row.stories
            if close_friend or s.get("audience") != "close_friends"
        ],
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _commit(build: Any) -> None:
    try:
        db.transact_through_conflicts(build)
    except TransactWriteError as error:
        if not db.failed_conditions(error):
            raise
        raise Conflict(
            "story_expired", "A story expired or changed meanwhile; load it again."
        ) from error


def create_highlight(owner_id: str, request: CreateHighlightIn) -> HighlightOut:
    """Keep live stories of mine on my profile past their 24 hours.
    Raises NotFound(story_not_found), Conflict(story_expired)."""
    stories = _own_live_stories(owner_id, request.story_ids)
    if repository.count_highlights(owner_id) >= MAX_HIGHLIGHTS:
        raise Conflict("too_many_highlights", f"At most {MAX_HIGHLIGHTS} highlights.")
    highlight_id = ids.new_id()
    now = clock.iso()
    row = HighlightRow(
        *keys.highlight_key(highlight_id),
        highlight_id=highlight_id,
        owner_id=owner_id,
        title=request.title,
        stories=[_copy(stories[s]) for s in request.story_ids],
        created_at=now,
        updated_at=now,
        GSI1PK=keys.highlights_pk(owner_id),
        GSI1SK=time_sk(now, highlight_id),
    )

    def write(tx: db.TransactWrite) -> None:
        tx.save(row, condition=HighlightRow.PK.does_not_exist())
        for story in stories.values():
            _keep(tx, story, highlight_id)

    _commit(write)
    return _highlight_out(row)


def _own_highlight(owner_id: str, highlight_id: str) -> HighlightRow:
    """My highlight. Raises NotFound(highlight_not_found) to anyone who could not see
    it on the owner's profile, as stories and posts do, so its id cannot be probed;
    Forbidden(not_your_highlight) to those who can see it."""
    row = repository.get_highlight(highlight_id) if ids.is_id(highlight_id) else None
    if row is None:
        raise highlight_not_found()
    if row.owner_id != owner_id:
        if not _sees_highlight(owner_id, row):
            raise highlight_not_found()
        raise Forbidden("not_your_highlight", "Only the highlight's owner may change it.")
    return row


def _sees_highlight(viewer_id: str, row: HighlightRow) -> bool:
    """Whether `list_highlights` would show the highlight to the viewer: the owner's
    content is visible to them (social.can_see) and some story in it is (close-friends
    stories for close friends who follow)."""
    state = social_repo.read_state(viewer_id, row.owner_id)
    if not social.can_see(viewer_id, state.target, state):
        return False
    if any(s.get("audience") != "close_friends" for s in row.stories):
        return True
    return _sees_close_friends(viewer_id, row.owner_id, state)


def update_highlight(owner_id: str, highlight_id: str, request: UpdateHighlightIn) -> HighlightOut:
    """Rename a highlight, or set its stories: ones it already keeps (even expired) and
    live ones of mine to add, in the order given. Dropped stories' media go once
    nothing else keeps them. Raises NotFound(highlight_not_found, story_not_found),
    Forbidden(not_your_highlight), Conflict(story_expired)."""
    row = _own_highlight(owner_id, highlight_id)
    version = int(row.version)
    kept = {s["story_id"]: s for s in row.stories}
    added: dict[str, StoryRow] = {}
    if request.story_ids is not None:
        new_ids = [s for s in request.story_ids if s not in kept]
        added = _own_live_stories(owner_id, new_ids) if new_ids else {}
        row.stories = [kept[s] if s in kept else _copy(added[s]) for s in request.story_ids]
    if request.title is not None:
        row.title = request.title
    row.updated_at, row.version = clock.iso(), version + 1

    def write(tx: db.TransactWrite) -> None:
        # Unchanged since I read it, or a concurrent edit would be lost.
        tx.save(row, condition=HighlightRow.version == version)
        for story in added.values():
            _keep(tx, story, highlight_id)

    _commit(write)
    return _highlight_out(row)


def delete_highlight(owner_id: str, highlight_id: str) -> None:
    """Delete my highlight; stories' media go once nothing else keeps them.
    Raises NotFound(highlight_not_found), Forbidden(not_your_highlight)."""
    row = _own_highlight(owner_id, highlight_id)
    row.delete()


def list_highlights(viewer_id: str, handle: str, page: PageRequest) -> HighlightPage:
    """A user's highlights, newest first. Raises NotFound(user_not_found),
    Forbidden(private_account)."""
    owner, state = social.find_visible_user(viewer_id, handle, "highlights")
    scope = f"HIGHLIGHTS:{owner.user_id}"
    start = cursors().open(page.cursor, scope)
    rows, position = db.query_page(
        keys.highlights_pk(owner.user_id), page.limit, start, on_index=True
    )
    found = [r for r in rows if isinstance(r, HighlightRow)]
    # One read, and only when a highlight holds a close-friends story.
    has_close = any(s.get("audience") == "close_friends" for r in found for s in r.stories)
    close = has_close and _sees_close_friends(viewer_id, owner.user_id, state)
    shown = [_highlight_out(r, close_friend=close) for r in found]
    return HighlightPage(
        items=[h for h in shown if h.stories],
        next_cursor=cursors().seal(position, scope),
    )
