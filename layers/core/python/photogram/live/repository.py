"""Connection items; the only live code that touches the table."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from photogram import clock
from photogram.db import Row
from photogram.live import keys
from photogram.settings import settings


class ConnectionRow(Row, discriminator="connection"):
    connection_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    connected_at = UnicodeAttribute()
    # TTL (epoch seconds): API Gateway closes a connection after 2 hours, so an item
    # whose $disconnect was lost (it is best-effort) cannot outlive it for long.
    expires_at = NumberAttribute()


def save(connection_id: str, user_id: str, expires_at: int) -> None:
    connected_at = clock.iso()
    pk, sk = keys.connection_key(connection_id)
    ConnectionRow(
        pk,
        sk,
        connection_id=connection_id,
        user_id=user_id,
        connected_at=connected_at,
        expires_at=expires_at,
        GSI1PK=keys.live_pk(user_id),
        GSI1SK=keys.live_sk(connected_at, connection_id),
    ).save()


def forget(connection_id: str) -> None:
    """Delete a connection's item (gone already: nothing happens)."""
    ConnectionRow(*keys.connection_key(connection_id)).delete()


def find(connection_id: str) -> ConnectionRow | None:
    try:
        row = ConnectionRow.get(*keys.connection_key(connection_id))
    except ConnectionRow.DoesNotExist:
        return None
    return row if row.expires_at > clock.epoch() else None


def open_connections(user_ids: Iterable[str], limit: int = 100) -> list[ConnectionRow]:
    """Every unexpired connection of these users, newest first: one Query per user
    (GSI1), reading only connections made within their lifetime, so items DynamoDB's
    TTL has not deleted yet are never read."""
    now = clock.epoch()
    oldest = clock.iso(clock.now() - timedelta(seconds=settings().live_connection_seconds))
    found: list[ConnectionRow] = []
    for user_id in dict.fromkeys(user_ids):
        rows = Row.gsi1.query(
            keys.live_pk(user_id),
            oldest < Row.GSI1SK,
            scan_index_forward=False,
            limit=limit,
        )
        found += [r for r in rows if isinstance(r, ConnectionRow) and r.expires_at > now]
    return found
