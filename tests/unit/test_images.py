"""Image work on the fixtures, the real corpus (where present) and hostile files made here."""

import io
import struct
import zipfile
import zlib

import pytest
from PIL import Image

from photogram.adapters import phash
from photogram.media import images
from tests import corpus

MAX_PIXELS = 50_000_000


def jpeg(width=64, height=48, color=(200, 30, 30), **save):
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "JPEG", **save)
    return out.getvalue()


def real_zip():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<p>hello</p>")
    return out.getvalue()


def jpeg_with_comment(comment: bytes):
    data = jpeg()
    segment = b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment
    return data[:2] + segment + data[2:]


def png_header_only(width, height):
    """A few hundred bytes declaring a huge PNG (a decompression bomb's header)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize("path", corpus.params(corpus.files()))
def test_every_corpus_file_gets_the_outcome_its_readme_promises(path):
    status, reason = corpus.expected(path)
    data = path.read_bytes()

    outcome: tuple[str, str | None]
    try:
        images.validate(data, corpus.content_type(path), MAX_PIXELS)
        rendered = images.render(data)
        outcome = ("READY", None)
    except images.Rejected as rejected:
        outcome = ("REJECTED", rejected.code)

    assert outcome == (status, reason)
    if status == "READY":
        sizes = {v.name: max(v.width, v.height) for v in rendered.variants}
        longest = max(rendered.width, rendered.height)
        for name, cap in (("thumbnail", 150), ("small", 320), ("medium", 640), ("large", 1080)):
            assert sizes[name] == min(cap, longest), name


@pytest.mark.parametrize(
    "path", corpus.params([p for p in corpus.files() if corpus.orientation(p)])
)
def test_every_variant_is_upright(path):
    rendered = images.render(path.read_bytes())

    for variant in rendered.variants:
        wide = variant.width > variant.height
        assert wide == (corpus.orientation(path) == "landscape"), variant.name


def upright_hash(path):
    """The perceptual hash of the thumbnail the pipeline renders from `path`."""
    thumbnail = images.render(path.read_bytes()).variants[-1]
    return phash.hash_image(Image.open(io.BytesIO(thumbnail.data)))


@pytest.mark.parametrize(
    "first",
    corpus.params([p for p in corpus.files() if corpus.orientation(p) and p.stem.endswith("_1")]),
)
def test_all_eight_orientations_of_a_set_look_the_same(first):
    hashes = [
        upright_hash(first.with_name(first.name.replace("_1.", f"_{n}."))) for n in range(1, 9)
    ]

    # A near copy is within 31 bits (the blocklist's threshold); a turned or mirrored
    # rendering of the same picture is about half the 256 bits away.
    assert [phash.distance(hashes[0], h) <= 31 for h in hashes] == [True] * 8


@pytest.mark.parametrize("path", corpus.params(corpus.samples("jpg/gps/DSCN0010.jpg", "gps.jpg")))
def test_variants_carry_no_metadata_at_all(path):
    assert b"Exif" in path.read_bytes()

    for variant in images.render(path.read_bytes()).variants:
        for marker in (
            b"Exif",
            b"GPS",
            b"http://ns.adobe.com/xap",
            b"Photoshop",
            b"ICC_PROFILE",
            b"NIKON",
        ):
            assert marker not in variant.data, (variant.name, marker)
        assert Image.open(io.BytesIO(variant.data)).getexif() == {}


@pytest.mark.parametrize(
    "path",
    corpus.params(corpus.samples("heic/mobile/iphone_13_pro_max.HEIC", "heic/photo.heic")),
)
def test_heic_renders_upright_jpegs(path):
    rendered = images.render(path.read_bytes())

    assert {v.name for v in rendered.variants} == {
        "original",
        "large",
        "medium",
        "small",
        "thumbnail",
    }
    assert all(v.data[:3] == b"\xff\xd8\xff" for v in rendered.variants)


@pytest.mark.parametrize("path", corpus.params(corpus.samples("jpg/gps/DSCN0010.jpg", "gps.jpg")))
def test_gps_is_read_for_the_owner(path):
    found = images.metadata(path.read_bytes())

    assert found["camera_make"].startswith("NIKON")
    assert 43 < found["gps"]["latitude"] < 44 and 11 < found["gps"]["longitude"] < 12


@pytest.mark.parametrize(
    "path", corpus.params([p for p in corpus.files() if p.parent.name in ("invalid", "tests")])
)
def test_broken_exif_degrades_to_missing_fields(path):
    found = images.metadata(path.read_bytes())

    assert found["width"] > 0


@pytest.mark.parametrize(
    ("data", "declared", "code"),
    [
        (b"", "image/jpeg", "empty_file"),
        (b"just some text, not an image" * 10, "image/jpeg", "unsupported_type"),
        (jpeg(), "image/png", "type_mismatch"),
        (png_header_only(100_000, 100_000), "image/png", "too_many_pixels"),
        (jpeg(2000, 2000)[:3000], "image/jpeg", "undecodable"),
        (jpeg() + real_zip(), "image/jpeg", "polyglot"),
        (jpeg() + b"<html><script>alert(1)</script></html>", "image/jpeg", "polyglot"),
        (jpeg_with_comment(b"<script>alert(1)</script>"), "image/jpeg", "polyglot"),
    ],
    ids=[
        "empty",
        "text",
        "mismatch",
        "png-bomb",
        "truncated",
        "jpeg+zip",
        "jpeg+html",
        "html-comment",
    ],
)
def test_hostile_uploads_are_rejected_with_a_code(data, declared, code):
    with pytest.raises(images.Rejected) as rejected:
        images.validate(data, declared, MAX_PIXELS)

    assert rejected.value.code == code


def test_a_second_image_after_the_first_is_not_a_polyglot():
    # Phones append a second JPEG (MPF) or a motion-photo video after the image.
    data = jpeg() + jpeg(32, 32)

    assert images.validate(data, "image/jpeg", MAX_PIXELS).format == "JPEG"


def test_alpha_is_flattened_onto_white():
    out = io.BytesIO()
    Image.new("RGBA", (40, 40), (0, 0, 0, 0)).save(out, "PNG")

    rendered = images.render(out.getvalue())

    pixel = Image.open(io.BytesIO(rendered.variants[-1].data)).convert("RGB").getpixel((5, 5))
    assert isinstance(pixel, tuple)  # an RGB image's pixel is a band tuple
    assert min(pixel) > 240


def test_small_images_are_never_upscaled():
    rendered = images.render(jpeg(100, 80))

    assert {(v.width, v.height) for v in rendered.variants} == {(100, 80)}
