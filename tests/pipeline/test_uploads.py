"""The upload path: the presigned POST policy, hostile files, limits, re-delivery,
retries and moderation, each ending in a clear code with nothing stuck."""

import io
import json
import time
import zipfile

import boto3
import pytest
from PIL import Image

from infra.resources import MEDIA, RAW_MEDIA
from local.seed import photos
from photogram.adapters import phash, storage
from photogram.media import keys, repository
from tests.support import (
    error_code,
    must_exist,
    post_file,
    s3_code,
    start_upload,
    upload,
    wait_for_media,
)


def jpeg(width=320, height=240, color=(10, 120, 200)):
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def phone(make_user):
    return make_user("phone")


def raw_exists(s3, media):
    key = keys.raw_object_key(media["owner"], media["media_id"])
    return "Contents" in s3.list_objects_v2(Bucket=RAW_MEDIA.local_name, Prefix=key)


# --- the policy S3 enforces (the local runtime enforces it in front of moto) -------


def test_the_upload_form_pins_key_type_and_size(phone):
    started = start_upload(phone, "image/jpeg", 1000)

    fields = started["upload"]["fields"]
    policy = json.loads(__import__("base64").b64decode(fields["policy"]))
    assert fields["key"] == f"raw/{phone.user_id}/{started['media_id']}"
    assert {"Content-Type": "image/jpeg"} in policy["conditions"]
    # The declared size exactly (issue 12): a form cannot carry a bigger file.
    assert ["content-length-range", 1000, 1000] in policy["conditions"]


def test_another_content_type_than_declared_is_refused_by_s3(phone):
    started = start_upload(phone, "image/jpeg", len(jpeg()))
    started["upload"]["fields"]["Content-Type"] = "image/png"

    response = post_file(started, jpeg(), "image/png")

    assert (response.status_code, s3_code(response)) == (403, "AccessDenied")


def test_another_key_is_refused_by_s3(phone, make_user):
    victim = make_user("victim")
    started = start_upload(phone, "image/jpeg", len(jpeg()))
    started["upload"]["fields"]["key"] = f"raw/{victim.user_id}/{started['media_id']}"

    response = post_file(started, jpeg(), "image/jpeg")

    assert (response.status_code, s3_code(response)) == (403, "AccessDenied")


def test_a_tampered_signature_is_refused_by_s3(phone):
    started = start_upload(phone, "image/jpeg", len(jpeg()))
    signature = started["upload"]["fields"]["x-amz-signature"]
    started["upload"]["fields"]["x-amz-signature"] = (
        "0" if signature[0] != "0" else "1"
    ) + signature[1:]

    response = post_file(started, jpeg(), "image/jpeg")

    assert (response.status_code, s3_code(response)) == (403, "SignatureDoesNotMatch")


def test_a_zero_byte_upload_is_refused_by_s3_and_the_item_waits_for_its_file(phone):
    started = start_upload(phone, "image/jpeg", 1000)

    response = post_file(started, b"", "image/jpeg")

    assert (response.status_code, s3_code(response)) == (400, "EntityTooSmall")
    assert phone.get(f"/media/{started['media_id']}").json()["status"] == "PENDING_UPLOAD"


def test_an_upload_over_the_size_limit_is_refused_by_s3(phone):
    started = start_upload(phone, "image/jpeg", 1000)

    response = post_file(started, jpeg() + b"\0" * (30 * 1024 * 1024), "image/jpeg")

    assert (response.status_code, s3_code(response)) == (400, "EntityTooLarge")


def test_an_expired_form_is_refused_by_s3(runtime, phone, info):
    started = start_upload(phone, "image/jpeg", 1000)
    key = started["upload"]["fields"]["key"]
    expired = storage.presign_post(RAW_MEDIA.local_name, key, "image/jpeg", 1024, expires_in=-60)

    response = post_file({"upload": expired}, jpeg(), "image/jpeg")

    assert (response.status_code, s3_code(response)) == (403, "AccessDenied")
    assert "expired" in response.text


def test_declaring_more_than_the_limit_is_413(phone):
    response = phone.post(
        "/media",
        json={"content_type": "image/jpeg", "size_bytes": 31 * 1024 * 1024, "purpose": "post"},
    )

    assert response.status_code == 413
    assert error_code(response) == "too_large"


@pytest.mark.parametrize(
    "content_type", ["image/tiff", "image/gif", "text/html", "application/zip"]
)
def test_types_we_do_not_take_are_422(phone, content_type):
    response = phone.post(
        "/media", json={"content_type": content_type, "size_bytes": 10, "purpose": "post"}
    )

    assert response.status_code == 422


# --- hostile files: a clear reason, files removed, nothing stuck ------------------------


def png_bomb():
    import struct
    import zlib

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 4096))
        + chunk(b"IEND", b"")
    )


def jpeg_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("evil.html", "<script>alert(1)</script>")
    return jpeg() + out.getvalue()


