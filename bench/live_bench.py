"""The live connection and notifications, in a fresh local runtime.

    .venv/bin/python -m bench.live_bench      (part of `make bench`)

- connect: opening a WebSocket with a real id token (the $connect authorizer's JWKS
  check, the $connect function's two table calls), p50/p99, beside an authorized
  REST call (GET /me) through the same local gateway;
- a like to the author's open socket: from the PUT returning to the notification
  arriving (the stream poll, the consumer's reads and write, the push), p50/p99,
  with the PUT's own time apart;
- 10,000 likes on one post (10,000 accounts, liked through the posts service as its
  function would, 8 at a time; about 12 minutes): the inbox writes the consumer made, against one
  write per like (the naive consumer), and the stream batches that carried them;
- the unread count: DynamoDB calls (one Query), against the naive count (every entry
  read back to the seen mark, a page at a time).
Targets (issue 15): connect p50 <= 40 ms; like -> socket p50 <= 2.5 s; 10,000 likes
<= 100 inbox writes; unread count 1 call.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import requests

from bench.calls import Calls
from bench.stats import Timing

CONNECTS = 100
LIKES_TIMED = 30
VIRAL_LIKES = 10_000
UNREAD_ENTRIES = 300


def _user(info: dict[str, Any], name: str) -> tuple[str, str]:
    from local.client import id_token

    token = id_token(info, name)
    response = requests.put(
        info["api_url"] + "/me",
        json={"handle": name},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    response.raise_for_status()
    return token, str(response.json()["user_id"])


def photo() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, "JPEG")
    return out.getvalue()


def _socket(info: dict[str, Any], token: str) -> Any:
    from websockets.sync.client import connect

    return connect(f"{info['live_url']}/?token={token}", open_timeout=10).__enter__()


def connects(info: dict[str, Any], token: str) -> None:
    samples, rest = [], []
    for _ in range(CONNECTS):
        started = time.perf_counter()
        socket = _socket(info, token)
        samples.append((time.perf_counter() - started) * 1000)
        socket.close()
        started = time.perf_counter()
        requests.get(
            info["api_url"] + "/me", headers={"Authorization": f"Bearer {token}"}, timeout=10
        ).raise_for_status()
        rest.append((time.perf_counter() - started) * 1000)
    ws, http = Timing(samples), Timing(rest)
    print(
        f"  connect (authorizer + $connect, {CONNECTS} sockets): p50 {ws.p50:.1f} ms, "
        f"p99 {ws.p99:.1f} ms (target p50 <= 40 ms); an authorized GET /me: p50 "
        f"{http.p50:.1f} ms ({ws.p50 / http.p50:.1f}x)"
    )


def like_to_socket(info: dict[str, Any], author_token: str) -> None:
    from local.seed import publish

    post_id = publish(info, author_token, photo(), "image/jpeg", "bench")
    fans = [_user(info, f"livefan{n}")[0] for n in range(LIKES_TIMED)]
    socket = _socket(info, author_token)
    put_ms, arrival_ms = [], []
    import json

    for fan in fans:
        started = time.perf_counter()
        requests.put(
            f"{info['api_url']}/posts/{post_id}/like",
            headers={"Authorization": f"Bearer {fan}"},
            timeout=10,
        ).raise_for_status()
        returned = time.perf_counter()
        while json.loads(socket.recv(timeout=10)).get("type") != "notification":
            pass
        arrived = time.perf_counter()
        put_ms.append((returned - started) * 1000)
        arrival_ms.append((arrived - returned) * 1000)
    socket.close()
    put, after = Timing(put_ms), Timing(arrival_ms)
    total = Timing([a + b for a, b in zip(put_ms, arrival_ms, strict=True)])
    print(
        f"  a like -> the author's socket ({LIKES_TIMED} likes): p50 {total.p50:.0f} ms, "
        f"p99 {total.p99:.0f} ms (target p50 <= 2,500 ms); of it, the PUT itself p50 "
        f"{put.p50:.0f} ms, then stream poll + consumer + push p50 {after.p50:.0f} ms "
        f"(p99 {after.p99:.0f} ms)"
    )


def viral(runtime: Any, author_id: str, post_id: str) -> None:
    from photogram import clock
    from photogram.notifications import repository as notes
    from photogram.posts import engagement
    from photogram.users.keys import profile_key
    from photogram.users.repository import ProfileRow

    now = clock.iso()
    fans = [f"viral-{n:05d}" for n in range(VIRAL_LIKES)]
    with ProfileRow.batch_write() as batch:
        for fan in fans:
            batch.save(
                ProfileRow(
                    *profile_key(fan), user_id=fan, handle=fan, created_at=now, updated_at=now
                )
            )
    assert runtime.streams.wait_idle(120)
    batches_before = runtime.streams.delivered
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda fan: engagement.like(fan, post_id), fans))
    liked_s = time.perf_counter() - started
    assert runtime.streams.wait_idle(600)
    records = runtime.streams.delivered - batches_before
    entries = [r for r in notes.newest(author_id, 20) if isinstance(r, notes.EntryRow)]
    writes = sum(int(e.version) for e in entries if e.post_id == post_id)
    entries = [e for e in entries if e.post_id == post_id]
    print(
        f"  {VIRAL_LIKES:,} likes on one post (liked in {liked_s:.0f} s, {records:,} stream "
        f"records): {writes} inbox writes (target <= 100) vs {VIRAL_LIKES:,} for one write "
        f"per like ({VIRAL_LIKES / max(writes, 1):.0f}x fewer); "
        f"{len(entries)} entry; {len(notes.outbox(author_id))} outbox items in all"
    )


def unread(author_id: str) -> None:
    from photogram import clock
    from photogram.notifications import keys, service
    from photogram.notifications import repository as notes

    # An inbox of UNREAD_ENTRIES unread mentions (beside what the bench made), written
    # as the consumer writes entries.
    now = clock.iso()
    for n in range(UNREAD_ENTRIES):
        key = keys.single_key(author_id, "mention", f"post:bench{n:04d}")
        row = notes.new_entry(
            key,
            recipient_id=author_id,
            notification_kind="mention",
            actor_ids=["someone"],
            started_at=now,
            updated_at=now,
        )
        notes.rewrite(key, None, lambda _, r=row: (r, True))
    calls = Calls()
    count, n, ms = calls.during(partial(service.unread_count, author_id))
    made = ", ".join(calls.calls)

    def naive() -> int:
        seen = notes.seen(author_id)
        counted, start = 0, None
        while True:
            rows, start = notes.listed(author_id, 100, start)
            counted += sum(
                1
                for r in rows
                if isinstance(r, notes.EntryRow) and (seen is None or r.updated_at > seen.seen_at)
            )
            if start is None:
                return counted

    exact, naive_n, naive_ms = calls.during(naive)
    print(
        f"  unread count of {exact} unread ({count.display!r}): {n} DynamoDB call ({made}), "
        f"{ms:.1f} ms; naive (the seen mark, then every page of 100): {naive_n} calls, "
        f"{naive_ms:.1f} ms ({naive_ms / ms:.1f}x)"
    )


def main() -> None:
    import sys

    global VIRAL_LIKES
    # `python -m bench.live_bench 2000`: fewer viral likes (10,000 take about 12 minutes).
    VIRAL_LIKES = int(sys.argv[1]) if len(sys.argv) > 1 else VIRAL_LIKES
    from local.config import LocalConfig
    from local.runtime import LocalRuntime

    config = LocalConfig(api_port=0, moto_port=0, live_port=0)
    with LocalRuntime(config=config, state_file=None) as runtime:
        info = runtime.info
        print("live connection and notifications (bench/live_bench.py)")
        author_token, author_id = _user(info, "liveauthor")
        connects(info, author_token)
        like_to_socket(info, author_token)
        from local.seed import publish

        viral_post = publish(info, author_token, photo(), "image/jpeg", "viral")
        assert runtime.streams.wait_idle(60)
        viral(runtime, author_id, viral_post)
        unread(author_id)


if __name__ == "__main__":
    main()
