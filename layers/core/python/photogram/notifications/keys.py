"""Every key string of notifications.

A user's inbox is one partition, `INBOX#<recipient>`:
- an entry per notification (`NOTE#<kind>#<subject>[#<started_at>]`): a group (the
  likes of one post, the comments on one post, the follows) carries the time it
  started, so a group older than the window is followed by a new one and the
  current group is the newest key with its prefix (one Query, newest first);
  single notifications are keyed by what caused them (a comment, a post, a user),
  so a re-delivered stream record writes the same item again;
- the seen mark (`SEEN`).
Entries and the seen mark are listed on GSI1 (same partition name) by
`<updated_at>#<SK>`, so a group that grows moves to the top, and the unread ones
are those read before the seen mark: the unread count is one Query.
My settings are one item in my own partition; the would-be mobile pushes are an
outbox partition per recipient.
"""

from __future__ import annotations

from photogram.keys import Key, user_pk

ENTRY_PREFIX = "NOTE#"
SEEN_SK = "SEEN"
# After every "<updated_at>#NOTE#..." of the same millisecond, so what happened in the
# moment of marking counts as seen.
SEEN_SUFFIX = "~SEEN"


def inbox_pk(recipient_id: str) -> str:
    return f"INBOX#{recipient_id}"


def group_prefix(kind: str, subject: str) -> str:
    return f"{ENTRY_PREFIX}{kind}#{subject}#"


def group_key(recipient_id: str, kind: str, subject: str, started_at: str) -> Key:
    return inbox_pk(recipient_id), f"{group_prefix(kind, subject)}{started_at}"


def single_key(recipient_id: str, kind: str, source_id: str) -> Key:
    return inbox_pk(recipient_id), f"{ENTRY_PREFIX}{kind}#{source_id}"


def listed_sk(updated_at: str, sk: str) -> str:
    """GSI1SK of an entry: newest activity first."""
    return f"{updated_at}#{sk}"


def seen_key(recipient_id: str) -> Key:
    return inbox_pk(recipient_id), SEEN_SK


def seen_listed_sk(seen_at: str) -> str:
    return f"{seen_at}#{SEEN_SUFFIX}"


def settings_key(user_id: str) -> Key:
    return user_pk(user_id), "NOTIFICATION_SETTINGS"


def outbox_key(recipient_id: str, created_at: str, entry_sk: str) -> Key:
    return f"OUTBOX#{recipient_id}", f"{created_at}#{entry_sk}"


def outbox_pk(recipient_id: str) -> str:
    return f"OUTBOX#{recipient_id}"
