"""The story tray: the followees with live stories, unseen first, then most recent
(one tray partition per viewer; large accounts' star rows merged at read time)."""

from __future__ import annotations

import hashlib

from photogram import clock, db
from photogram.pagination import PageRequest, cursors
from photogram.social import keys as social_keys
from photogram.stories import repository
from photogram.stories.models import (
    TrayEntryOut,
    TrayOut,
)
from photogram.stories.repository import (
    RingRow,
    SeenRow,
    TrayMuteRow,
)
from photogram.users import service as users
from photogram.users.models import UserSummary

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
    latest = clock.parse(entry.latest_story_at)
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
