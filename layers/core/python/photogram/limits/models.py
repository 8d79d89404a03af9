"""What is limited, and how much."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Action = Literal[
    "follow",
    "like",
    "comment",
    "post",
    "story",
    "story_view",
    "handle_change",
    "upload",
    "message",
    "conversation",
]


@dataclass(frozen=True)
class Limit:
    """How many uses of `action` one account may make per UTC minute and per UTC day.
    `noun` names the uses in limit codes: "per_minute_follows", "daily_follows"."""

    action: Action
    noun: str
    per_minute: int
    per_day: int
