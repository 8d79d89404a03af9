"""The ranking features, computed from the aggregates the stream consumers keep, never
from a user's whole history. Serving (feed/service.py) and training (the ranking
model) both call these functions, so the model learns what the feed will send it.

- affinity: my recent likes (1), comments (2) and saves (3) of the author's posts
  and views (0.5) of their stories, each weight halving every AFFINITY_HALF_LIFE_H
  hours;
- content_affinity: the same decayed weights, per hashtag of the posts I engaged
  with, summed over the candidate's hashtags;
- engagement_rate: the post's likes + 2 x comments + 3 x saves per hour of age
  (at least one hour);
- recency_hours: the post's age;
- author_engagement: the mean engagement of the author's previous posts
  (up to AUTHOR_POSTS), taken when the post was fanned out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from photogram.feed.ranking import Features

KIND_WEIGHTS = {"like": 1.0, "comment": 2.0, "save": 3.0, "story_view": 0.5}
AFFINITY_HALF_LIFE_H = 72.0
AUTHOR_POSTS = 10


def engagement(totals: Mapping[str, int]) -> float:
    likes, comments, saves = (totals.get(n, 0) for n in ("likes", "comments", "saves"))
    return float(likes + 2 * comments + 3 * saves)


def age_hours(created_at: str, now: datetime) -> float:
    created = datetime.fromisoformat(created_at.replace("Z", "+00:00"))
    return max(0.0, (now - created).total_seconds() / 3600)


@dataclass(frozen=True)
class Interests:
    """A viewer's decayed interest per author and per hashtag."""

    authors: dict[str, float]
    tags: dict[str, float]

    @classmethod
    def from_events(cls, events: Iterable[Mapping[str, Any]], now: datetime) -> Interests:
        authors: dict[str, float] = {}
        tags: dict[str, float] = {}
        for event in events:
            hours = max(0.0, (now.timestamp() - float(event["at"])) / 3600)
            weight = KIND_WEIGHTS.get(str(event["kind"]), 0.0) * 0.5 ** (
                hours / AFFINITY_HALF_LIFE_H
            )
            author = str(event["author_id"])
            authors[author] = authors.get(author, 0.0) + weight
            for tag in event.get("hashtags") or []:
                tags[str(tag)] = tags.get(str(tag), 0.0) + weight
        return cls(authors, tags)


def features(
    interests: Interests,
    *,
    author_id: str,
    hashtags: Iterable[str],
    created_at: str,
    totals: Mapping[str, int],
    author_engagement: float,
    now: datetime,
) -> Features:
    age = age_hours(created_at, now)
    return Features(
        affinity=interests.authors.get(author_id, 0.0),
        engagement_rate=engagement(totals) / max(age, 1.0),
        recency_hours=age,
        content_affinity=sum(interests.tags.get(str(t), 0.0) for t in set(hashtags)),
        author_engagement=float(author_engagement),
    )
