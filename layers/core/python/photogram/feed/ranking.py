"""Scoring feed candidates: the features (defined once, for serving and for the
ranking model's training), the `Ranker` interface, the heuristic ranker, and the
SageMaker ranker that falls back to it.

Features per (viewer, candidate post), all non-negative floats:
- affinity: the viewer's recent interactions with the author (likes, comments,
  saves; story views are recorded but not yet weighed), time-decayed;
- engagement_rate: the post's (likes + 2 x comments + 3 x saves) per hour of age;
- recency_hours: the post's age;
- content_affinity: the viewer's interest in the post's hashtags;
- author_engagement: the author's typical engagement per post.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any, Protocol

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    ReadTimeoutError,
)

from photogram import metrics

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


class SageMakerRanker:
    """The trained model behind a SageMaker endpoint (`InvokeEndpoint`, JSON rows in,
    scores out). Any error or a reply slower than the client's read timeout falls
    back to the heuristic, so the feed is always served; `fallbacks` counts them."""

    def __init__(self, client: Any, endpoint: str, fallback: Ranker | None = None) -> None:
        self._client, self._endpoint = client, endpoint
        self._fallback = fallback or HeuristicRanker()
        self.fallbacks = 0
        self.last_latency_ms = 0.0

    def score(self, candidates: Sequence[Features]) -> list[float]:
        if not candidates:
            return []
        started = time.perf_counter()
        try:
            response = self._client.invoke_endpoint(
                EndpointName=self._endpoint,
                ContentType="application/json",
                Accept="application/json",
                Body=json.dumps(
                    {"features": list(FEATURE_NAMES), "rows": [c.row() for c in candidates]}
                ),
            )
            scores = json.loads(response["Body"].read())["scores"]
            if len(scores) != len(candidates):
                raise ValueError("the model returned a different number of scores")
            return [float(s) for s in scores]
        except (BotoCoreError, ClientError, ValueError, KeyError, TypeError) as error:
            self.fallbacks += 1
            timed_out = isinstance(error, ConnectTimeoutError | ReadTimeoutError)
            metrics.count("RankerFallbacks", cause="timeout" if timed_out else "error")
            return self._fallback.score(candidates)
        finally:
            self.last_latency_ms = (time.perf_counter() - started) * 1000


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
    """The ranker the settings choose (one per cold start)."""
    from photogram.settings import settings

    config = settings()
    if config.ranker == "heuristic":
        return HeuristicRanker()
    if not config.ranker_endpoint:
        raise ValueError("PHOTOGRAM_RANKER=sagemaker needs PHOTOGRAM_RANKER_ENDPOINT")
    import boto3
    from botocore.config import Config

    timeout_s = config.ranker_timeout_ms / 1000
    client = boto3.client(
        "sagemaker-runtime",
        # A strict budget and no retries: the heuristic answers instead.
        config=Config(
            connect_timeout=timeout_s, read_timeout=timeout_s, retries={"max_attempts": 0}
        ),
    )
    return SageMakerRanker(client, config.ranker_endpoint)