@pytest.mark.parametrize(
    ("data", "content_type", "reason"),
    [
        (png_bomb(), "image/png", "too_many_pixels"),
        (b"this is plain text, not a photo\n" * 20, "image/jpeg", "unsupported_type"),
        (jpeg_zip(), "image/jpeg", "polyglot"),
        (jpeg(2400, 1800)[:5000], "image/jpeg", "undecodable"),
        (jpeg(), "image/png", "type_mismatch"),
    ],
    ids=["png-bomb", "text-as-jpeg", "jpeg+zip", "truncated", "jpeg-declared-png"],
)
def test_hostile_files_are_rejected_with_a_reason_and_removed(
    phone, s3, data, content_type, reason
):
    media = upload(phone, data, content_type)

    assert (media["status"], media["reason"]) == ("REJECTED", reason)
    raw = s3.list_objects_v2(
        Bucket=RAW_MEDIA.local_name, Prefix=f"raw/{phone.user_id}/{media['media_id']}"
    )
    variants = s3.list_objects_v2(
        Bucket=MEDIA.local_name, Prefix=keys.variant_prefix(media["media_id"])
    )
    assert "Contents" not in raw and "Contents" not in variants


# --- only the owner sees an unpublished item ----------------------------------------------


def test_another_user_cannot_see_my_media(phone, make_user):
    media = upload(phone, jpeg(), "image/jpeg")

    response = make_user("stranger").get(f"/media/{media['media_id']}")

    assert response.status_code == 404
    assert error_code(response) == "media_not_found"


# --- at-least-once delivery and transient failures ----------------------------------------


def test_the_same_s3_event_twice_does_one_executions_work(runtime, phone, s3):
    started = start_upload(phone, "image/jpeg", len(jpeg()))
    event_bodies = []
    original = runtime.workflows.start_execution

    def spy(sfn, arn, body):
        event_bodies.append(body)
        return original(sfn, arn, body)

    runtime.workflows.start_execution = spy
    try:
        post_file(started, jpeg(), "image/jpeg")
        first = wait_for_media(phone, started["media_id"])
        sfn = boto3.client(
            "stepfunctions", endpoint_url=runtime.info["aws_endpoint_url"], region_name="us-east-1"
        )
        arn = next(iter(runtime.workflows.state_machines.values()))
        again = original(sfn, arn, event_bodies[0])
        while sfn.describe_execution(executionArn=again)["status"] == "RUNNING":
            pass
    finally:
        runtime.workflows.start_execution = original

    second = phone.get(f"/media/{started['media_id']}").json()
    assert first["status"] == "READY" and second == first
    output = json.loads(sfn.describe_execution(executionArn=again)["output"])
    assert output["action"] == "skip"
    stored = s3.list_objects_v2(
        Bucket=MEDIA.local_name, Prefix=keys.variant_prefix(started["media_id"])
    )
    assert len(stored["Contents"]) == 5


def test_a_step_that_fails_once_with_a_transient_error_is_retried(phone, monkeypatch):
    from photogram.media import pipeline

    calls = []
    real_resize = pipeline.resize

    def flaky(event):
        calls.append(event["media_id"])
        if len(calls) == 1:
            raise storage.TransientError("S3 SlowDown")
        return real_resize(event)

    monkeypatch.setattr(pipeline, "resize", flaky)

    media = upload(phone, jpeg(), "image/jpeg")

    assert media["status"] == "READY"
    assert len(calls) == 2


def test_an_unexpected_error_ends_failed_with_a_reason(phone, monkeypatch, s3):
    from photogram.media import pipeline

    def broken(event):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(pipeline, "metadata", broken)

    media = upload(phone, jpeg(), "image/jpeg")

    assert (media["status"], media["reason"]) == ("FAILED", "processing_error")
    # The resize branch may still be finishing; whichever step is last cleans up.
    deadline = time.monotonic() + 30
    while True:
        variants = s3.list_objects_v2(
            Bucket=MEDIA.local_name, Prefix=keys.variant_prefix(media["media_id"])
        )
        if "Contents" not in variants or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert "Contents" not in variants


# --- moderation -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def two_photos() -> list[bytes]:
    """Two different photos: the corpus's phone photos, or pictures drawn on the spot
    where the corpus is not beside the checkout (a clone alone)."""
    drawn = photos(None)
    return [next(drawn)[0], next(drawn)[0]]


@pytest.fixture
def blocked_photo(two_photos):
    data = two_photos[0]
    repository.add_to_blocklist(
        phash.to_hex(phash.hash_image(Image.open(io.BytesIO(data)))), note="test"
    )
    return data


def test_a_blocklisted_image_is_rejected(phone, blocked_photo):
    media = upload(phone, blocked_photo, "image/jpeg")

    assert (media["status"], media["reason"]) == ("REJECTED", "moderation_blocked")


def test_a_resized_reencoded_copy_of_a_blocklisted_image_is_rejected(phone, blocked_photo):
    copy = Image.open(io.BytesIO(blocked_photo))
    copy.thumbnail((700, 700))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=70)

    media = upload(phone, out.getvalue(), "image/jpeg")

    assert (media["status"], media["reason"]) == ("REJECTED", "moderation_blocked")


def test_a_different_image_is_published(phone, blocked_photo, two_photos):
    media = upload(phone, two_photos[1], "image/jpeg")

    assert media["status"] == "READY"


def test_an_item_stuck_in_processing_past_the_deadline_reads_as_failed(phone):
    # An Express execution that hits its own timeout runs no Catch: the item would
    # stay PROCESSING. Simulate that: claim the upload as a workflow would, then die.
    started = start_upload(phone, "image/jpeg", 1000)
    repository.transition(
        started["media_id"],
        allowed_from=("PENDING_UPLOAD",),
        to="PROCESSING",
        processing_deadline=int(time.time()) - 3600,
        expires_at=None,
    )

    media = phone.get(f"/media/{started['media_id']}").json()

    assert (media["status"], media["reason"]) == ("FAILED", "processing_timeout")
    assert must_exist(repository.get(started["media_id"])).status == "FAILED"
