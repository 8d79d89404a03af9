"""The local search engine: osmem-server (an OpenSearch-compatible in-memory server,
run as its own process, which exits with ours) where its wheel has a build, else the
embedded SQLite index in a file every thread shares. `PHOTOGRAM_LOCAL_SEARCH`
(`osmem`, `sqlite` or `off`) chooses one on purpose; the functions are told which
through the same PHOTOGRAM_SEARCH_* settings CDK gives them on AWS."""

from __future__ import annotations

import importlib.util
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CHOICE_ENV_VAR = "PHOTOGRAM_LOCAL_SEARCH"


def osmem_available() -> bool:
    return importlib.util.find_spec("osmem_server") is not None


@dataclass
class LocalSearch:
    engine: str
    env: dict[str, str]
    url: str | None = None
    _server: Any = field(default=None, repr=False)
    _dir: Any = field(default=None, repr=False)

    @classmethod
    def start(cls, choice: str | None = None) -> LocalSearch:
        choice = (
            choice or os.environ.get(CHOICE_ENV_VAR) or ("osmem" if osmem_available() else "sqlite")
        )
        if choice == "off":
            return cls("off", {"PHOTOGRAM_SEARCH_ENGINE": "off"})
        if choice == "osmem":
            from osmem_server import OsmemServer

            server = OsmemServer.start(japanese=False)
            env = {"PHOTOGRAM_SEARCH_ENGINE": "opensearch", "PHOTOGRAM_SEARCH_ENDPOINT": server.url}
            return cls("osmem", env, url=server.url, _server=server)
        if choice != "sqlite":
            raise SystemExit(f"{CHOICE_ENV_VAR} must be osmem, sqlite or off, not {choice!r}")
        folder = tempfile.TemporaryDirectory(prefix="photogram-search-")
        path = str(Path(folder.name) / "search.db")
        env = {"PHOTOGRAM_SEARCH_ENGINE": "sqlite", "PHOTOGRAM_SEARCH_SQLITE_PATH": path}
        return cls("sqlite", env, url=path, _dir=folder)

    def prepare(self) -> None:
        """Create the indexes (with the settings already in this process's environment)."""
        if self.engine == "off":
            return
        from photogram.adapters.search import search_index

        search_index.cache_clear()
        search_index().prepare()

    def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        if self._dir is not None:
            self._dir.cleanup()
