"""Stories, views, tray rings and highlights; the only stories code that touches the
table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from pynamodb.attributes import BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DeleteError, UpdateError

from photogram import clock, db
from photogram.db import Row, batch_get
from photogram.keys import shard_for, time_sk
from photogram.stories import keys

STORY_HOURS = 24


class StoryRow(Row, discriminator="story"):
    story_id = UnicodeAttribute()
    author_id = UnicodeAttribute()
    media_id = UnicodeAttribute()
    # What the story shows: {width, height, variants, blur_placeholder, dominant_color}.
    media = JSONAttribute()
    audience = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # TTL (epoch seconds): created_at + 24 h.
    expires_at = NumberAttribute()


class StoryViewRow(Row, discriminator="story_view"):
    story_id = UnicodeAttribute()
    viewer_id = UnicodeAttribute()
    # The story's author: a view feeds the viewer's affinity for them (the feed).
    author_id = UnicodeAttribute()
    viewed_at = UnicodeAttribute()
    expires_at = NumberAttribute()


class ViewCountRow(Row, discriminator="story_view_count"):
    """One shard of a story's view count (a viewer's shard is fixed by their id)."""

    views = NumberAttribute(default=0)
    expires_at = NumberAttribute()


class RingRow(Row, discriminator="story_ring"):
    """An author's ring in one viewer's tray: who (as of the latest story), and when
    their latest story I may see was posted. Gone with that story (TTL)."""

    author_id = UnicodeAttribute()
    handle = UnicodeAttribute()
    display_name = UnicodeAttribute(default="")
    is_private = BooleanAttribute(default=False)
    avatar = JSONAttribute(null=True)
    latest_at = UnicodeAttribute()
    expires_at = NumberAttribute()


class StarRow(RingRow, discriminator="story_star"):
    """The ring of an author with very many followers, read by every follower's tray
    instead of being written to each (followers-audience stories only)."""


class SeenRow(Row, discriminator="story_seen"):
    """The newest story of an author this viewer has seen (a ring is all seen when
    this reaches its latest story)."""

    author_id = UnicodeAttribute()
    seen_at = UnicodeAttribute()
    expires_at = NumberAttribute()


class TrayMuteRow(Row, discriminator="story_mute"):
    """A mute, copied into the muter's tray partition so the tray stays one query."""

    author_id = UnicodeAttribute()


class HighlightRow(Row, discriminator="highlight"):
    highlight_id = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    title = UnicodeAttribute()
    # Copies of the kept stories: [{story_id, media_id, media, created_at}], so they
    # outlive the stories themselves.
    stories = JSONAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    # Edits are conditional on it, so two concurrent edits cannot lose one.
    version = NumberAttribute(default=0)


def window_start() -> str:
    """The oldest created_at a live story can have."""
    return clock.iso(clock.now() - timedelta(hours=STORY_HOURS))


def is_live(expires_at: int | float | None) -> bool:
    """Reads filter on the TTL attribute: DynamoDB deletes expired items days late."""
    return expires_at is not None and int(expires_at) > clock.epoch()


# --- stories ---------------------------------------------------------------------------


def get_story(story_id: str) -> StoryRow | None:
    """The story if it exists and has not expired."""
    try:
        row = StoryRow.get(*keys.story_key(story_id), consistent_read=True)
    except StoryRow.DoesNotExist:
        return None
    return row if is_live(row.expires_at) else None


def story(
    *,
    story_id: str,
    author_id: str,
    media_id: str,
    media: dict[str, Any],
    audience: str,
    created_at: str,
    expires_at: int,
) -> StoryRow:
    """A story item, not yet written (listed under its author by creation time)."""
    return StoryRow(
        *keys.story_key(story_id),
        story_id=story_id,
        author_id=author_id,
        media_id=media_id,
        media=media,
        audience=audience,
        created_at=created_at,
        expires_at=expires_at,
        GSI1PK=keys.stories_pk(author_id),
        GSI1SK=time_sk(created_at, story_id),
    )


