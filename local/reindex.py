"""Rebuild the running local system's search indexes from its table: `make reindex`.

It asks the running `make dev` (`POST /_local/reindex`, a local-only control beside
the API), which drops the indexes, creates them again and writes every profile,
follow, hashtag and place document (photogram.search.reindex). On AWS the same
rebuild runs in the search-setup function: docs/deploy.md, "Rebuilding the indexes".
"""

from __future__ import annotations

import requests

from local.config import read_local_json
from local.runtime import REINDEX_PATH


def main() -> None:
    response = requests.post(read_local_json()["api_url"] + REINDEX_PATH, timeout=600)
    if response.status_code == 503:
        raise SystemExit("This local system runs without search (PHOTOGRAM_LOCAL_SEARCH=off).")
    response.raise_for_status()
    body = response.json()
    counts = ", ".join(f"{n} {name}" for name, n in sorted(body["written"].items()))
    print(f"search rebuilt in {body['seconds']} s: {counts or 'nothing to index'}")


if __name__ == "__main__":
    main()
