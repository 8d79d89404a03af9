"""DynamoDB's TTL, which moto stores but never enforces: a sweeper deletes items whose
`expires_at` has passed, as the DynamoDB service does, so the same stream REMOVE
records (with DynamoDB's service identity) reach the same consumers.

It reads time from the domain's clock (`photogram.clock`), so tests move time and
call `sweep()` instead of sleeping. On AWS, TTL deletes within days; reads filter
`expires_at > now` in both runtimes, so nothing depends on how soon this runs.
"""

from __future__ import annotations

import logging
import threading
import time

from local import moto_patches
from local.lambdas import ACCOUNT_ID
from photogram import clock

logger = logging.getLogger("photogram.local")
TTL_IDENTITY = {"Type": "Service", "PrincipalId": "dynamodb.amazonaws.com"}


class TtlSweeper:
    def __init__(
        self, *, table_name: str, region: str, attribute: str, interval_s: float = 1.0
    ) -> None:
        self.table_name, self.region, self.attribute = table_name, region, attribute
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="ttl-sweeper", daemon=True)
        self.deleted = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        pause = self.interval_s
        while not self._stop.wait(pause):
            started = time.perf_counter()
            try:
                self.sweep()
            except Exception:
                logger.exception("TTL sweep failed")
            # A sweep holds the table's lock: with a large table, sweep less often
            # (at most 5% of the time), as DynamoDB's own TTL is lazy too.
            pause = max(self.interval_s, 20 * (time.perf_counter() - started))

    def sweep(self) -> int:
        """Delete every item whose TTL attribute is in the past; returns how many."""
        from moto.dynamodb.models import dynamodb_backends

        now = clock.epoch()
        backend = dynamodb_backends[ACCOUNT_ID][self.region]
        # Under the lock every DynamoDB request takes: the sweep is one atomic step.
        with moto_patches.DYNAMODB_LOCK:
            table = backend.get_table(self.table_name)
            expired = [
                item
                for item in moto_patches.stored_items(table)
                if self.attribute in item.attrs
                and item.attrs[self.attribute].type == "N"
                and int(float(item.attrs[self.attribute].value)) <= now
            ]
            for item in expired:
                table.delete_item(item.hash_key, item.range_key)
                if table.stream_shard is not None:
                    # What DynamoDB's own TTL deletes carry, so consumers can tell them apart.
                    table.stream_shard.items[-1].record["userIdentity"] = dict(TTL_IDENTITY)
        self.deleted += len(expired)
        return len(expired)
