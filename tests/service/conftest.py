"""Service-level tests: the domain's use cases called directly, as a handler calls
them, against the local runtime's moto table (no HTTP, no API). Each test makes its
own users, so they share the one runtime per test process."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from local.runtime import LocalRuntime
from photogram import ids
from photogram.media import repository as media_repo
from photogram.users import service as users
from photogram.users.models import ProfileIn
from tests.support import unique_handle


@dataclass(frozen=True)
class Person:
    user_id: str
    handle: str


@pytest.fixture
def person(runtime: LocalRuntime) -> Callable[..., Person]:
    """A factory: a new user with a profile (public unless asked)."""

    def make(name: str = "user", *, is_private: bool = False) -> Person:
        user_id, handle = ids.new_id(), unique_handle(name)
        users.put_me(user_id, ProfileIn(handle=handle, is_private=is_private))
        return Person(user_id, handle)

    return make


@pytest.fixture
def ready_media(runtime: LocalRuntime) -> Callable[..., str]:
    """A factory: a READY media item of the owner's, as the pipeline leaves one (its
    variants' files are not made: services only keep their keys)."""

    def make(owner_id: str, purpose: str = "post") -> str:
        media_id = ids.new_id()
        row = media_repo.new_upload(
            media_id,
            owner_id,
            purpose=purpose,
            content_type="image/jpeg",
            size_bytes=1000,
            created=datetime.now(UTC),
            expires_at=0,
        )
        row.status, row.width, row.height, row.expires_at = "READY", 1080, 1080, None
        row.variants = {
            name: {"key": f"media/{media_id}/{name}.webp", "width": 1080, "height": 1080}
            for name in ("thumbnail", "small", "medium", "large")
        }
        row.save()
        return media_id

    return make
