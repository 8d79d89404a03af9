"""Move the running local system's clock forward, to watch stories (and everything
else with a TTL) expire without waiting a day:

    make clock ARGS=+25h        (or +90m, +3600s; no argument: show the clock)

It asks the running `make dev` (`POST /_local/clock`, a local-only control beside
the API), which shifts the domain clock and sweeps expired items at once, as
DynamoDB's TTL eventually would. Time only moves forward; restart `make dev` to
return to real time. Tokens keep real time, so nobody is signed out.
"""

from __future__ import annotations

import re
import sys

import requests

from local.config import read_local_json
from local.runtime import CLOCK_PATH

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse(text: str) -> int:
    """'+25h' -> 90000 seconds."""
    found = re.fullmatch(r"\+?(\d+)([smhd])", text.strip())
    if not found:
        raise SystemExit(f"Give a duration like +25h, +90m or +3600s, not {text!r}.")
    return int(found.group(1)) * UNITS[found.group(2)]


def main(argv: list[str]) -> None:
    url = read_local_json()["api_url"] + CLOCK_PATH
    if argv:
        response = requests.post(url, json={"advance_seconds": parse(argv[0])}, timeout=30)
    else:
        response = requests.get(url, timeout=10)
    response.raise_for_status()
    body = response.json()
    print(f"local clock: {body['now']} ({body['offset_seconds'] / 3600:+.1f} h from real time)")


if __name__ == "__main__":
    main(sys.argv[1:])
