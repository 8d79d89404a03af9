"""The home feed's DynamoDB calls and time per page, against a naive baseline.

    .venv/bin/python -m bench.feed_bench      (part of `make bench`)

Builds a graph in a fresh local runtime: 10,000 users; a viewer following 2,000
authors, five of them celebrities (50 M followers each, so their posts are merged
at read time); one post per followee and six per celebrity over the last three
days, fanned out by the real stream consumer; engagement on a few hundred posts;
strangers' popular posts in the discovery list; the viewer's likes as affinity.

Then, in this process (as the feed function runs), counting DynamoDB calls made by
this thread with a botocore hook: the first page on a cold cache (re-ranking), the
first page on a warm cache, the next page; and the naive baseline in the same run:
query each followee's recent posts, then read the page's posts.
Also the writes one post costs: an ordinary author with 500 followers, a celebrity.
Targets (issue 5): warm page <= 3 calls, cold page <= 12 calls, >= 20x fewer calls
than the naive baseline at 2,000 followees.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from functools import partial
from typing import Any

from bench.calls import Calls, Figures

USERS = 10_000
FOLLOWEES = 2_000
CELEBRITIES = 5
ORDINARY_FOLLOWERS = 500
ROUNDS = 15
NAIVE_ROUNDS = 3


def build_graph(
    runtime: Any,
    *,
    users_n: int = USERS,
    followees_n: int = FOLLOWEES,
    celebrities_n: int = CELEBRITIES,
    ordinary_followers: int = ORDINARY_FOLLOWERS,
    viewer_id: str | None = None,
) -> dict[str, Any]:
    """The graph above (its sizes can be changed; `viewer_id`: a signed-up user's
    `sub`, for benchmarks that call the API as the viewer)."""
    from photogram import clock, ids
    from photogram.feed import aggregates, repository
    from photogram.feed.keys import affinity_key, timeline_pk
    from photogram.feed.repository import TimelineRow
    from photogram.keys import time_sk
    from photogram.posts import keys as post_keys
    from photogram.posts.repository import PostRow, PostStatsRow, stats_row
    from photogram.social.repository import FollowerRow, FollowingRow, edge
    from photogram.users.keys import profile_key
    from photogram.users.repository import ProfileRow

    rng = random.Random(5)
    now = clock.now()
    t0 = time.perf_counter()
    users = [viewer_id or ids.new_id()] + [ids.new_id() for _ in range(users_n - 1)]
    viewer, followees = users[0], users[1 : followees_n + 1]
    celebrities = set(followees[:celebrities_n])
    strangers = users[followees_n + 1 :]
    ordinary = strangers[0]

    with ProfileRow.batch_write() as batch:
        for n, user_id in enumerate(users):
            followers = 50_000_000 if user_id in celebrities else rng.randint(0, 900)
            batch.save(
                ProfileRow(
                    *profile_key(user_id),
                    user_id=user_id,
                    handle=f"user{n}",
                    follower_count=followers,
                    created_at=clock.iso(),
                    updated_at=clock.iso(),
                )
            )
    with FollowingRow.batch_write() as batch:
        for author in followees:
            batch.save(edge(FollowingRow, viewer, author))
            batch.save(edge(FollowerRow, author, viewer))
        for follower in strangers[1 : ordinary_followers + 1]:
            batch.save(edge(FollowerRow, ordinary, follower))

    def post(author: str, hours_ago: float, tags: list[str]) -> PostRow:
        created = clock.iso(now - timedelta(hours=hours_ago))
        post_id = ids.new_id()
        return PostRow(
            *post_keys.post_key(post_id),
            post_id=post_id,
            author_id=author,
            caption=" ".join(f"#{t}" for t in tags),
            hashtags=tags,
            media=[],
            created_at=created,
            updated_at=created,
            GSI1PK=post_keys.author_posts_pk(author),
            GSI1SK=time_sk(created, post_id),
        )

    topics = ["travel", "food", "cats", "sailing", "street", "film", "code", "garden"]
    posts: list[PostRow] = []
    for author in followees:
        for _ in range(6 if author in celebrities else 1):
            posts.append(post(author, rng.uniform(0, 70), rng.sample(topics, 2)))
    discovered = [
        post(rng.choice(strangers), rng.uniform(0, 48), [rng.choice(topics)]) for _ in range(300)
    ]
    print(f"  wrote users and follows in {time.perf_counter() - t0:.0f} s", flush=True)
    started = time.perf_counter()
    with PostRow.batch_write() as batch:
        for row in posts + discovered:
            batch.save(row)
            batch.save(stats_row(row, author_public=True))
    # Engagement: a few hundred posts with likes, comments and saves.
    engaged = rng.sample(posts, 300) + discovered
    for row in engaged:
        from photogram.posts.repository import set_stat_shards

        set_stat_shards(
            row.post_id, {"0": [rng.randint(1, 400), rng.randint(0, 40), rng.randint(0, 20)]}
        )
    stats = repository.stats([r.post_id for r in discovered])
    aggregates.merge_discovery([s for s in stats.values() if isinstance(s, PostStatsRow)])

    # The viewer's interests: likes of 100 followees' posts.
    from photogram.feed.repository import AffinityRow

    AffinityRow(
        *affinity_key(viewer),
        events=[
            {
                "ref": f"LIKE#{row.post_id}",
                "kind": "like",
                "author_id": row.author_id,
                "hashtags": list(row.hashtags),
                "at": (now - timedelta(hours=rng.uniform(0, 100))).timestamp(),
            }
            for row in rng.sample(posts, 100)
        ],
    ).save()

    # Wait for the real stream consumer to fan every post out.
    expected = sum(1 for r in posts if r.author_id not in celebrities)
    deadline = time.monotonic() + 600
    last = time.monotonic()
    while time.monotonic() < deadline:
        have = TimelineRow.count(timeline_pk(viewer))
        if have >= expected:
            break
        if time.monotonic() - last > 10:
            last = time.monotonic()
            print(
                f"  ... {have:,} of {expected:,} timeline entries; stream records delivered: "
                f"{runtime.streams.delivered:,}",
                flush=True,
            )
        time.sleep(2)
    celebrity_posts = sum(len(c.recent or []) for c in repository.celebrities())
    print(
        f"  graph: {users_n:,} users, viewer follows {followees_n:,} "
        f"({celebrities_n} celebrities), "
        f"{len(posts):,} followee posts + {len(discovered)} strangers' posts; fanned out in "
        f"{time.perf_counter() - started:.0f} s ({expected:,} timeline entries, "
        f"{celebrity_posts} celebrity posts merged at read time)"
    )
    return {"viewer": viewer, "followees": followees, "ordinary": ordinary, "post": post}


def naive_page(viewer: str, followees: list[str]) -> list[str]:
    """What a feed without timelines does: every followee's recent posts, then the page."""
    from photogram import clock
    from photogram.posts import keys as post_keys
    from photogram.posts import repository as posts_repo
    from photogram.posts.repository import PostRow
    from photogram.settings import settings

    since = clock.iso(clock.now() - timedelta(days=settings().feed_days))
    recent: list[tuple[str, str]] = []
    for author in followees:
        for row in PostRow.gsi1.query(
            post_keys.author_posts_pk(author), since < PostRow.GSI1SK, limit=20
        ):
            if isinstance(row, PostRow):
                recent.append((row.created_at, row.post_id))
    page = [post_id for _, post_id in sorted(recent, reverse=True)[:10]]
    posts_repo.get_many(page)
    return page


