"""Per-user upload limits: pending uploads and uploads per day (429 with Retry-After)."""

import pytest

from photogram.settings import settings
from tests.support import error_code, start_upload


@pytest.fixture
def caps(monkeypatch):
    """Small caps for this test (the runtime runs in this process, so it reads them)."""

    def set_caps(pending=3, daily=300):
        monkeypatch.setenv("PHOTOGRAM_PENDING_UPLOAD_CAP", str(pending))
        monkeypatch.setenv("PHOTOGRAM_DAILY_UPLOAD_CAP", str(daily))
        settings.cache_clear()

    yield set_caps
    monkeypatch.undo()
    settings.cache_clear()


def ask(client):
    return client.post(
        "/media", json={"content_type": "image/jpeg", "size_bytes": 1000, "purpose": "post"}
    )


def test_too_many_pending_uploads_is_429_with_retry_after(make_user, caps):
    caps(pending=3)
    phone = make_user("phone")
    for _ in range(3):
        start_upload(phone, "image/jpeg", 1000)

    response = ask(phone)

    assert response.status_code == 429
    assert error_code(response) == "rate_limited"
    assert response.json()["error"]["details"]["limit"] == "pending_uploads"
    assert 0 < int(response.headers["Retry-After"]) <= 600 + 3600


def test_the_pending_cap_is_per_user(make_user, caps):
    caps(pending=2)
    first, second = make_user("first"), make_user("second")
    for _ in range(2):
        start_upload(first, "image/jpeg", 1000)

    assert ask(second).status_code == 201


def test_the_daily_cap_is_429_until_midnight_utc(make_user, caps):
    caps(pending=50, daily=4)
    phone = make_user("phone")
    for _ in range(4):
        start_upload(phone, "image/jpeg", 1000)

    response = ask(phone)

    assert response.status_code == 429
    assert response.json()["error"]["details"]["limit"] == "daily_uploads"
    assert 0 < int(response.headers["Retry-After"]) <= 86400
