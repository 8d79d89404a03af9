"""Every key string of the stories domain.

- A story is one item, `STORY#<id>`, listed under its author on GSI1
  (`STORIES#<author>`, sorted by creation time) so live stories are one Query.
- A view is one item per (story, viewer), each in its own partition so a story
  everyone watches is not one hot partition (a second view is the same item, so a
  view counts once); views are listed newest first on GSI1 (`VIEWERS#<story>`) and
  counted on write-sharded counters (`VIEWS#<story>#<shard>`), as likes are.
- A viewer's tray is one partition, `TRAY#<viewer>`: a ring per followed author with
  live stories (written by the fan-out), a seen mark per author (written by views),
  and a mute mark per muted author (written from the mute), so the tray is one Query.
- Authors with very many followers are not fanned out: their latest story time is
  one row of the `STORY_STARS` partition, merged at read time.
- A highlight is one item, `HIGHLIGHT#<id>`, listed on GSI1 (`HIGHLIGHTS#<owner>`).
"""

from __future__ import annotations

from photogram.keys import COUNTER_SHARDS, Key

STORY_SK = "STORY"
HIGHLIGHT_SK = "HIGHLIGHT"
STARS_PK = "STORY_STARS"


def story_key(story_id: str) -> Key:
    return f"STORY#{story_id}", STORY_SK


def stories_pk(author_id: str) -> str:
    """GSI1 partition: an author's stories, GSI1SK = "<created_at>#<story_id>"."""
    return f"STORIES#{author_id}"


def view_key(story_id: str, viewer_id: str) -> Key:
    return f"VIEW#{story_id}#{viewer_id}", "VIEW"


def view_count_key(story_id: str, shard: int) -> Key:
    return f"VIEWS#{story_id}#{shard}", "COUNTS"


def view_count_keys(story_id: str) -> list[Key]:
    return [view_count_key(story_id, shard) for shard in range(COUNTER_SHARDS)]


def viewers_pk(story_id: str) -> str:
    """GSI1 partition: a story's viewers, GSI1SK = "<viewed_at>#<viewer_id>"."""
    return f"VIEWERS#{story_id}"


def tray_pk(viewer_id: str) -> str:
    return f"TRAY#{viewer_id}"


def ring_key(viewer_id: str, author_id: str) -> Key:
    return tray_pk(viewer_id), f"RING#{author_id}"


def seen_key(viewer_id: str, author_id: str) -> Key:
    return tray_pk(viewer_id), f"SEEN#{author_id}"


def muted_key(viewer_id: str, author_id: str) -> Key:
    return tray_pk(viewer_id), f"MUTED#{author_id}"


def star_key(author_id: str) -> Key:
    return STARS_PK, author_id


def highlight_key(highlight_id: str) -> Key:
    return f"HIGHLIGHT#{highlight_id}", HIGHLIGHT_SK


def highlights_pk(owner_id: str) -> str:
    """GSI1 partition: an owner's highlights, GSI1SK = "<created_at>#<highlight_id>"."""
    return f"HIGHLIGHTS#{owner_id}"
