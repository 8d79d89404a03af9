"""Shared test setup: every test runs with settings a Lambda function would have."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# Set before any photogram module reads its settings (they are cached).
os.environ.setdefault("PHOTOGRAM_TABLE_NAME", "photogram-unit")
os.environ.setdefault("PHOTOGRAM_CURSOR_SECRET_ID", "photogram/cursor-key")
os.environ.setdefault("POWERTOOLS_TRACE_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
os.environ.setdefault("POWERTOOLS_METRICS_NAMESPACE", "PhotogramTest")


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    from photogram.settings import settings

    settings.cache_clear()
    yield
    settings.cache_clear()
