"""Direct messages, in a fresh local runtime.

    .venv/bin/python -m bench.messages_bench      (part of `make bench`)

- a 1:1 send to the other member's open socket: from the POST leaving the client to
  the message arriving on the other socket, p50/p99, paced as a quick typist sends
  and back to back; against the stream path (the same send until the stream consumer
  has written the reader's inbox entry: what a push from the consumer, as
  notifications do it, would wait for);
- a group of 32, every member connected: from the POST to the last member's socket;
- the inbox page (`GET /me/conversations`, 20 conversations): DynamoDB calls, against
  the naive page (the entries, then each conversation and its members, then its
  newest message);
- a history page (`GET .../messages`, 50 messages): DynamoDB calls.
Targets (issue 16): send -> socket p50 <= 25 ms, p99 <= 100 ms; inbox page 1-2 calls;
history page 1 call.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

import requests

from bench.calls import Calls
from bench.stats import Timing

SENDS = 100
PACED_SENDS = 50
# A quick typist: the stream consumer has finished with one message before the next.
PACE_S = 0.2
STREAMED_SENDS = 20
GROUP = 32
GROUP_SENDS = 30
INBOX_CONVERSATIONS = 20


class User:
    def __init__(self, info: dict[str, Any], name: str) -> None:
        from local.client import id_token

        self.api = info["api_url"]
        self.token = id_token(info, name)
        self.handle = name
        me = self.call("PUT", "/me", json={"handle": name})
        self.user_id = str(me["user_id"])

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(
            method,
            self.api + path,
            headers={"Authorization": f"Bearer {self.token}"} | kwargs.pop("headers", {}),
            timeout=10,
            **kwargs,
        )
        response.raise_for_status()
        return response.json() if response.content else None

    def start(self, *others: User) -> str:
        body = {"member_handles": [o.handle for o in others]}
        return str(self.call("POST", "/conversations", json=body)["conversation_id"])

    def say(self, conversation_id: str, text: str) -> dict[str, Any]:
        return dict(
            self.call("POST", f"/conversations/{conversation_id}/messages", json={"text": text})
        )


def _socket(info: dict[str, Any], token: str) -> Any:
    from websockets.sync.client import connect

    return connect(f"{info['live_url']}/?token={token}", open_timeout=10).__enter__()


def _until_message(socket: Any, message_id: str) -> None:
    while True:
        frame = json.loads(socket.recv(timeout=10))
        if frame.get("type") == "message" and frame["message"]["message_id"] == message_id:
            return


def _timed_sends(
    alice: User, socket: Any, conversation_id: str, n: int, pause: float
) -> list[float]:
    samples = []
    for i in range(n):
        time.sleep(pause)
        started = time.perf_counter()
        sent = alice.say(conversation_id, f"message {i}")
        _until_message(socket, sent["message_id"])
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def _stream_path(alice: User, bob: User, conversation_id: str, n: int) -> list[float]:
    """A send until the stream consumer has written the reader's inbox entry."""
    from photogram.messages import repository

    samples = []
    for i in range(n):
        started = time.perf_counter()
        message_id = alice.say(conversation_id, f"streamed {i}")["message_id"]
        while True:
            entry = repository.entries(bob.user_id, [conversation_id]).get(conversation_id)
            if entry is not None and (entry.last_message or {}).get("message_id") == message_id:
                break
            time.sleep(0.002)
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def one_to_one(info: dict[str, Any], alice: User, bob: User) -> None:
    conversation_id = alice.start(bob)
    socket = _socket(info, bob.token)
    _timed_sends(alice, socket, conversation_id, 5, 0)  # warm up
    paced = Timing(_timed_sends(alice, socket, conversation_id, PACED_SENDS, PACE_S))
    burst = Timing(_timed_sends(alice, socket, conversation_id, SENDS, 0))
    socket.close()
    stream = Timing(_stream_path(alice, bob, conversation_id, STREAMED_SENDS))
    print(
        f"  1:1 send -> the other member's socket, {PACED_SENDS} sends {PACE_S:.1f} s apart: "
        f"p50 {paced.p50:.1f} ms, p99 {paced.p99:.1f} ms (target p50 <= 25, p99 <= 100); "
        f"{SENDS} back to back (the stream consumer busy beside them): p50 {burst.p50:.1f} "
        f"ms, p99 {burst.p99:.1f} ms; the stream path (send -> the reader's inbox entry "
        f"written, what a push from the consumer would wait for): p50 {stream.p50:.0f} ms "
        f"({stream.p50 / paced.p50:.1f}x the paced push)"
    )


