"""`python -m local` (what `make dev` runs) as a newcomer uses it: it comes up, seeds,
refuses a second copy on the same port without harm, and stops on Ctrl-C."""

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from local.client import id_token

ROOT = Path(__file__).resolve().parents[2]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(port, state_file, *extra):
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "local",
            "--quiet",
            "--port",
            str(port),
            "--live-port",
            "0",
            "--state-file",
            str(state_file),
            *extra,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
    )


def wait_ready(process, state_file, deadline_s=30):
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        if state_file.exists():
            info = json.loads(state_file.read_text())
            try:
                if requests.get(info["api_url"] + "/health", timeout=1).ok:
                    return info
            except requests.ConnectionError:
                pass
        time.sleep(0.05)
    raise AssertionError("not ready in time")


@pytest.fixture
def running(tmp_path):
    port, state_file = free_port(), tmp_path / "local.json"
    process = start(port, state_file, "--seed")
    info = wait_ready(process, state_file)
    yield process, port, state_file, info
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def test_seeded_system_serves_the_demo_users(running):
    _, _, _, info = running
    deadline = time.monotonic() + 30
    # Seeding runs after "ready": wait for its last step (carol approving alice).
    while time.monotonic() < deadline:
        carol = {"Authorization": f"Bearer {id_token(info, 'carol')}"}
        me = requests.get(info["api_url"] + "/me", headers=carol, timeout=5)
        if me.status_code == 200 and me.json()["counts"]["followers"] == 1:
            break
        time.sleep(0.1)

    requests_page = requests.get(
        info["api_url"] + "/me/follow-requests", headers=carol, timeout=5
    ).json()
    assert [i["user"]["handle"] for i in requests_page["items"]] == ["bob"]
    assert me.json()["handle"] == "carol"


def test_seeded_system_finds_alice_as_you_type_and_the_cafe_nearest_first(running):
    _, _, _, info = running
    dave = {"Authorization": f"Bearer {id_token(info, 'dave')}"}
    deadline = time.monotonic() + 30
    while True:
        found = requests.get(
            info["api_url"] + "/search/users", params={"q": "al"}, headers=dave, timeout=5
        )
        items = found.json().get("items", [])
        handles = [card["handle"] for card in items]
        # Seeding goes on after "ready": wait for dave's follow too.
        following = bool(items) and items[0]["relationship"]["is_following"]
        if (handles[:1] == ["alice"] and following) or time.monotonic() > deadline:
            break
        time.sleep(0.1)

    assert found.status_code == 200
    assert handles[0] == "alice"
    assert found.json()["items"][0]["relationship"]["is_following"] is True

    # The café alice and bob posted at, nearest first (one seeded running system
    # for both: each costs a start).
    vienna = {"q": "caf", "lat": "48.2082", "lng": "16.3738"}
    deadline = time.monotonic() + 120
    while True:
        found = requests.get(
            info["api_url"] + "/search/places", params=vienna, headers=dave, timeout=5
        )
        items = found.json().get("items", [])
        # Seeding goes on after "ready": wait for bob's post at the same café, and
        # carol's in Paris.
        counts = [p["post_count"] for p in items]
        if counts == [2, 1] or time.monotonic() > deadline:
            break
        time.sleep(0.2)

    assert [(p["name"], p["post_count"]) for p in items] == [
        ("Café Central", 2),
        ("Café de Flore", 1),
    ]
    assert items[0]["distance_km"] < 1 < 1000 < items[1]["distance_km"]