def new_story(tx: db.TransactWrite, story: StoryRow) -> None:
    """In `tx`: write the story, on the condition that its id is new."""
    tx.save(story, condition=StoryRow.PK.does_not_exist())


def delete_story(story: StoryRow) -> bool:
    """Delete the story now; False if it was already gone."""
    try:
        story.delete(condition=StoryRow.PK.exists())
    except DeleteError as error:
        if not db.condition_failed(error):
            raise
        return False
    return True


def live_stories(author_id: str) -> list[StoryRow]:
    """The author's live stories, oldest first (one query of the last 24 hours)."""
    rows = Row.gsi1.query(
        keys.stories_pk(author_id), window_start() <= Row.GSI1SK, scan_index_forward=True
    )
    return [r for r in rows if isinstance(r, StoryRow) and is_live(r.expires_at)]


def stories_by_id(story_ids: Iterable[str]) -> dict[str, StoryRow]:
    """Live stories among these ids (one batch read)."""
    found = batch_get(keys.story_key(s) for s in story_ids)
    return {
        r.story_id: r for r in found.values() if isinstance(r, StoryRow) and is_live(r.expires_at)
    }


def seen_stories(viewer_id: str, story_ids: list[str]) -> set[str]:
    found = batch_get(keys.view_key(s, viewer_id) for s in story_ids)
    return {r.story_id for r in found.values() if isinstance(r, StoryViewRow)}


def view_counts(story_ids: list[str]) -> dict[str, int]:
    """Each story's views, summed over its counter shards (one batch read per 12)."""
    found = batch_get(k for s in story_ids for k in keys.view_count_keys(s))
    return {
        s: sum(
            int(r.views)
            for k in keys.view_count_keys(s)
            if isinstance(r := found.get(k), ViewCountRow)
        )
        for s in story_ids
    }


def new_view(tx: db.TransactWrite, story: StoryRow, viewer_id: str, viewed_at: str) -> None:
    """In `tx`: the viewer's view of the story, on the condition that it is their
    first, and one more view on the viewer's counter shard (both expire with the
    story). The view is the transaction's first item, the shard its second."""
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
    tx.save(view, condition=StoryViewRow.PK.does_not_exist())
    tx.update(
        shard,
        [
            ViewCountRow.views.add(1),
            Row.kind.set(ViewCountRow),
            ViewCountRow.expires_at.set(int(story.expires_at)),
        ],
    )


def mark_seen(viewer_id: str, story: StoryRow) -> None:
    """Move my seen mark for the author up to this story (never back)."""
    row = SeenRow(*keys.seen_key(viewer_id, story.author_id))
    try:
        row.update(
            actions=[
                Row.kind.set(SeenRow),
                SeenRow.author_id.set(story.author_id),
                SeenRow.seen_at.set(story.created_at),
                SeenRow.expires_at.set(int(story.expires_at)),
            ],
            condition=SeenRow.seen_at.does_not_exist() | (SeenRow.seen_at < story.created_at),
        )
    except UpdateError as error:
        if not db.condition_failed(error):
            raise


# --- the tray --------------------------------------------------------------------------


def tray_items(viewer_id: str) -> list[Row]:
    """Everything in my tray partition: rings, seen marks, mute marks (one query)."""
    return list(Row.query(keys.tray_pk(viewer_id)))


def stars() -> list[StarRow]:
    """The rings of authors above the fan-out threshold (one query)."""
    return [r for r in StarRow.query(keys.STARS_PK) if isinstance(r, StarRow)]


def ring_fields(profile: Any, latest: StoryRow) -> dict[str, Any]:
    return {
        "author_id": profile.user_id,
        "handle": profile.handle,
        "display_name": profile.display_name,
        "is_private": bool(profile.is_private),
        "avatar": profile.avatar,
        "latest_at": latest.created_at,
        "expires_at": int(latest.expires_at),
    }


