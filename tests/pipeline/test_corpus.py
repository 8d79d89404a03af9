"""Every fixture, and every file of ../shared/media-corpus where present, through the
local runtime, as a phone sends it."""

import io

import pytest
import requests
from PIL import Image

from tests import corpus
from tests.support import upload

CAPS = {"thumbnail": 150, "small": 320, "medium": 640, "large": 1080, "original": 2048}
# Metadata blocks (EXIF, XMP, IPTC, ICC), found by their signatures in the bytes.
METADATA_SIGNATURES = [
    b"Exif\x00\x00",
    b"http://ns.adobe.com/xap",
    b"<x:xmpmeta",
    b"Photoshop 3.0",
    b"ICC_PROFILE",
]
# JPEG segments allowed before the image data: JFIF (APP0), tables, frame, scan.
ALLOWED_SEGMENTS = {0xE0, 0xDB, 0xC0, 0xC1, 0xC2, 0xC4, 0xDD, 0xDA}


def jpeg_segments(data):
    """The marker of every segment up to the start of scan (the image data)."""
    markers, i = [], 2
    while i + 4 <= len(data) and data[i] == 0xFF:
        marker = data[i + 1]
        markers.append(marker)
        if marker == 0xDA:
            break
        i += 2 + int.from_bytes(data[i + 2 : i + 4], "big")
    return markers


@pytest.fixture
def phone(make_user):
    return make_user("phone")


@pytest.mark.parametrize("path", corpus.params(corpus.files()))
def test_each_corpus_file_ends_as_its_readme_says(phone, path):
    status, reason = corpus.expected(path)
    if path.suffix.lower() == ".tiff":
        # Documented: the API takes no TIFF, and a TIFF sent as something else is caught.
        declared = phone.post(
            "/media", json={"content_type": "image/tiff", "size_bytes": 10, "purpose": "post"}
        )
        assert declared.status_code == 422
        media = upload(phone, path.read_bytes(), "image/jpeg")
    else:
        media = upload(phone, path.read_bytes(), corpus.content_type(path))

    assert (media["status"], media["reason"]) == (status, reason), media
    if status != "READY":
        return
    assert media["blur_placeholder"].startswith("data:image/jpeg;base64,")
    assert media["dominant_color"].startswith("#")
    for name, variant in media["variants"].items():
        served = requests.get(variant["url"], timeout=10)
        assert served.status_code == 200
        assert served.headers["Content-Type"] == "image/jpeg"
        assert "immutable" in served.headers["Cache-Control"]
        image = Image.open(io.BytesIO(served.content))
        assert image.size == (variant["width"], variant["height"])
        assert (
            max(image.size) == min(CAPS[name], max(media["width"], media["height"]))
            or name == "original"
        )
        assert max(image.size) <= CAPS[name]
        assert set(jpeg_segments(served.content)) <= ALLOWED_SEGMENTS, name
        for signature in METADATA_SIGNATURES:
            assert signature not in served.content, (name, signature)
        if corpus.orientation(path):
            assert (image.width > image.height) == (corpus.orientation(path) == "landscape"), name


@pytest.mark.parametrize("path", corpus.params(corpus.samples("jpg/gps/DSCN0010.jpg", "gps.jpg")))
def test_gps_is_kept_private_to_the_owner(phone, path):
    media = upload(phone, path.read_bytes(), "image/jpeg")

    assert media["status"] == "READY"
    assert "gps" not in str(media).lower() and "latitude" not in str(media)