def group(info: dict[str, Any], members: list[User]) -> None:
    creator, rest = members[0], members[1:]
    conversation_id = str(
        creator.call(
            "POST",
            "/conversations",
            json={"member_handles": [m.handle for m in rest], "title": "bench"},
        )["conversation_id"]
    )
    sockets = [_socket(info, m.token) for m in rest]
    samples = []
    with ThreadPoolExecutor(max_workers=len(sockets)) as pool:
        for n in range(GROUP_SENDS):
            started = time.perf_counter()
            sent = creator.say(conversation_id, f"to all {n}")
            waits = [pool.submit(_until_message, s, sent["message_id"]) for s in sockets]
            for wait in waits:
                wait.result()
            samples.append((time.perf_counter() - started) * 1000)
    for socket in sockets:
        socket.close()
    timing = Timing(samples)
    print(
        f"  group of {len(members)}, all connected ({GROUP_SENDS} sends): send -> the last "
        f"member's socket p50 {timing.p50:.1f} ms, p99 {timing.p99:.1f} ms"
    )


def inbox_page(runtime: Any, reader: User, others: list[User]) -> None:
    from photogram.messages import repository, service
    from photogram.pagination import PageRequest
    from photogram.users import repository as users_repo

    for other in others[:INBOX_CONVERSATIONS]:
        other.say(other.start(reader), "hello")
    assert runtime.streams.wait_idle(120)
    calls = Calls()
    page, n, ms = calls.during(
        partial(service.list_conversations, reader.user_id, "requests", PageRequest(20))
    )
    made = ", ".join(calls.calls)

    def naive() -> int:
        rows, _ = repository.folder_page(reader.user_id, "requests", 20, None)
        shown = 0
        for row in rows:
            conversation_id = str(row.conversation_id)  # type: ignore[attr-defined]
            _, members = repository.conversation(conversation_id)
            repository.newest_messages(conversation_id, 1)
            users_repo.get_profiles([m.user_id for m in members])
            shown += 1
        return shown

    shown, naive_n, naive_ms = calls.during(naive)
    print(
        f"  inbox page of {len(page.items)} conversations: {n} DynamoDB calls ({made}), "
        f"{ms:.1f} ms (target 1-2); naive (per entry: the conversation, its newest "
        f"message, its members' cards; {shown} shown): {naive_n} calls, {naive_ms:.1f} ms "
        f"({naive_n / n:.0f}x the calls)"
    )


def history_page(alice: User, bob: User) -> None:
    from photogram.messages import service
    from photogram.pagination import PageRequest

    conversation_id = alice.start(bob)
    calls = Calls()
    page, n, ms = calls.during(
        partial(service.history, bob.user_id, conversation_id, PageRequest(50))
    )
    made = ", ".join(calls.calls)
    print(
        f"  history page of {len(page.items)} messages: {n} DynamoDB calls ({made}), "
        f"{ms:.1f} ms (target 1: the membership read and the 1:1's block check cannot "
        f"share the Query, docs/decisions.md §44)"
    )


def main() -> None:
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    # One sender sends far past the per-minute limit here.
    os.environ["PHOTOGRAM_MESSAGES_PER_MINUTE"] = "100000"
    os.environ["PHOTOGRAM_MESSAGES_PER_DAY"] = "100000"
    os.environ["PHOTOGRAM_CONVERSATIONS_PER_MINUTE"] = "100000"
    from local.config import LocalConfig
    from local.runtime import LocalRuntime

    config = LocalConfig(api_port=0, moto_port=0, live_port=0)
    with LocalRuntime(config=config, state_file=None) as runtime:
        info = runtime.info
        print("direct messages (bench/messages_bench.py)")
        alice, bob = User(info, "dmalice"), User(info, "dmbob")
        bob.call("POST", f"/users/{alice.handle}/follow")
        one_to_one(info, alice, bob)
        with ThreadPoolExecutor(max_workers=8) as pool:
            members = list(pool.map(lambda n: User(info, f"dmgroup{n:02d}"), range(GROUP)))
        group(info, members)
        inbox_page(runtime, bob, members)
        history_page(alice, bob)


if __name__ == "__main__":
    main()
