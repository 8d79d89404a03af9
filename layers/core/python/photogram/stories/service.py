"""Stories use cases: post and delete a 24-hour story, a user's live stories, and
views (once per viewer, counted exactly, listed to the author alone). The tray is
stories/tray.py, highlights stories/highlights.py.

Expiry: every read filters `expires_at > now` (repository.is_live), so a story is
gone the moment it expires, whenever DynamoDB's TTL gets to deleting it; the
stream consumer (stories/consumers.py) then releases its media.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from photogram import clock, db, ids, metrics
from photogram.errors import Conflict, Forbidden, RateLimited
from photogram.limits import service as limits
from photogram.media import repository as media_repo
from photogram.media import service as media_service
from photogram.media.repository import STORY_HOLDER, MediaRow
from photogram.pagination import PageRequest, cursors
from photogram.posts.models import AuthorOut
from photogram.social import keys as social_keys
from photogram.social import repository as social_repo
from photogram.social import service as social
from photogram.stories import keys, repository
from photogram.stories.errors import story_not_found
from photogram.stories.models import (
    CreateStoryIn,
    StoryList,
    StoryMediaOut,
    StoryOut,
    StoryViewerOut,
    ViewerPage,
    ViewOut,
)
from photogram.stories.repository import STORY_HOURS, StoryRow, StoryViewRow
from photogram.users import repository as users_repo
from photogram.users import service as users
from photogram.users.errors import profile_required
from photogram.users.repository import ProfileRow

MAX_LIVE_STORIES = 100


# --- rendering ----------------------------------------------------------------------------


def media_out(media: dict[str, Any]) -> StoryMediaOut:
    return StoryMediaOut(
        width=int(media["width"]),
        height=int(media["height"]),
        variants=media_service.variants_out(media["variants"]),
        blur_placeholder=media["blur_placeholder"],
        dominant_color=media["dominant_color"],
    )


def story_out(
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


def media_snapshot(row: MediaRow) -> dict[str, Any]:
    return {
        "width": int(row.width or 0),
        "height": int(row.height or 0),
        "variants": row.variants or {},
        "blur_placeholder": row.blur_placeholder or "",
        "dominant_color": row.dominant_color or "",
    }


# --- who may see what ---------------------------------------------------------------------


def sees_close_friends(viewer_id: str, owner_id: str, state: Any) -> bool:
    """Close-friends stories are for the owner and their close friends who follow them."""
    if viewer_id == owner_id:
        return True
    return bool(state.viewer_follows) and db.exists(
        social_keys.close_friend_key(owner_id, viewer_id)
    )


def may_see(viewer_id: str, story: StoryRow, author: ProfileRow | None, state: Any) -> bool:
    """What the author's other content follows (social.can_see), and for close-friends
    stories, the close friends who follow the author."""
    if not social.can_see(viewer_id, author, state):
        return False
    return story.audience != "close_friends" or sees_close_friends(
        viewer_id, story.author_id, state
    )


def visible_story(viewer_id: str, story_id: str) -> tuple[StoryRow, ProfileRow]:
    """A live story I may see, and its author. Raises NotFound(story_not_found) for
    anything else, so a story I may not see cannot be told from a missing one."""
    story = repository.get_story(story_id) if ids.is_id(story_id) else None
    if story is None:
        raise story_not_found()
    state = social_repo.read_state(viewer_id, story.author_id)
    if state.target is None or not may_see(viewer_id, story, state.target, state):
        raise story_not_found()
    return story, state.target


def own_story(viewer_id: str, story_id: str) -> StoryRow:
    story, _ = visible_story(viewer_id, story_id)
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
        return story_out(earlier, author, has_seen=True, viewer_id=author_id, views=views)
    if len(repository.live_stories(author_id)) >= MAX_LIVE_STORIES:
        raise RateLimited("too_many_stories", f"At most {MAX_LIVE_STORIES} live stories at a time.")
    now = clock.now()
    story_id = ids.new_id()
    story = repository.story(
        story_id=story_id,
        author_id=author_id,
        media_id=media.media_id,
        media=media_snapshot(media),
        audience=request.audience,
        created_at=clock.iso(now),
        expires_at=clock.epoch(now + timedelta(hours=STORY_HOURS)),
    )

    def write(tx: db.TransactWrite) -> None:
        repository.new_story(tx, story)
        media_repo.claim(tx, media, author_id, STORY_HOLDER + story_id)

    try:
        limits.transact(author_id, "story", write)
    except db.TransactWriteError as error:
        if not db.failed_conditions(error):
            raise
        # A concurrent request claimed the media first: it is that request's story.
        earlier = _story_of_media(author_id, request.media_id)
        if earlier is None:
            raise Conflict("media_in_use", f"{request.media_id} is already published.") from error
        story = earlier
    else:
        metrics.count("StoriesPosted")
    return story_out(story, author, has_seen=True, viewer_id=author_id)


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
    story = own_story(viewer_id, story_id)
    if not repository.delete_story(story):
        raise story_not_found()


# --- reading stories ----------------------------------------------------------------------


def list_user_stories(viewer_id: str, handle: str) -> StoryList:
    """A user's live stories I may see, oldest first, each with whether I have seen
    it. Raises NotFound(user_not_found), Forbidden(private_account)."""
    author, state = social.find_visible_user(viewer_id, handle, "stories")
    is_self = author.user_id == viewer_id
    stories = repository.live_stories(author.user_id)
    if any(s.audience == "close_friends" for s in stories):
        close = sees_close_friends(viewer_id, author.user_id, state)
        stories = [s for s in stories if s.audience != "close_friends" or close]
    seen = repository.seen_stories(viewer_id, [s.story_id for s in stories]) if stories else set()
    # The counts are the author's alone to see (and to pay a read for).
    views = repository.view_counts([s.story_id for s in stories]) if is_self and stories else {}
    return StoryList(
        items=[
            story_out(
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
    story, _ = visible_story(viewer_id, story_id)
    if viewer_id != story.author_id:
        _record_view(viewer_id, story)
    repository.mark_seen(viewer_id, story)
    return ViewOut(story_id=story_id, has_seen=True)


def _record_view(viewer_id: str, story: StoryRow) -> None:
    viewed_at = clock.iso()

    def write(tx: db.TransactWrite) -> None:
        # The view item and one counter shard: no table item every viewer writes (the
        # story was read live just before; a view racing its deletion leaves a view
        # and a count that expire with the story, and nobody can list them).
        repository.new_view(tx, story, viewer_id, viewed_at)

    try:
        limits.transact(viewer_id, "story_view", write)
    except db.TransactWriteError as error:
        if not db.failed_conditions(error):
            raise
        # Seen before: nothing to count.
    else:
        metrics.count("StoriesViewed")


def list_viewers(viewer_id: str, story_id: str, page: PageRequest) -> ViewerPage:
    """Who watched my story, newest first, and how many. Raises NotFound(story_not_found),
    Forbidden(not_your_story)."""
    own_story(viewer_id, story_id)
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