def writes_per_post(graph: dict[str, Any], calls: Calls) -> None:
    from photogram import changes
    from photogram.feed import fanout
    from photogram.posts.repository import stats_row

    for label, author in (
        (f"ordinary author ({ORDINARY_FOLLOWERS} followers)", graph["ordinary"]),
        ("celebrity (50 M followers)", graph["followees"][0]),
    ):
        row = graph["post"](author, 0.0, ["bench"])
        row.save()
        stats_row(row, author_public=True).save()
        image = {
            "post_id": row.post_id,
            "author_id": author,
            "created_at": row.created_at,
            "type": "post",
        }
        change = changes.Change("INSERT", "post", image, None)
        _, n, _ = calls.during(partial(fanout.on_post, change))
        print(
            f"  writes per post, {label}: {calls.written} items in "
            f"{calls.write_calls} write calls ({n} DynamoDB calls with the reads)"
        )


def main() -> None:
    from local.config import LocalConfig
    from local.runtime import LocalRuntime

    with LocalRuntime(
        config=LocalConfig(api_port=0, moto_port=0, live_port=0), state_file=None
    ) as runtime:
        from photogram.feed import keys, service

        print("feed (bench/feed_bench.py)")
        graph = build_graph(runtime)
        viewer = graph["viewer"]
        calls = Calls()

        def cold() -> Any:
            from photogram.feed.repository import SnapshotRow

            SnapshotRow(*keys.snapshot_key(viewer)).delete()
            return calls.during(lambda: service.get_feed(viewer, None))

        figures = Figures()
        for _ in range(ROUNDS):
            first = figures.record("first page, cold cache (re-rank)", cold())
            figures.record(
                "first page, warm cache", calls.during(lambda: service.get_feed(viewer, None))
            )
            figures.record(
                "next page",
                calls.during(partial(service.get_feed, viewer, first.next_cursor)),
            )
        naive = f"naive baseline ({FOLLOWEES:,} followee queries)"
        for _ in range(NAIVE_ROUNDS):
            figures.record(naive, calls.during(lambda: naive_page(viewer, graph["followees"])))
        figures.print(naive)
        _, _, _ = cold()
        print(f"  a re-ranking's calls: {', '.join(calls.calls)}")
        _, _, ms = cold()
        print(
            f"  a re-ranking's {ms:.0f} ms: {calls.waited_ms:.0f} ms inside DynamoDB calls "
            f"(botocore, HTTP, moto), the rest in Python (pynamodb, features, ranking, rendering)"
        )
        items = service.get_feed(viewer, None).items
        authors = [i.author.handle for i in items]
        print(
            f"  first page: {len(items)} posts by {len(set(authors))} authors, "
            f"max {max(authors.count(a) for a in authors)} per author"
        )
        writes_per_post(graph, calls)


if __name__ == "__main__":
    main()
