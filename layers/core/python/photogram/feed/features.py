"""The ranking features, computed from the aggregates the stream consumers keep, never
from a user's whole history. Serving (feed/service.py) and training (the ranking
model) both call these functions, so the model learns what the feed will send it.

- affinity: my recent likes (1), comments (2) and saves (3) of the author's posts,
  each weight halving every AFFINITY_HALF_LIFE_H hours (story views are kept beside
  them with weight 0, see KIND_WEIGHTS);
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

from photogram import clock
from photogram.feed.ranking import Features

# Story views are recorded but weigh nothing yet: folded into affinity they lowered
# the model's NDCG@10 on the simulator (1.38x to 1.36x chronological, docs/decisions.md
# 24); they wait for a feature of their own.
KIND_WEIGHTS = {"like": 1.0, "comment": 2.0, "save": 3.0, "story_view": 0.0}
# A user's affinity item keeps their latest likes, comments and saves, and apart from
# them their latest story views: views come far more often and carry no hashtags, so
# they must not push the engagement (and with it content affinity) out.
MAX_EVENTS = 200
MAX_VIEW_EVENTS = 100
AFFINITY_HALF_LIFE_H = 72.0
AUTHOR_POSTS = 10


def kept(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The events an affinity item keeps, oldest first: the latest MAX_EVENTS of likes,
    comments and saves, and the latest MAX_VIEW_EVENTS story views."""
    ordered = sorted((dict(e) for e in events), key=lambda e: float(e["at"]))
    views = [e for e in ordered if e["kind"] == "story_view"][-MAX_VIEW_EVENTS:]
    others = [e for e in ordered if e["kind"] != "story_view"][-MAX_EVENTS:]
    return sorted(views + others, key=lambda e: float(e["at"]))


def engagement(totals: Mapping[str, int]) -> float:
    likes, comments, saves = (totals.get(n, 0) for n in ("likes", "comments", "saves"))
    return float(likes + 2 * comments + 3 * saves)


def age_hours(created_at: str, now: datetime) -> float:
    created = clock.parse(created_at)
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


def candidate_features(
    interests: Interests, ref: Mapping[str, Any], totals: dict[str, int], now: datetime
) -> Features:
    """One candidate's features from what the feed has read: my interests (from my
    affinity item), its ref (timeline entry, celebrity row or discovery entry) and
    its stats item's totals. The ranking model trains on the same function's output."""
    return features(
        interests,
        author_id=ref["author_id"],
        hashtags=ref.get("hashtags") or [],
        created_at=ref["created_at"],
        totals=totals,
        author_engagement=float(ref.get("author_engagement") or 0),
        now=now,
    )
