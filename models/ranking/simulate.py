"""A synthetic Photogram with a known ground truth, for training and evaluating the
feed's ranking model.

Users have latent topic interests and activity levels; authors have a quality and
one or two topics; the follow graph is skewed (a few celebrities, many small
accounts); posts carry hashtags of their author's topics. Viewers open the feed in
sessions; each session shows the candidates a feed would have (followees' posts of
the last three days, in random order, so the labels carry no position bias) and
engagement (like, comment, save, dwell) is drawn from a ground-truth probability.

Events are replayed in time order through the same aggregates the stream consumers
keep (a user's affinity events, a post's engagement totals, the author's mean
engagement when a post fans out), and every impression's features come from the
production code: `photogram.feed.features.features`. Training and serving cannot
drift apart.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from photogram.feed import features as feed_features
from photogram.feed.features import candidate_features
from photogram.feed.ranking import FEATURE_NAMES

TOPICS = [
    "travel", "food", "cats", "dogs", "sailing", "street", "film", "code",
    "garden", "coffee", "football", "art", "music", "hiking", "space", "diy",
]  # fmt: skip
START = datetime(2026, 11, 1, tzinfo=UTC)
WINDOW_H = 72.0


@dataclass(frozen=True)
class Config:
    users: int = 1000
    # How many accounts a user follows: lognormal around this median. Real accounts
    # follow a few hundred; with a median of 20 a simulated viewer engaged about ten
    # times in ten days, too little history to learn anyone's interests from.
    median_follows: float = 55.0
    days: int = 10
    sessions_per_day: float = 6.0
    candidates_per_session: int = 30
    seed: int = 7


@dataclass
class Post:
    post_id: int
    author: int
    created_h: float
    topics: list[int]
    hashtags: list[str]
    author_engagement: float
    totals: dict[str, int] = field(default_factory=lambda: {"likes": 0, "comments": 0, "saves": 0})


@dataclass
class Dataset:
    """One row per impression, grouped by session (`group`)."""

    features: np.ndarray  # (rows, len(FEATURE_NAMES))
    relevance: np.ndarray  # 0 none, 1 like, 2 comment, 3 save
    group: np.ndarray  # session id per row
    viewer: np.ndarray  # viewer id per row
    truth: np.ndarray  # the ground-truth engagement probability
    config: Config

    def subset(self, mask: np.ndarray) -> Dataset:
        return Dataset(
            self.features[mask],
            self.relevance[mask],
            self.group[mask],
            self.viewer[mask],
            self.truth[mask],
            self.config,
        )


def _iso(hours: float) -> str:
    moment = START + timedelta(hours=hours)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _record_views(
    events: list[dict[str, Any]], viewer: int, views: list[tuple[int, float]], now: datetime
) -> None:
    """Story views as the affinity consumer records them (no hashtags: stories have none)."""
    for author, story_h in views:
        events.append(
            {
                "ref": f"VIEW#{author}-{story_h:.4f}#{viewer}|VIEW",
                "kind": "story_view",
                "author_id": str(author),
                "hashtags": [],
                "at": now.timestamp(),
            }
        )
    events[:] = feed_features.kept(events)


def simulate(
    config: Config = Config(),
    trace: list[dict[str, Any]] | None = None,
    trace_every: int = 997,
) -> Dataset:
    """The impressions of one simulated run. With `trace`, every `trace_every`-th
    impression's inputs (the viewer's affinity events, the post's ref and totals, the
    time) are appended to it, so a test can feed them to the serving code."""
    rng = np.random.default_rng(config.seed)
    n, k = config.users, len(TOPICS)

    # Users: sparse interests over topics, lognormal activity.
    interests = rng.dirichlet(np.full(k, 0.3), size=n)
    activity = rng.lognormal(0.0, 0.8, size=n)
    # Authors: quality, one or two topics.
    quality = rng.beta(2.0, 5.0, size=n)
    author_topics = [list(rng.choice(k, size=rng.integers(1, 3), replace=False)) for _ in range(n)]

    # Follows: popularity is heavy-tailed (a few celebrities); a user follows
    # accounts that are popular and on their topics.
    popularity = rng.pareto(1.2, size=n) + 1.0
    follows: list[set[int]] = []
    for user in range(n):
        match = np.array([interests[user][author_topics[a]].sum() for a in range(n)])
        weight = popularity * (0.05 + match)
        weight[user] = 0.0
        count = int(min(n - 1, max(5, rng.lognormal(math.log(config.median_follows), 0.7))))
        chosen = rng.choice(n, size=count, replace=False, p=weight / weight.sum())
        follows.append(set(int(a) for a in chosen))
    # Tie strength: how much a viewer cares about one followee, beyond topics.
    ties: dict[tuple[int, int], float] = {
        (v, a): float(rng.gamma(1.0, 0.6)) for v in range(n) for a in follows[v]
    }

    # Posts over the days, by activity.
    posts: list[Post] = []
    hours = config.days * 24.0
    for author in range(n):
        count = rng.poisson(activity[author] * config.days * 0.6)
        for created in np.sort(rng.uniform(0, hours, size=count)):
            topics = [int(t) for t in rng.choice(author_topics[author], size=1)]
            if rng.random() < 0.3:
                topics.append(int(rng.integers(k)))
            tags = sorted({TOPICS[t] for t in topics})
            posts.append(Post(len(posts), author, float(created), topics, tags, 0.0))
    by_author: dict[int, list[Post]] = defaultdict(list)
    for post in sorted(posts, key=lambda p: p.created_h):
        by_author[post.author].append(post)

    # Stories: an author posts about half as many as posts; each lives 24 hours.
    stories = [
        np.sort(rng.uniform(0, hours, size=rng.poisson(activity[a] * config.days * 0.3)))
        for a in range(n)
    ]

    def watches(viewer: int, author: int) -> float:
        """How likely a viewer opens a followee's story: people watch the stories of
        those they care about (tie) and whose topics they like."""
        match = float(interests[viewer][author_topics[author]].sum())
        z = -2.0 + 2.0 * ties.get((viewer, author), 0.0) + 2.0 * match
        return 1.0 / (1.0 + math.exp(-z))

    def truth(viewer: int, post: Post, now_h: float) -> float:
        topic = float(interests[viewer][post.topics].sum())
        tie = ties.get((viewer, post.author), 0.0)
        age_days = (now_h - post.created_h) / 24.0
        z = -4.2 + 4.0 * topic + 2.2 * quality[post.author] + 1.2 * tie - 0.6 * age_days
        return 1.0 / (1.0 + math.exp(-z))

    # Sessions, replayed in time order with the aggregates kept as the consumers do.
    sessions = sorted(
        (float(t), v)
        for v in range(n)
        for t in rng.uniform(24.0, hours, size=rng.poisson(activity[v] * config.sessions_per_day))
    )
    events: dict[int, list[dict[str, Any]]] = defaultdict(list)
    seen: dict[int, set[int]] = defaultdict(set)
    watched: dict[tuple[int, int], float] = {}
    fanned_out: set[int] = set()
    ordered = sorted(posts, key=lambda p: p.created_h)
    next_post = 0
    rows: list[list[float]] = []
    relevance: list[int] = []
    groups: list[int] = []
    viewers: list[int] = []
    truths: list[float] = []
    for session, (now_h, viewer) in enumerate(sessions):
        # Fan-out: posts up to now get the author's mean engagement so far.
        while next_post < len(ordered) and ordered[next_post].created_h <= now_h:
            post = ordered[next_post]
            earlier = [p for p in by_author[post.author] if p.created_h < post.created_h][-10:]
            post.author_engagement = (
                sum(feed_features.engagement(p.totals) for p in earlier) / len(earlier)
                if earlier
                else 0.0
            )
            fanned_out.add(post.post_id)
            next_post += 1
        pool = [
            p
            for a in follows[viewer]
            for p in by_author[a]
            if p.post_id in fanned_out
            and now_h - WINDOW_H <= p.created_h <= now_h
            and p.post_id not in seen[viewer]
        ]
        now = START + timedelta(hours=now_h)
        # The tray first: live stories of followees, each opened or not. Views reach
        # the aggregates after the session, as the stream delivers them.
        views = []
        for author in sorted(follows[viewer]):
            since = max(now_h - 24.0, watched.get((viewer, author), -1.0))
            times = stories[author]
            live = times[(times > since) & (times <= now_h)]
            if len(live) and rng.random() < watches(viewer, author):
                watched[(viewer, author)] = float(live[-1])
                views += [(author, float(t)) for t in live]
        if len(pool) < 2:
            _record_views(events[viewer], viewer, views, now)
            continue
        shown = [pool[i] for i in rng.permutation(len(pool))[: config.candidates_per_session]]
        mine = feed_features.Interests.from_events(events[viewer], now)
        for post in shown:
            ref = {
                "post_id": str(post.post_id),
                "author_id": str(post.author),
                "created_at": _iso(post.created_h),
                "hashtags": post.hashtags,
                "author_engagement": post.author_engagement,
            }
            # The feed's own function: what serving computes from the same aggregates.
            row = candidate_features(mine, ref, post.totals, now)
            if trace is not None and len(rows) % trace_every == 0:
                trace.append(
                    {
                        "events": [dict(e) for e in events[viewer]],
                        "ref": dict(ref),
                        "totals": dict(post.totals),
                        "now": now,
                        "row": row.row(),
                    }
                )
            p = truth(viewer, post, now_h)
            engaged = rng.random() < p
            grade = 0
            if engaged:
                # The more a viewer cares, the stronger the action: save, comment, like.
                strength = rng.random()
                grade = 3 if strength < p / 2 else 2 if strength < p else 1
            rows.append(row.row())
            relevance.append(grade)
            groups.append(session)
            viewers.append(viewer)
            truths.append(p)
            seen[viewer].add(post.post_id)
        # The outcomes update the aggregates after the session, as the stream does.
        for post, grade in zip(shown, relevance[-len(shown) :], strict=True):
            if grade == 0:
                continue
            kind = {1: "like", 2: "comment", 3: "save"}[grade]
            post.totals[{"like": "likes", "comment": "comments", "save": "saves"}[kind]] += 1
            events[viewer].append(
                {
                    "ref": f"{kind}#{post.post_id}#{viewer}",
                    "kind": kind,
                    "author_id": str(post.author),
                    "hashtags": post.hashtags,
                    "at": now.timestamp(),
                }
            )
            events[viewer] = feed_features.kept(events[viewer])
        _record_views(events[viewer], viewer, views, now)
    assert len(FEATURE_NAMES) == len(rows[0])
    return Dataset(
        np.asarray(rows, dtype=np.float32),
        np.asarray(relevance, dtype=np.int32),
        np.asarray(groups, dtype=np.int64),
        np.asarray(viewers, dtype=np.int64),
        np.asarray(truths, dtype=np.float64),
        config,
    )
