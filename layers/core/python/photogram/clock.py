"""The one clock the domain reads, so tests (and the local runtime) can move it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

_now: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    return _now()


def iso(moment: datetime | None = None) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2026-11-25T13:06:32.123Z (sorts as text)."""
    moment = moment or now()
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


def parse(text: str) -> datetime:
    """The moment an `iso()` string (or any ISO-8601 time, "Z" or an offset) names."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def epoch(moment: datetime | None = None) -> int:
    return int((moment or now()).timestamp())


def shift(offset: timedelta) -> None:
    """From now on, read real time plus `offset`: the local runtime's time travel
    (`make clock ARGS=+25h`), so a running system shows stories expiring. Tests use
    FrozenClock instead."""
    global _now
    _now = lambda: datetime.now(UTC) + offset  # noqa: E731


class FrozenClock:
    """A clock that only moves when told to: `with FrozenClock(t) as c: c.advance(...)`."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime.now(UTC)
        self._previous: Callable[[], datetime] | None = None

    def advance(self, delta: timedelta) -> None:
        self.current += delta

    def __enter__(self) -> FrozenClock:
        global _now
        self._previous, _now = _now, lambda: self.current
        return self

    def __exit__(self, *exc: object) -> None:
        global _now
        if self._previous is not None:
            _now = self._previous
