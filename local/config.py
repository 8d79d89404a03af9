"""The local runtime's own knobs (environment, PHOTOGRAM_ prefix), and where it
publishes what clients need to find it."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from infra.cors import LOCAL_ORIGINS, CorsPolicy

ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = ROOT / ".photogram"
LOCAL_JSON = STATE_DIR / "local.json"


class LocalConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    api_host: str = "127.0.0.1"
    api_port: int = Field(8000, ge=0, le=65535)
    # The live connections' WebSocket gateway (local/live.py); 0 picks a free port.
    live_port: int = Field(8001, ge=0, le=65535)
    # 0 picks a free port.
    moto_port: int = Field(0, ge=0, le=65535)
    region: str = "us-east-1"
    log_level: str = "WARNING"
    # Concurrent instances per function, as Lambda's reserved concurrency would cap them.
    max_instances: int = Field(8, ge=1, le=64)
    # Browser origins allowed to call the API, upload and read media (infra/cors.py),
    # comma-separated; any local development server by default.
    cors_origins: str = ",".join(LOCAL_ORIGINS)

    def cors(self) -> CorsPolicy:
        return CorsPolicy.parse(self.cors_origins, any_port=True)

    @classmethod
    def from_env(cls, **overrides: Any) -> LocalConfig:
        env = {
            k.removeprefix("PHOTOGRAM_").lower(): v
            for k, v in os.environ.items()
            if k.startswith("PHOTOGRAM_")
        }
        env.update({k: v for k, v in overrides.items() if v is not None})
        return cls.model_validate(env)


def read_local_json(path: Path = LOCAL_JSON) -> dict[str, Any]:
    """What a running `make dev` published; a clear error if none is running."""
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise SystemExit(
            f"No local runtime found ({path} is missing): start one with `make dev`."
        ) from None
