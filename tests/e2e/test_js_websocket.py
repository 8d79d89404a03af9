"""The live connection through the WebSocket that browsers and Node ship (WHATWG
WebSocket, undici in Node): our Python client shares our assumptions, this one does
not. Refused tokens fail its handshake; a like reaches it as a notification, a
direct message as a message."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.support import publish

SCRIPT = Path(__file__).parent / "js" / "websocket.mjs"
pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="no Node on this machine")


def node_command() -> list[str]:
    # Node 22 has WebSocket built in; Node 20 behind a flag.
    probe = subprocess.run(
        ["node", "-e", "process.exit(typeof WebSocket === 'undefined' ? 1 : 0)"], check=False
    )
    return ["node"] if probe.returncode == 0 else ["node", "--experimental-websocket"]


def start(info, token, wanted="notification"):
    return subprocess.Popen(
        [*node_command(), str(SCRIPT), info["live_url"], token, wanted],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def test_a_browser_websocket_gets_a_like_as_a_notification(make_user, info):
    alice, bob = make_user("alice"), make_user("bob")
    post_id = publish(alice, "for the browser")
    app = start(info, alice.token)
    assert app.stdout is not None

    ready = json.loads(app.stdout.readline())
    bob.put(f"/posts/{post_id}/like")
    pushed = json.loads(app.stdout.readline())
    app.wait(timeout=30)

    assert ready == {"ready": "js"}
    assert pushed["type"] == "notification" and pushed["is_new"] is True
    assert pushed["notification"]["post"]["post_id"] == post_id
    assert [a["handle"] for a in pushed["notification"]["actors"]] == [bob.handle]


def test_a_browser_websocket_with_a_bad_token_is_refused(info):
    app = start(info, "not-a-token")
    assert app.stdout is not None

    lines = [json.loads(line) for line in app.stdout]
    app.wait(timeout=30)

    assert {"error": "refused"} in lines and not any("ready" in line for line in lines)


def test_a_browser_websocket_gets_a_direct_message(make_user, info):
    alice, bob = make_user("alice"), make_user("bob")
    conversation = alice.post("/conversations", json={"member_handles": [bob.handle]}).json()
    app = start(info, bob.token, "message")
    assert app.stdout is not None

    json.loads(app.stdout.readline())
    sent = alice.post(
        f"/conversations/{conversation['conversation_id']}/messages", json={"text": "hi from py"}
    ).json()
    pushed = json.loads(app.stdout.readline())
    app.wait(timeout=30)

    assert pushed == {"type": "message", "message": sent}
