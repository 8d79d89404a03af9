"""The story tray's DynamoDB calls and time, against a naive baseline.

    .venv/bin/python -m bench.stories_bench      (part of `make bench`)

Builds, in a fresh local runtime: a viewer following 2,000 accounts, 300 of which
have live stories (one to three each over the last 20 hours); five of those are
very large accounts (50 M followers), whose rings are one star row each instead of
a ring per follower. Stories are written as items; the real stream consumer
fans the rings out. The viewer has seen a third of them.

Then, in this process (as the stories function runs), counting this thread's
DynamoDB calls with a botocore hook: the tray, and the naive baseline in the same
run (list whom I follow, query each followee's live stories, read the profiles
of those with stories). Also the writes one story costs: an ordinary author with
500 followers, a very large one.
Targets (issue 7): tray <= 3 calls, >= 20x fewer than the naive baseline.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from functools import partial
from typing import Any

from bench.calls import Calls, Figures

FOLLOWEES = 2_000
WITH_STORIES = 300
LARGE = 5
ORDINARY_FOLLOWERS = 500
ROUNDS = 20
NAIVE_ROUNDS = 3


def story(author: str, hours_ago: float, audience: str = "followers") -> Any:
    from photogram import clock, ids
    from photogram.keys import time_sk
    from photogram.stories import keys
    from photogram.stories.repository import STORY_HOURS, StoryRow

    created = clock.now() - timedelta(hours=hours_ago)
    story_id = ids.new_id()
    created_at = clock.iso(created)
    return StoryRow(
        *keys.story_key(story_id),
        story_id=story_id,
        author_id=author,
        media_id=ids.new_id(),
        media={
            "width": 1,
            "height": 1,
            "variants": {},
            "blur_placeholder": "",
            "dominant_color": "",
        },
        audience=audience,
        created_at=created_at,
        expires_at=clock.epoch(created + timedelta(hours=STORY_HOURS)),
        GSI1PK=keys.stories_pk(author),
        GSI1SK=time_sk(created_at, story_id),
    )


def build(runtime: Any) -> dict[str, Any]:
    from photogram import clock, ids
    from photogram.social.repository import FollowerRow, FollowingRow, edge
    from photogram.stories import repository
    from photogram.stories.repository import StoryRow
    from photogram.users.keys import profile_key
    from photogram.users.repository import ProfileRow

    rng = random.Random(7)
    started = time.perf_counter()
    viewer = ids.new_id()
    followees = [ids.new_id() for _ in range(FOLLOWEES)]
    authors = rng.sample(followees, WITH_STORIES)
    large = set(authors[:LARGE])
    ordinary = ids.new_id()
    with ProfileRow.batch_write() as batch:
        for n, user_id in enumerate([viewer, ordinary, *followees]):
            batch.save(
                ProfileRow(
                    *profile_key(user_id),
                    user_id=user_id,
                    handle=f"user{n}",
                    follower_count=50_000_000 if user_id in large else rng.randint(1, 900),
                    created_at=clock.iso(),
                    updated_at=clock.iso(),
                )
            )
    with FollowingRow.batch_write() as batch:
        for author in followees:
            batch.save(edge(FollowingRow, viewer, author))
            batch.save(edge(FollowerRow, author, viewer))
        for n in range(ORDINARY_FOLLOWERS):
            batch.save(edge(FollowerRow, ordinary, f"fan{n}"))
    written: list[StoryRow] = []
    with StoryRow.batch_write() as batch:
        for author in authors:
            for _ in range(rng.randint(1, 3)):
                row = story(author, rng.uniform(0.1, 20))
                written.append(row)
                batch.save(row)
    deadline = time.monotonic() + 600
    want = WITH_STORIES - LARGE
    while time.monotonic() < deadline:
        items = repository.tray_items(viewer)
        rings = [r for r in items if isinstance(r, repository.RingRow)]
        if len(rings) >= want and len(repository.stars()) >= LARGE:
            break
        time.sleep(1)
    latest: dict[str, StoryRow] = {}
    for row in written:
        if row.author_id not in latest or latest[row.author_id].created_at < row.created_at:
            latest[row.author_id] = row
    for author in rng.sample(authors, WITH_STORIES // 3):
        repository.mark_seen(viewer, latest[author])
    print(
        f"  graph: viewer follows {FOLLOWEES:,}; {WITH_STORIES} with {len(written)} live stories "
        f"({LARGE} very large accounts as star rows); {len(rings)} rings fanned out by the "
        f"stream consumer; built in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    return {"viewer": viewer, "ordinary": ordinary, "large": sorted(large)[0]}


def naive_tray(viewer: str) -> int:
    """What a tray without rings does: whom I follow, each one's live stories, then
    the profiles of those with stories."""
    from photogram.db import Row
    from photogram.social import keys as social_keys
    from photogram.social.repository import FollowingRow
    from photogram.stories import keys
    from photogram.stories.repository import StoryRow, is_live, window_start
    from photogram.users import repository as users_repo

    followees = [
        r.other_id
        for r in FollowingRow.gsi1.query(social_keys.list_pk("FOLLOWING", viewer))
        if isinstance(r, FollowingRow)
    ]
    with_stories = []
    for author in followees:
        rows = Row.gsi1.query(keys.stories_pk(author), window_start() <= Row.GSI1SK)
        if any(isinstance(r, StoryRow) and is_live(r.expires_at) for r in rows):
            with_stories.append(author)
    users_repo.get_profiles(with_stories)
    return len(with_stories)


def writes_per_story(graph: dict[str, Any], calls: Calls) -> None:
    from photogram.stories import consumers

    for label, author in (
        (f"ordinary author ({ORDINARY_FOLLOWERS} followers)", graph["ordinary"]),
        ("very large account (50 M followers)", graph["large"]),
    ):
        story(author, 0.0).save()
        _, n, _ = calls.during(partial(consumers.refresh_rings, author))
        print(
            f"  rings written per story, {label}: {calls.written} items in "
            f"{calls.write_calls} write calls ({n} DynamoDB calls with the reads)"
        )


def main() -> None:
    from local.config import LocalConfig
    from local.runtime import LocalRuntime

    with LocalRuntime(
        config=LocalConfig(api_port=0, moto_port=0, live_port=0), state_file=None
    ) as runtime:
        from photogram.stories import tray as tray_service

        print("stories tray (bench/stories_bench.py)")
        graph = build(runtime)
        viewer = graph["viewer"]
        calls = Calls()
        figures = Figures()
        from photogram.pagination import PageRequest

        first_page = PageRequest(limit=20)
        all_rings = PageRequest(limit=500)
        for _ in range(ROUNDS):
            figures.record(
                "tray, first page (20 rings)",
                calls.during(partial(tray_service.get_tray, viewer, first_page)),
            )
            figures.record(
                "tray, all 300 rings at once",
                calls.during(partial(tray_service.get_tray, viewer, all_rings)),
            )
        naive = f"naive baseline ({FOLLOWEES:,} followee queries)"
        for _ in range(NAIVE_ROUNDS):
            figures.record(naive, calls.during(partial(naive_tray, viewer)))
        figures.print(naive)
        tray, _, ms = calls.during(partial(tray_service.get_tray, viewer, all_rings))
        unseen = sum(1 for e in tray.items if not e.all_seen)
        print(
            f"  tray: {len(tray.items)} rings ({unseen} unseen first, then "
            f"{len(tray.items) - unseen} seen); calls: {', '.join(calls.calls)}; of this "
            f"call's {ms:.0f} ms, {calls.waited_ms:.0f} ms inside DynamoDB calls (botocore, "
            "HTTP, moto's serialization of the ring items)"
        )
        writes_per_story(graph, calls)


if __name__ == "__main__":
    main()
