"""Highlights: stories kept on a profile past their 24 hours (copies of the stories,
holders on their media).
"""

from __future__ import annotations

from typing import Any

from photogram import clock, db, ids
from photogram.errors import Conflict, Forbidden, NotFound
from photogram.media import repository as media_repo
from photogram.media.repository import HIGHLIGHT_HOLDER
from photogram.pagination import PageRequest, cursors
from photogram.social import repository as social_repo
from photogram.social import service as social
from photogram.stories import keys, repository
from photogram.stories.errors import highlight_not_found
from photogram.stories.models import (
    CreateHighlightIn,
    HighlightOut,
    HighlightPage,
    HighlightStoryOut,
    UpdateHighlightIn,
)
from photogram.stories.repository import (
    HighlightRow,
    StoryRow,
)
from photogram.stories.service import (
    media_out,
    sees_close_friends,
)

MAX_HIGHLIGHTS = 100


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
    repository.check_live(tx, story)
    media_repo.hold(tx, story.media_id, HIGHLIGHT_HOLDER + highlight_id)


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
    except db.TransactWriteError as error:
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
    row = repository.highlight(
        highlight_id=highlight_id,
        owner_id=owner_id,
        title=request.title,
        stories=[_copy(stories[s]) for s in request.story_ids],
        now=clock.iso(),
    )

    def write(tx: db.TransactWrite) -> None:
        repository.new_highlight(tx, row)
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
    return sees_close_friends(viewer_id, row.owner_id, state)


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
        repository.save_highlight(tx, row, read_version=version)
        for story in added.values():
            _keep(tx, story, highlight_id)

    _commit(write)
    return _highlight_out(row)


def delete_highlight(owner_id: str, highlight_id: str) -> None:
    """Delete my highlight; stories' media go once nothing else keeps them.
    Raises NotFound(highlight_not_found), Forbidden(not_your_highlight)."""
    row = _own_highlight(owner_id, highlight_id)
    repository.delete_highlight(row)


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
    close = has_close and sees_close_friends(viewer_id, owner.user_id, state)
    shown = [_highlight_out(r, close_friend=close) for r in found]
    return HighlightPage(
        items=[h for h in shown if h.stories],
        next_cursor=cursors().seal(position, scope),
    )