def put_rings(viewer_ids: list[str], fields: dict[str, Any]) -> None:
    """One ring per viewer (batch writes; writing the same ring again is harmless)."""
    author_id = fields["author_id"]
    with RingRow.batch_write() as batch:
        for viewer_id in viewer_ids:
            batch.save(RingRow(*keys.ring_key(viewer_id, author_id), **fields))


def delete_rings(viewer_ids: list[str], author_id: str) -> None:
    with RingRow.batch_write() as batch:
        for viewer_id in viewer_ids:
            batch.delete(RingRow(*keys.ring_key(viewer_id, author_id)))


def put_star(fields: dict[str, Any]) -> None:
    StarRow(*keys.star_key(fields["author_id"]), **fields).save()


def delete_star(author_id: str) -> None:
    StarRow(*keys.star_key(author_id)).delete()


def forget_author(viewer_id: str, author_id: str) -> None:
    """Take an author out of my tray (unfollowed or blocked): their ring and seen mark."""
    with RingRow.batch_write() as batch:
        batch.delete(RingRow(*keys.ring_key(viewer_id, author_id)))
        batch.delete(SeenRow(*keys.seen_key(viewer_id, author_id)))


def set_tray_mute(viewer_id: str, author_id: str, muted: bool) -> None:
    row = TrayMuteRow(*keys.muted_key(viewer_id, author_id), author_id=author_id)
    if muted:
        row.save()
    else:
        row.delete()


# --- highlights ------------------------------------------------------------------------


def count_highlights(owner_id: str) -> int:
    return int(Row.gsi1.count(keys.highlights_pk(owner_id)))


def get_highlight(highlight_id: str) -> HighlightRow | None:
    try:
        return HighlightRow.get(*keys.highlight_key(highlight_id), consistent_read=True)
    except HighlightRow.DoesNotExist:
        return None


def highlight(
    *, highlight_id: str, owner_id: str, title: str, stories: list[dict[str, Any]], now: str
) -> HighlightRow:
    """A highlight item, not yet written (listed under its owner by creation time)."""
    return HighlightRow(
        *keys.highlight_key(highlight_id),
        highlight_id=highlight_id,
        owner_id=owner_id,
        title=title,
        stories=stories,
        created_at=now,
        updated_at=now,
        GSI1PK=keys.highlights_pk(owner_id),
        GSI1SK=time_sk(now, highlight_id),
    )


def new_highlight(tx: db.TransactWrite, row: HighlightRow) -> None:
    """In `tx`: write the highlight, on the condition that its id is new."""
    tx.save(row, condition=HighlightRow.PK.does_not_exist())


def save_highlight(tx: db.TransactWrite, row: HighlightRow, *, read_version: int) -> None:
    """In `tx`: write the edited highlight, on the condition that its version is still
    the one it was read at (so a concurrent edit is not lost)."""
    tx.save(row, condition=HighlightRow.version == read_version)


def check_live(tx: db.TransactWrite, story: StoryRow) -> None:
    """In `tx`: the condition that the story is still there and live."""
    tx.condition_check(
        StoryRow,
        *keys.story_key(story.story_id),
        condition=StoryRow.PK.exists() & (StoryRow.expires_at > clock.epoch()),
    )


def highlight_unchanged(tx: db.TransactWrite, highlight_id: str, read: HighlightRow | None) -> None:
    """In `tx`: the condition that the highlight is as `read` found it (the same
    version, or still absent)."""
    condition = (
        HighlightRow.version == int(read.version)
        if read is not None
        else HighlightRow.PK.does_not_exist()
    )
    tx.condition_check(HighlightRow, *keys.highlight_key(highlight_id), condition=condition)


def delete_highlight(row: HighlightRow) -> None:
    """Delete the highlight (its stories' media are released by the stream)."""
    row.delete()
