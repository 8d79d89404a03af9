"""Every key string of live connections.

A connection is one item, `CONNECTION#<connection_id>`, so $disconnect (which knows
only the connection id) and a 410 on push delete it with one write; its user's live
connections are listed on GSI1 (`LIVE#<user>`), so a push to a user is one Query.
"""

from __future__ import annotations

from photogram.keys import Key, time_sk

CONNECTION_SK = "CONNECTION"


def connection_key(connection_id: str) -> Key:
    return f"CONNECTION#{connection_id}", CONNECTION_SK


def live_pk(user_id: str) -> str:
    """GSI1 partition: a user's open connections, oldest first."""
    return f"LIVE#{user_id}"


def live_sk(connected_at: str, connection_id: str) -> str:
    return time_sk(connected_at, connection_id)
