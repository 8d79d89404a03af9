"""Scoring feed candidates: the features (defined once, for serving and for the
ranking model's training), the `Ranker` interface, the heuristic ranker, and the
choice between it and the SageMaker ranker (photogram.adapters.ranking) that falls
back to it.

Features per (viewer, candidate post), all non-negative floats:
- affinity: the viewer's recent interactions with the author (likes, comments,
  saves; story views are recorded but not yet weighed), time-decayed;
- engagement_rate: the post's (likes + 2 x comments + 3 x saves) per hour of age;
- recency_hours: the post's age;
- content_affinity: the viewer's interest in the post's hashtags;
- author_engagement: the author's typical engagement per post.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any, Protocol

from photogram.adapters import ranking as endpoint

FEATURE_NAMES = (
    "affinity",
    "engagement_rate",
    "recency_hours",
    "content_affinity",
    "author_engagement",
)


@dataclass(frozen=True)
class Features:
    affinity: float
    engagement_rate: float
    recency_hours: float
    content_affinity: float
    author_engagement: float

    def row(self) -> list[float]:
        return [float(v) for v in astuple(self)]


assert tuple(f.name for f in fields(Features)) == FEATURE_NAMES


class Ranker(Protocol):
    def score(self, candidates: Sequence[Features]) -> list[float]: ...


# The heuristic: a documented weighted formula, the fallback whenever the model
# cannot answer in time. Recency halves a post's weight every RECENCY_HALF_LIFE_H.
WEIGHTS = {
    "affinity": 3.0,
    "engagement_rate": 1.5,
    "content_affinity": 2.0,
    "author_engagement": 0.5,
}
RECENCY_HALF_LIFE_H = 12.0


class HeuristicRanker:
    def score(self, candidates: Sequence[Features]) -> list[float]:
        scores = []
        for f in candidates:
            base = (
                WEIGHTS["affinity"] * math.log1p(f.affinity)
                + WEIGHTS["engagement_rate"] * math.log1p(f.engagement_rate)
                + WEIGHTS["content_affinity"] * math.log1p(f.content_affinity)
                + WEIGHTS["author_engagement"] * math.log1p(f.author_engagement)
            )
            decay = 0.5 ** (f.recency_hours / RECENCY_HALF_LIFE_H)
            scores.append((1.0 + base) * decay)
        return scores


class SageMakerRanker(endpoint.SageMakerRanker):
    """The trained model behind its endpoint, sent these features, falling back to the
    heuristic on any error or a reply slower than the client's read timeout."""

    def __init__(self, client: Any, endpoint_name: str, fallback: Ranker | None = None) -> None:
        super().__init__(
            client, endpoint_name, FEATURE_NAMES, fallback=fallback or HeuristicRanker()
        )


def diversify(
    ranked: Sequence[tuple[str, str]], *, per_author: int, page_size: int
) -> list[list[tuple[str, str]]]:
    """Cut ranked (post_id, author_id) pairs into pages of at most `page_size` where
    each author has at most `per_author` posts and no two in a row where another
    choice exists; otherwise the ranking order is kept. Posts held back by the cap
    go to later pages (a page may end early when only capped authors remain)."""
    pending = list(ranked)
    pages: list[list[tuple[str, str]]] = []
    while pending:
        page: list[tuple[str, str]] = []
        counts: dict[str, int] = {}
        while pending and len(page) < page_size:
            previous = page[-1][1] if page else None
            allowed = [i for i, (_, a) in enumerate(pending) if counts.get(a, 0) < per_author]
            if not allowed:
                break
            choice = next((i for i in allowed if pending[i][1] != previous), allowed[0])
            # Look ahead: an author who still fills half the page's remaining slots
            # must go now, or the page ends in a run of theirs.
            supply: dict[str, int] = {}
            for i in allowed:
                author = pending[i][1]
                supply[author] = min(supply.get(author, 0) + 1, per_author - counts.get(author, 0))
            slots = min(page_size - len(page), sum(supply.values()))
            crowded = [a for a, n in supply.items() if a != previous and 2 * n >= slots + 1]
            if crowded:
                choice = next(i for i in allowed if pending[i][1] == crowded[0])
            post = pending.pop(choice)
            counts[post[1]] = counts.get(post[1], 0) + 1
            page.append(post)
        pages.append(page)
    return pages


def ranker() -> Ranker:
    """The ranker the settings choose, made once per settings (a cold start): the
    SageMaker client and its connection pool are reused by every re-rank."""
    global _made
    from photogram.settings import settings

    config = settings()
    if _made is not None and _made[0] is config:
        return _made[1]
    chosen: Ranker
    if config.ranker == "heuristic":
        chosen = HeuristicRanker()
    elif not config.ranker_endpoint:
        raise ValueError("PHOTOGRAM_RANKER=sagemaker needs PHOTOGRAM_RANKER_ENDPOINT")
    else:
        chosen = SageMakerRanker(
            endpoint.sagemaker_runtime(config.ranker_timeout_ms), config.ranker_endpoint
        )
    _made = (config, chosen)
    return chosen


_made: tuple[Any, Ranker] | None = None
