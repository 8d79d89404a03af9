import io

import pytest
from PIL import Image

from photogram.media import phash
from tests import corpus

pytestmark = pytest.mark.skipif(
    not corpus.CORPUS.exists(), reason="../shared/media-corpus is missing"
)


def load(relative):
    return Image.open(corpus.CORPUS / relative)


def reencoded(image, longest, quality):
    copy = image.convert("RGB")
    copy.thumbnail((longest, longest))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue()))


def test_a_resized_reencoded_copy_is_within_a_few_bits():
    original = load("jpg/mobile/jolla.jpg")

    copy = reencoded(original, 640, 60)

    assert phash.distance(phash.hash_image(original), phash.hash_image(copy)) <= 10


def test_different_pictures_are_far_apart():
    a, b = load("jpg/gps/DSCN0010.jpg"), load("jpg/mobile/HMD_Nokia_8.3_5G.jpg")

    assert phash.distance(phash.hash_image(a), phash.hash_image(b)) > 80


def test_hex_round_trip():
    value = phash.hash_image(load("jpg/gps/DSCN0012.jpg"))

    assert phash.from_hex(phash.to_hex(value)) == value
