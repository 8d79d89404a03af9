"""Demo data for a running local system: `make seed` or `make dev ARGS=--seed`.

Creates alice, bob, carol (private) and dave through the public API, as the app
would, with follows between them and one pending follow request.
"""

from __future__ import annotations

from typing import Any

import requests

from local.client import DEMO_PASSWORD, email_for, id_token
from local.config import read_local_json

USERS = {
    "alice": {"display_name": "Alice Liddell", "bio": "Down the rabbit hole.", "is_private": False},
    "bob": {"display_name": "Bob Builder", "bio": "Can we fix it?", "is_private": False},
    "carol": {"display_name": "Carol Danvers", "bio": "Private account.", "is_private": True},
    "dave": {"display_name": "Dave Bowman", "bio": "Open the pod bay doors.", "is_private": False},
}
FOLLOWS = [
    ("alice", "bob"),
    ("bob", "alice"),
    ("dave", "alice"),
    ("dave", "bob"),
    ("alice", "carol"),
]
# carol approves alice; bob's request stays pending.
REQUESTS_APPROVED = [("carol", "alice")]
PENDING = [("bob", "carol")]


def _call(info: dict[str, Any], token: str, method: str, path: str, body: Any = None) -> Any:
    response = requests.request(
        method,
        info["api_url"] + path,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    if response.status_code >= 400:
        raise SystemExit(f"{method} {path} -> {response.status_code} {response.text}")
    return response.json()


def seed(info: dict[str, Any]) -> dict[str, str]:
    tokens = {name: id_token(info, name) for name in USERS}
    for name, profile in USERS.items():
        _call(info, tokens[name], "PUT", "/me", {"handle": name, **profile})
    for follower, followee in FOLLOWS + PENDING:
        _call(info, tokens[follower], "POST", f"/users/{followee}/follow")
    for owner, requester in REQUESTS_APPROVED:
        _call(info, tokens[owner], "POST", f"/me/follow-requests/{requester}/approve")
    print("Seeded demo users (password for all: " + DEMO_PASSWORD + "):")
    for name in USERS:
        print(f"  {name:<6} {email_for(name)}")
    print("  bob has asked to follow carol (private): approve as carol with")
    print("  POST /me/follow-requests/bob/approve")
    return tokens


if __name__ == "__main__":
    seed(read_local_json())
