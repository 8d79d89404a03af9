import io

import pytest
from PIL import Image

from photogram.adapters import phash
from tests import corpus


def reencoded(image, longest, quality):
    copy = image.convert("RGB")
    copy.thumbnail((longest, longest))
    out = io.BytesIO()
    copy.save(out, "JPEG", quality=quality)
    return Image.open(io.BytesIO(out.getvalue()))


@pytest.mark.parametrize("path", corpus.params(corpus.samples("jpg/mobile/jolla.jpg", "gps.jpg")))
def test_a_resized_reencoded_copy_is_within_a_few_bits(path):
    original = Image.open(path)

    copy = reencoded(original, 640, 60)

    assert phash.distance(phash.hash_image(original), phash.hash_image(copy)) <= 10


@pytest.mark.parametrize(
    "pair",
    corpus.params(
        corpus.pairs(
            ("jpg/gps/DSCN0010.jpg", "gps.jpg"),
            ("jpg/mobile/HMD_Nokia_8.3_5G.jpg", "orientation/portrait_1.jpg"),
        )
    ),
)
def test_different_pictures_are_far_apart(pair):
    a, b = (Image.open(path) for path in pair)

    assert phash.distance(phash.hash_image(a), phash.hash_image(b)) > 80


@pytest.mark.parametrize("path", corpus.params(corpus.samples("jpg/gps/DSCN0012.jpg", "gps.jpg")))
def test_hex_round_trip(path):
    value = phash.hash_image(Image.open(path))

    assert phash.from_hex(phash.to_hex(value)) == value
