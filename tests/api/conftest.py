"""API tests drive the local runtime over HTTP with real moto-issued Cognito tokens,
exactly as a mobile app would. One runtime per test process; each test makes its
own users with unique handles, so tests are independent of order."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from local.client import id_token
from local.config import LocalConfig
from local.runtime import LocalRuntime


@pytest.fixture(scope="session")
def runtime() -> Iterator[LocalRuntime]:
    with LocalRuntime(config=LocalConfig(api_port=0, moto_port=0), state_file=None) as rt:
        yield rt


@pytest.fixture(scope="session")
def info(runtime: LocalRuntime) -> dict[str, Any]:
    return runtime.info


@dataclass
class Client:
    """A signed-in (or anonymous) app talking to the API."""

    base_url: str
    token: str | None = None
    user_id: str | None = None
    handle: str | None = None
    session: requests.Session = field(default_factory=requests.Session)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = kwargs.pop("headers", {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        return self.session.request(
            method, self.base_url + path, headers=headers, timeout=30, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    def me(self) -> dict[str, Any]:
        response = self.get("/me")
        assert response.status_code == 200, response.text
        return response.json()


def unique_handle(prefix: str = "u") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


def error_code(response: requests.Response) -> str:
    body = response.json()
    assert set(body) == {"error"}, body
    assert {"code", "message"} <= set(body["error"]), body
    return body["error"]["code"]


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

    def make(name: str = "user", *, is_private: bool = False) -> Client:
        client = signed_in(name)
        handle = unique_handle(name)
        response = client.put("/me", json={"handle": handle, "is_private": is_private})
        assert response.status_code == 200, response.text
        client.handle, client.user_id = handle, response.json()["user_id"]
        return client

    return make


@pytest.fixture
def anonymous(info: dict[str, Any]) -> Client:
    return Client(info["api_url"])
