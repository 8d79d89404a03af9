"""Every key string of live connections.

A connection is one item, `CONNECTION#<connection_id>`, so $disconnect (which knows
only the connection id) finds its user with one read. A user's open connections are
one item, `LIVE#<user>` / `DEVICES` (connection id -> connected at), so a push to
many users (a group conversation's 32 members) reads all their connections in one
BatchGetItem, and the per-user cap is a condition of the write that connects.
"""

from __future__ import annotations

from photogram.keys import Key

CONNECTION_SK = "CONNECTION"


def connection_key(connection_id: str) -> Key:
    return f"CONNECTION#{connection_id}", CONNECTION_SK


def devices_key(user_id: str) -> Key:
    return f"LIVE#{user_id}", "DEVICES"
