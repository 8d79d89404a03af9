"""Media uploaded for a message is private: its variants live under the private
prefix, and the local CDN (as CloudFront does) serves them only with a signature."""

import pytest
import requests

from infra.resources import MEDIA
from photogram.media import keys
from tests.support import photo, s3_code, upload


@pytest.fixture
def message_photo(make_user):
    return upload(make_user("sender"), photo(), "image/jpeg", purpose="message")


def test_message_media_is_ready_under_the_private_prefix(message_photo, s3):
    stored = s3.list_objects_v2(
        Bucket=MEDIA.local_name,
        Prefix=keys.variant_prefix(message_photo["media_id"], is_private=True),
    )

    assert message_photo["status"] == "READY"
    assert len(stored["Contents"]) == len(message_photo["variants"])
    assert "Contents" not in s3.list_objects_v2(
        Bucket=MEDIA.local_name, Prefix=keys.variant_prefix(message_photo["media_id"])
    )


def test_the_cdn_serves_private_media_signed_and_refuses_it_unsigned(message_photo):
    signed = message_photo["variants"]["thumbnail"]["url"]

    served, unsigned = (
        requests.get(signed, timeout=10),
        requests.get(signed.split("?")[0], timeout=10),
    )

    assert served.status_code == 200
    assert served.headers["Cache-Control"].startswith("private,")
    assert (unsigned.status_code, s3_code(unsigned)) == (403, "MissingKey")
