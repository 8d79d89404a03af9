"""The pipeline publishes exactly the bytes it validated (issue 12).

The attack: the presigned POST stays valid for minutes, so a client posts a valid
JPEG, waits for PROCESSING and posts another file with the same form. Each test
makes the swap happen between the steps (inside the Validate step's return), not
by timing luck, and the local S3 gate is held to what S3 refuses."""

from __future__ import annotations

import io

import pytest
import requests
from PIL import Image

from infra.resources import MEDIA, RAW_MEDIA
from photogram.media import keys, pipeline, repository
from tests.support import (
    eventually,
    must_exist,
    post_file,
    s3_code,
    start_upload,
    wait_for_media,
)


def image_bytes(fmt: str, size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    options = {"compression": "tiff_deflate"} if fmt == "TIFF" else {}
    Image.new("RGB", size, color).save(out, fmt, **options)
    return out.getvalue()


def padded_to(data: bytes, size: int) -> bytes:
    """`data` with trailing bytes up to `size`: decoders ignore them, and the form's
    pinned length then matches, as a real attacker would arrange."""
    assert len(data) <= size
    return data + b"\0" * (size - len(data))


# The honest upload (333x222, blue) and what is swapped in (a TIFF and a bigger red
# JPEG, each padded to the honest file's size so the pinned form takes it).
HONEST = image_bytes("JPEG", (333, 222), (10, 60, 200))


@pytest.fixture
def phone(make_user):
    return make_user("pinned")


def raw_versions(s3, owner_id: str, media_id: str) -> list[dict]:
    key = keys.raw_object_key(owner_id, media_id)
    listed = s3.list_object_versions(Bucket=RAW_MEDIA.local_name, Prefix=key)
    return listed.get("Versions", []) + listed.get("DeleteMarkers", [])


@pytest.fixture
def swap_after_validate(monkeypatch):
    """Arms a one-shot swap: when Validate has checked `media_id`'s upload, post
    `data` with the same form before any later step runs."""
    armed: dict = {}
    answers: list[requests.Response] = []
    real_validate = pipeline.validate

    def validate_then_swap(event):
        result = real_validate(event)
        media_id = result.get("media_id")
        if media_id in armed and result.get("action") == "process":
            started, data, content_type = armed.pop(media_id)
            answers.append(post_file(started, data, content_type))
        return result

    monkeypatch.setattr(pipeline, "validate", validate_then_swap)

    def arm(started: dict, data: bytes, content_type: str = "image/jpeg") -> list:
        armed[started["media_id"]] = (started, data, content_type)
        return answers

    return arm


@pytest.mark.parametrize(
    "swapped",
    [
        image_bytes("TIFF", (120, 300), (220, 20, 20)),
        image_bytes("JPEG", (60, 40), (220, 20, 20)),
    ],
    ids=["tiff", "other-jpeg"],
)
def test_a_file_posted_again_while_processing_is_never_published(
    phone, s3, swap_after_validate, swapped
):
    started = start_upload(phone, "image/jpeg", len(HONEST))
    answers = swap_after_validate(started, padded_to(swapped, len(HONEST)))

    assert post_file(started, HONEST, "image/jpeg").status_code == 204
    media = wait_for_media(phone, started["media_id"])

    assert [a.status_code for a in answers] == [204]  # S3 took the second file
    assert (media["status"], media["width"], media["height"]) == ("READY", 333, 222)
    large = requests.get(media["variants"]["large"]["url"], timeout=10)
    pixel = Image.open(io.BytesIO(large.content)).convert("RGB").getpixel((5, 5))
    assert isinstance(pixel, tuple)  # an RGB image's pixel is a band tuple
    assert pixel[2] > 150 and pixel[0] < 60  # the honest blue, not the swapped red
    # The swapped version is discarded by its own workflow, the honest one on publish.
    wait_for(lambda: raw_versions(s3, phone.user_id, started["media_id"]) == [])


def test_moderation_sees_the_bytes_that_are_published(phone, swap_after_validate, monkeypatch):
    started = start_upload(phone, "image/jpeg", len(HONEST))
    swap_after_validate(started, padded_to(image_bytes("JPEG", (50, 50), (0, 0, 0)), len(HONEST)))
    seen: list[bytes] = []
    real_raw = pipeline._raw

    def recording_raw(state):
        data = real_raw(state)
        seen.append(data)
        return data

    monkeypatch.setattr(pipeline, "_raw", recording_raw)

    post_file(started, HONEST, "image/jpeg")
    media = wait_for_media(phone, started["media_id"])

    assert media["status"] == "READY"
    # Validate, Resize, Metadata and Moderate each read the upload: all the same bytes.
    assert len(seen) >= 4 and set(seen) == {HONEST}


def test_a_file_posted_again_after_publishing_changes_nothing_and_is_removed(phone, s3):
    started = start_upload(phone, "image/jpeg", len(HONEST))
    post_file(started, HONEST, "image/jpeg")
    published = wait_for_media(phone, started["media_id"])
    swapped = padded_to(image_bytes("JPEG", (80, 80), (220, 20, 20)), len(HONEST))

    assert post_file(started, swapped, "image/jpeg").status_code == 204

    wait_for(lambda: raw_versions(s3, phone.user_id, started["media_id"]) == [])
    assert phone.get(f"/media/{started['media_id']}").json() == published


def test_a_second_workflow_failing_does_not_touch_the_claimed_upload(phone, s3, runtime):
    started = start_upload(phone, "image/jpeg", len(HONEST))
    post_file(started, HONEST, "image/jpeg")
    published = wait_for_media(phone, started["media_id"])
    # A workflow for another version of the key ends in the Catch (as if its Validate
    # had crashed): it must neither mark the item FAILED nor delete its variants.
    key = keys.raw_object_key(phone.user_id, started["media_id"])
    other = s3.put_object(Bucket=RAW_MEDIA.local_name, Key=key, Body=b"x")["VersionId"]
    event = {
        "detail": {
            "bucket": {"name": RAW_MEDIA.local_name},
            "object": {"key": key, "version-id": other},
        },
        "error": {"Error": "RuntimeError", "Cause": "crashed"},
    }

    outcome = runtime.pools["media-fail"].invoke(event)

    assert outcome["status"] == "unchanged"
    assert phone.get(f"/media/{started['media_id']}").json() == published
    variants = s3.list_objects_v2(
        Bucket=MEDIA.local_name, Prefix=keys.variant_prefix(started["media_id"])
    )
    assert len(variants["Contents"]) == 5
    assert raw_versions(s3, phone.user_id, started["media_id"]) == []


def test_a_workflow_whose_validate_crashed_ends_failed(phone, s3, runtime):
    started = start_upload(phone, "image/jpeg", len(HONEST))
    key = keys.raw_object_key(phone.user_id, started["media_id"])
    version = s3.put_object(Bucket=RAW_MEDIA.local_name, Key=key, Body=HONEST)["VersionId"]
    event = {
        "detail": {
            "bucket": {"name": RAW_MEDIA.local_name},
            "object": {"key": key, "version-id": version},
        },
        "error": {"Error": "RuntimeError", "Cause": "crashed"},
    }

    runtime.pools["media-fail"].invoke(event)

    row = must_exist(repository.get(started["media_id"]))
    assert (row.status, row.reason) == ("FAILED", "processing_error")
    assert raw_versions(s3, phone.user_id, started["media_id"]) == []


def test_an_event_without_a_version_is_never_processed(phone, runtime):
    started = start_upload(phone, "image/jpeg", len(HONEST))
    key = keys.raw_object_key(phone.user_id, started["media_id"])
    event = {"detail": {"bucket": {"name": RAW_MEDIA.local_name}, "object": {"key": key}}}

    with pytest.raises(pipeline.NotPinnable):
        runtime.pools["media-validate"].invoke(event)

    assert must_exist(repository.get(started["media_id"])).status == "PENDING_UPLOAD"


# --- the form pins the declared size ------------------------------------------------


@pytest.mark.parametrize(("extra", "code"), [(1, "EntityTooLarge"), (-1, "EntityTooSmall")])
def test_a_file_of_another_size_than_declared_is_refused_by_s3(phone, extra, code):
    started = start_upload(phone, "image/jpeg", len(HONEST))
    other_size = padded_to(HONEST, len(HONEST) + extra) if extra > 0 else HONEST[:extra]

    response = post_file(started, other_size, "image/jpeg")

    assert (response.status_code, s3_code(response)) == (400, code)


# --- the local S3 gate cannot be stepped around ----------------------------------------


def multipart(fields: dict, files: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    """A multipart/form-data body and its Content-Type, as requests builds them."""
    prepared = requests.Request(
        "POST",
        "http://unused/",
        data=fields,
        files=[(name, ("upload", data, "image/jpeg")) for name, data in files],
    ).prepare()
    body, content_type = prepared.body, prepared.headers["Content-Type"]
    # With files, requests encodes the body itself: bytes, under a str header.
    assert isinstance(body, bytes) and isinstance(content_type, str)
    return body, content_type


@pytest.mark.parametrize("spelling", ["Multipart/Form-Data", "MULTIPART/FORM-DATA"])
def test_the_form_type_in_any_letter_case_is_still_checked(phone, s3, spelling):
    victim_key = f"raw/someone-else/{start_upload(phone, 'image/jpeg', 10)['media_id']}"
    started = start_upload(phone, "image/jpeg", len(HONEST))
    form = started["upload"]
    body, content_type = multipart(form["fields"] | {"key": victim_key}, [("file", HONEST)])

    response = requests.post(
        form["url"],
        data=body,
        headers={"Content-Type": content_type.replace("multipart/form-data", spelling)},
        timeout=30,
    )

    assert (response.status_code, s3_code(response)) == (403, "AccessDenied")
    assert "Contents" not in s3.list_objects_v2(Bucket=RAW_MEDIA.local_name, Prefix=victim_key)


def test_an_honest_form_in_another_letter_case_is_stored(phone):
    started = start_upload(phone, "image/jpeg", len(HONEST))
    form = started["upload"]
    body, content_type = multipart(form["fields"], [("file", HONEST)])

    response = requests.post(
        form["url"],
        data=body,
        headers={
            "Content-Type": content_type.replace("multipart/form-data", "Multipart/Form-Data")
        },
        timeout=30,
    )

    assert response.status_code == 204, response.text
    assert wait_for_media(phone, started["media_id"])["status"] == "READY"


def test_two_file_parts_are_refused_as_s3_refuses_them(phone):
    started = start_upload(phone, "image/jpeg", len(HONEST))
    form = started["upload"]
    body, content_type = multipart(form["fields"], [("file", HONEST), ("file", HONEST)])

    response = requests.post(
        form["url"], data=body, headers={"Content-Type": content_type}, timeout=30
    )

    assert (response.status_code, s3_code(response)) == (400, "InvalidArgument")
    assert phone.get(f"/media/{started['media_id']}").json()["status"] == "PENDING_UPLOAD"


def test_a_post_that_is_not_a_form_is_refused(phone):
    started = start_upload(phone, "image/jpeg", len(HONEST))

    response = requests.post(
        started["upload"]["url"],
        data=HONEST,
        headers={"Content-Type": "image/jpeg"},
        timeout=30,
    )

    assert (response.status_code, s3_code(response)) == (412, "PreconditionFailed")
    assert phone.get(f"/media/{started['media_id']}").json()["status"] == "PENDING_UPLOAD"


def wait_for(check, deadline_s: float = 20) -> None:
    assert eventually(check, deadline_s)
