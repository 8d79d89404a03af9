"""Connection items and each user's devices item; the only live code that touches
the table."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import TransactWriteError

from photogram import clock, db
from photogram.db import Row
from photogram.errors import RateLimited
from photogram.live import keys
from photogram.settings import settings


class ConnectionRow(Row, discriminator="connection"):
    connection_id = UnicodeAttribute()
    user_id = UnicodeAttribute()
    connected_at = UnicodeAttribute()
    # TTL (epoch seconds): API Gateway closes a connection after 2 hours, so an item
    # whose $disconnect was lost (it is best-effort) cannot outlive it for long.
    expires_at = NumberAttribute()


class DevicesRow(Row, discriminator="live_devices"):
    """A user's open connections: {connection_id: connected_at}."""

    user_id = UnicodeAttribute()
    connections = JSONAttribute(default=dict)
    # TTL: the newest connection's end of life.
    expires_at = NumberAttribute()
    # Moved by every change, the condition of the next one.
    version = NumberAttribute(default=0)


@dataclass(frozen=True)
class Connection:
    user_id: str
    connection_id: str
    connected_at: str


def _oldest_alive() -> str:
    return clock.iso(clock.now() - timedelta(seconds=settings().live_connection_seconds))


def _devices(user_id: str) -> DevicesRow | None:
    try:
        return DevicesRow.get(*keys.devices_key(user_id), consistent_read=True)
    except DevicesRow.DoesNotExist:
        return None


def _alive(row: DevicesRow | None) -> dict[str, str]:
    """The connections of `row` within their lifetime (a lost $disconnect leaves one)."""
    oldest = _oldest_alive()
    return {c: at for c, at in dict(row.connections if row else {}).items() if at > oldest}


def _rewrite(
    tx: db.TransactWrite, user_id: str, row: DevicesRow | None, connections: dict[str, str]
) -> None:
    version = int(row.version) if row is not None else 0
    updated = DevicesRow(
        *keys.devices_key(user_id),
        user_id=user_id,
        connections=connections,
        expires_at=clock.epoch() + settings().live_connection_seconds,
        version=version + 1,
    )
    condition = DevicesRow.PK.does_not_exist() if row is None else DevicesRow.version == version
    tx.save(updated, condition=condition)


def save(connection_id: str, user_id: str, expires_at: int, *, most: int | None = None) -> None:
    """Record a new connection of `user_id`, and among the user's devices, on the
    condition that fewer than `most` (if given) are open (the cap holds against concurrent
    connects: each writes the devices item as it read it). Raises
    RateLimited(too_many_connections)."""
    connected_at = clock.iso()
    row = ConnectionRow(
        *keys.connection_key(connection_id),
        connection_id=connection_id,
        user_id=user_id,
        connected_at=connected_at,
        expires_at=expires_at,
    )

    def attempt() -> None:
        devices = _devices(user_id)
        alive = _alive(devices)
        if most is not None and len(alive) >= most:
            raise RateLimited(
                "too_many_connections", f"At most {most} devices may be connected at once."
            )

        def write(tx: db.TransactWrite) -> None:
            tx.save(row)
            _rewrite(tx, user_id, devices, alive | {connection_id: connected_at})

        db.transact(write)

    db.optimistic(attempt)


def forget(connection_id: str, user_id: str | None = None) -> None:
    """Forget a connection: its item and its place among its user's devices (gone
    already: nothing happens). Without `user_id`, its item says whose it is."""
    if user_id is None:
        found = find(connection_id, alive_only=False)
        if found is None:
            return
        user_id = found.user_id
    ConnectionRow(*keys.connection_key(connection_id)).delete()
    for n in range(10):
        devices = _devices(user_id)
        if devices is None or connection_id not in (devices.connections or {}):
            return
        try:
            db.transact(
                lambda tx, d=devices: _rewrite(
                    tx, user_id, d, {c: at for c, at in _alive(d).items() if c != connection_id}
                )
            )
            return
        except TransactWriteError as error:
            if not db.is_retryable(error):
                raise
            time.sleep(min(0.002 * 2**n, 0.1))
    raise db.Contention()


def find(connection_id: str, *, alive_only: bool = True) -> ConnectionRow | None:
    try:
        row = ConnectionRow.get(*keys.connection_key(connection_id))
    except ConnectionRow.DoesNotExist:
        return None
    return row if not alive_only or row.expires_at > clock.epoch() else None


def open_connections(user_ids: Iterable[str]) -> list[Connection]:
    """Every connection of these users within its lifetime, each user's newest first:
    one BatchGetItem (per 100 users), however many users."""
    wanted = list(dict.fromkeys(user_ids))
    # Strong: a connection made a moment ago is pushed to.
    found = db.batch_get((keys.devices_key(u) for u in wanted), consistent=True)
    by_user = {r.user_id: r for r in found.values() if isinstance(r, DevicesRow)}
    connections: list[Connection] = []
    for user_id in wanted:
        alive = _alive(by_user.get(user_id))
        connections += [
            Connection(user_id, c, at)
            for c, at in sorted(alive.items(), key=lambda x: x[1], reverse=True)
        ]
    return connections
