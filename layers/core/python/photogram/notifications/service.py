"""Reading my notifications: the inbox page, the unread count, marking them seen, and
my settings."""

from __future__ import annotations

from photogram import clock
from photogram.media import service as media_service
from photogram.notifications import keys, repository
from photogram.notifications.models import (
    NotificationComment,
    NotificationOut,
    NotificationPage,
    NotificationPost,
    NotificationSettings,
    NotificationSettingsIn,
    SeenOut,
    UnreadCount,
)
from photogram.notifications.repository import EntryRow, SeenRow
from photogram.pagination import PageRequest, cursors
from photogram.posts import repository as posts_repo
from photogram.posts.service import author_out
from photogram.social import service as social

# Actors shown by name ("alice, bob and 1,204 others").
SHOWN_ACTORS = 3
# The unread count reads no further: the badge says "99+".
UNREAD_CAP = 100
# Actors of an entry looked at when rendering it: enough to show SHOWN_ACTORS after
# leaving out blocked and muted ones.
MAX_READ = 10
# The kinds whose "others" are a post's exact counter, and which counter.
COUNTER_OF = {"like": "likes", "comment": "comments"}


def notification_id(row: EntryRow) -> str:
    return row.SK.removeprefix(keys.ENTRY_PREFIX)


def render(
    recipient_id: str,
    rows: list[EntryRow],
    seen_at: str | None = None,
    totals: dict[str, dict[str, int]] | None = None,
) -> list[NotificationOut]:
    """Entries as the recipient sees them now: actors who are gone, blocked either way
    or muted are left out (an entry left with none is not shown), as are entries
    whose post is gone. A few reads for the whole list (`totals`: the posts' counters,
    if the caller has just read them)."""
    actor_ids = {a for row in rows for a in (row.actor_ids or [])[:MAX_READ]}
    states = social.relations_among(recipient_id, actor_ids)
    visible = {a: s.target for a, s in states.items() if s.target and social.hears_from(s)}
    post_ids = sorted({str(r.post_id) for r in rows if r.post_id})
    posts = posts_repo.get_many(post_ids) if post_ids else {}
    counted = sorted(
        {str(r.post_id) for r in rows if r.notification_kind in COUNTER_OF and r.post_id}
    )
    if totals is None or not set(counted) <= set(totals):
        # The caller's read of the counters (the consumer's, this batch), else ours.
        totals = posts_repo.counts(counted) if counted else {}
    seen_sk = keys.seen_listed_sk(seen_at) if seen_at else ""
    out = []
    for row in rows:
        actors = [visible[a] for a in (row.actor_ids or []) if a in visible]
        post = posts.get(str(row.post_id)) if row.post_id else None
        if not actors or (row.post_id and post is None):
            continue
        shown = actors[:SHOWN_ACTORS]
        if row.notification_kind in COUNTER_OF and row.post_id:
            total = totals.get(str(row.post_id), {}).get(COUNTER_OF[str(row.notification_kind)], 0)
        else:
            total = int(row.actor_count or 0)
        thumbnail = None
        if post is not None and post.media:
            thumbnail = media_service.variants_out(post.media[0]["variants"]).get("thumbnail")
        out.append(
            NotificationOut(
                notification_id=notification_id(row),
                kind=row.notification_kind,
                actors=[author_out(a) for a in shown],
                others_count=max(0, total - len(shown)),
                post=NotificationPost(post_id=post.post_id, thumbnail=thumbnail) if post else None,
                comment=(
                    NotificationComment(comment_id=row.comment_id, text=row.text or "")
                    if row.comment_id
                    else None
                ),
                created_at=row.started_at,
                updated_at=row.updated_at,
                is_unread=str(row.GSI1SK) > seen_sk,
            )
        )
    return out


def _seen_at(recipient_id: str) -> str | None:
    found = repository.seen(recipient_id)
    return found.seen_at if found is not None else None


def list_notifications(recipient_id: str, page: PageRequest) -> NotificationPage:
    """My notifications, newest activity first (a group that grows moves up)."""
    scope = f"notifications:{recipient_id}"
    start = cursors().open(page.cursor, scope)
    found, position = repository.listed(recipient_id, page.limit, start)
    now = clock.epoch()
    rows = [r for r in found if isinstance(r, EntryRow) and r.expires_at > now]
    items = render(recipient_id, rows, _seen_at(recipient_id))
    return NotificationPage(items=items, next_cursor=cursors().seal(position, scope))


def unread_count(recipient_id: str) -> UnreadCount:
    """How many notifications changed since I last marked them seen, up to 100: one
    Query, reading back to the seen mark."""
    now, count = clock.epoch(), 0
    for row in repository.newest(recipient_id, UNREAD_CAP + 1):
        if isinstance(row, SeenRow):
            break
        if isinstance(row, EntryRow) and row.expires_at > now:
            count += 1
    count = min(count, UNREAD_CAP)
    return UnreadCount(count=count, display="99+" if count > UNREAD_CAP - 1 else str(count))


def mark_seen(recipient_id: str) -> SeenOut:
    """Everything up to now is seen (a later mark is kept if two devices race)."""
    return SeenOut(seen_at=repository.mark_seen(recipient_id, clock.iso()))


def get_settings(user_id: str) -> NotificationSettings:
    return NotificationSettings(**repository.settings_of([user_id])[user_id])


def change_settings(user_id: str, change: NotificationSettingsIn) -> NotificationSettings:
    """Change the audiences named; the rest keep theirs."""
    current = get_settings(user_id).model_dump()
    current.update(change.model_dump(exclude_none=True))
    changed = {kind: audience for kind, audience in current.items() if audience != "everyone"}
    repository.save_settings(user_id, changed)
    return NotificationSettings(**current)
