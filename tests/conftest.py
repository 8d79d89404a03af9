"""Shared test setup: every test runs with settings a Lambda function would have."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

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


# --- the local runtime, shared by tests/api, tests/pipeline -------------------------
# One per test process (moto's state is process-wide); each test makes its own users.

from local.client import id_token  # noqa: E402
from local.config import LocalConfig  # noqa: E402
from local.runtime import LocalRuntime  # noqa: E402
from tests.support import Client, unique_handle  # noqa: E402


@pytest.fixture(scope="session")
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime(
        config=LocalConfig(api_port=0, moto_port=0, live_port=0), state_file=None
    ) as rt:
        yield rt


@pytest.fixture(scope="session")
def info(runtime: LocalRuntime) -> dict[str, Any]:
    return runtime.info


@pytest.fixture
def signed_in(info: dict[str, Any]):
    """A factory: a new Cognito user with a token but no profile yet."""

    def make(name: str = "user") -> Client:
        email = f"{unique_handle(name)}@photogram.test"
        token = id_token(info, email)
        return Client(info["api_url"], token=token)

    return make


@pytest.fixture
def make_user(signed_in):
    """A factory: a signed-in user with a profile (public unless asked)."""

    def make(
        name: str = "user",
        *,
        is_private: bool = False,
        handle: str | None = None,
        display_name: str | None = None,
    ) -> Client:
        """`handle`: exactly this one (else a unique one made from `name`)."""
        client = signed_in(name)
        handle = handle or unique_handle(name)
        body: dict[str, Any] = {"handle": handle, "is_private": is_private}
        if display_name is not None:
            body["display_name"] = display_name
        response = client.put("/me", json=body)
        assert response.status_code == 200, response.text
        client.handle, client.user_id = handle, response.json()["user_id"]
        return client

    return make


@pytest.fixture
def anonymous(info: dict[str, Any]) -> Client:
    return Client(info["api_url"])