def test_seeded_system_shows_alice_a_feed_of_uploaded_photos(running):
    _, _, _, info = running
    alice = {"Authorization": f"Bearer {id_token(info, 'alice')}"}
    # Her own 3 posts, bob's 3 and carol's 2 (she is an approved follower).
    deadline = time.monotonic() + 120
    items: list[dict] = []
    while time.monotonic() < deadline and len(items) < 8:
        feed = requests.get(info["api_url"] + "/feed", headers=alice, timeout=10)
        items = feed.json().get("items", []) if feed.ok else []
        time.sleep(0.5)

    assert sorted({i["author"]["handle"] for i in items}) == ["alice", "bob", "carol"]
    authors = [i["author"]["handle"] for i in items]
    assert all(authors[n] != authors[n + 1] for n in range(len(authors) - 1)), authors
    photo = items[0]["media"][0]
    image = requests.get(photo["variants"]["medium"]["url"], timeout=10)
    assert image.ok
    from PIL import Image

    with Image.open(io.BytesIO(image.content)) as decoded:
        assert decoded.width == photo["variants"]["medium"]["width"]
    assert photo["blur_placeholder"] and photo["width"] > 0
    assert all(i["author"]["avatar"]["thumbnail"] for i in items)

    # Alice's phone has its live connection open (the URL `make dev` printed); bob
    # likes one of her photos (again: the seed's like is taken back first), and the
    # notification reaches her socket.
    from tests.support import LiveSocket

    post_id = next(i["post_id"] for i in items if i["author"]["handle"] == "alice")
    bob = {"Authorization": f"Bearer {id_token(info, 'bob')}"}
    with LiveSocket(info, alice["Authorization"].removeprefix("Bearer ")) as socket:
        requests.delete(f"{info['api_url']}/posts/{post_id}/like", headers=bob, timeout=10)
        assert requests.put(f"{info['api_url']}/posts/{post_id}/like", headers=bob, timeout=10).ok
        deadline = time.monotonic() + 20
        while True:
            pushed = socket.next_of("notification", timeout=deadline - time.monotonic())
            note = pushed["notification"]
            if note["kind"] == "like" and note["actors"][0]["handle"] == "bob":
                break
    assert note["post"]["post_id"] == post_id and note["is_unread"] is True


def test_a_second_copy_on_the_same_port_exits_cleanly_and_harms_nothing(running, tmp_path):
    _, port, state_file, info = running
    before = state_file.read_text()

    second = start(port, tmp_path / "second.json")
    code = second.wait(timeout=30)

    assert code == 1
    assert "in use" in second.stderr.read()
    assert state_file.read_text() == before
    assert requests.get(info["api_url"] + "/health", timeout=5).ok


def test_ctrl_c_stops_it_and_removes_its_state_file(running):
    process, _, state_file, _ = running

    process.send_signal(signal.SIGINT)

    assert process.wait(timeout=20) == 0
    assert not state_file.exists()


def test_seeded_stories_fill_the_tray_and_expire_on_the_moved_clock(running):
    _, _, _, info = running
    alice = {"Authorization": f"Bearer {id_token(info, 'alice')}"}
    tray_url = info["api_url"] + "/stories/tray"
    # Her own close-friends story first, then carol's (posted after bob's two), then
    # bob's; dave she does not follow.
    deadline = time.monotonic() + 120
    handles: list[str] = []
    while time.monotonic() < deadline and len(handles) < 3:
        tray = requests.get(tray_url, headers=alice, timeout=10)
        handles = [e["user"]["handle"] for e in tray.json()["items"]] if tray.ok else []
        time.sleep(0.5)
    assert handles == ["alice", "carol", "bob"]
    bobs = requests.get(info["api_url"] + "/users/bob/stories", headers=alice, timeout=10).json()
    image = requests.get(bobs["items"][0]["media"]["variants"]["small"]["url"], timeout=10)
    assert len(bobs["items"]) == 2 and image.ok

    refused = requests.post(
        info["api_url"] + "/_local/clock", json={"advance_seconds": -60}, timeout=10
    )
    assert refused.status_code == 400
    moved = requests.post(
        info["api_url"] + "/_local/clock", json={"advance_seconds": 25 * 3600}, timeout=30
    )

    assert moved.ok and moved.json()["offset_seconds"] == 25 * 3600
    assert requests.get(tray_url, headers=alice, timeout=10).json()["items"] == []
    gone = requests.get(info["api_url"] + "/users/bob/stories", headers=alice, timeout=10)
    assert gone.json()["items"] == []
