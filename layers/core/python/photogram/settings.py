"""All configuration, one typed object read once at cold start."""

from __future__ import annotations

import os
from functools import cache

from pydantic import BaseModel, ConfigDict, Field

PREFIX = "PHOTOGRAM_"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    table_name: str = Field(min_length=3)
    # Secrets Manager id (name or ARN) of the HMAC key that signs cursors.
    cursor_secret_id: str = Field(min_length=1)
    # How long a fetched secret is reused before it is read again.
    secret_max_age_seconds: int = Field(300, ge=0)
    page_size_default: int = Field(20, ge=1, le=100)
    page_size_max: int = Field(100, ge=1, le=100)
    # JSON bodies larger than this are refused with 413 before parsing.
    max_body_bytes: int = Field(64 * 1024, ge=1024)


@cache
def settings() -> Settings:
    env = {k.removeprefix(PREFIX).lower(): v for k, v in os.environ.items() if k.startswith(PREFIX)}
    return Settings.model_validate(env)
