"""Image work for the pipeline, on bytes: identify, validate, render variants, read
metadata. Pure functions (no AWS), so they are tested on the media corpus directly.

Rendering decodes once (JPEG at a reduced scale with `draft()`), turns the image
upright and into sRGB, then cascades from the largest variant to the smallest,
so each resize starts from the nearest larger image rather than the original.
"""

from __future__ import annotations

import base64
import hashlib
import io
import re
import warnings
from dataclasses import dataclass, field
from typing import Any

import pi_heif
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from photogram.media.models import CONTENT_TYPES, VARIANTS

pi_heif.register_heif_opener()
# Our own cap (settings.media_max_pixels) is checked from the header first; this
# makes Pillow refuse outright anything that slipped past it.
Image.MAX_IMAGE_PIXELS = 100_000_000

JPEG_QUALITY = 82
# Progressive where it pays: the sizes a feed shows while they load on a slow network.
# (Progressive encoding costs 3-5x baseline; thumbnails are small either way, and
# the original is for zoom and download.)
PROGRESSIVE = {"large", "medium"}
HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
# Markers of another file format riding in an image (a polyglot). A ZIP is found
# from its end-of-central-directory record, which must sit near the end of the file.
_ZIP_END = b"PK\x05\x06"  # end of central directory
_ACTIVE_CONTENT = re.compile(
    rb"<(?:html|script|\?php|!doctype html|iframe|svg|body)[\s>/]", re.IGNORECASE
)
_ZIP_ENTRY = b"PK\x03\x04"
_SRGB = ImageCms.createProfile("sRGB")


class Rejected(Exception):
    """The upload is not an image we publish; `code` says why (a stable reason code)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


@dataclass(frozen=True)
class Inspection:
    format: str
    width: int
    height: int


@dataclass
class Variant:
    name: str
    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"
    extension: str = "jpg"

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.data).hexdigest()[:16]


@dataclass
class Rendered:
    width: int
    height: int
    variants: list[Variant] = field(default_factory=list)
    blur_placeholder: str = ""
    dominant_color: str = ""


def sniff(data: bytes) -> str | None:
    """The real format from the first bytes, never from a name or a declared type."""
    if data[:3] == b"\xff\xd8\xff":
        return "JPEG"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    if data[4:8] == b"ftyp":
        box_size = int.from_bytes(data[:4], "big")
        brands = {data[8:12]} | {data[i : i + 4] for i in range(16, min(box_size, 64), 4)}
        if brands & HEIF_BRANDS:
            return "HEIF"
    return None


def _jpeg_end(data: bytes) -> int:
    """Offset just past the first image's EOI marker (len(data) if there is none)."""
    i = 2
    while i + 4 <= len(data):
        if data[i] != 0xFF:
            return len(data)
        marker = data[i + 1]
        if marker == 0xFF:
            i += 1
            continue
        if marker == 0xD9:
            return i + 2
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        i += 2 + length
        if marker == 0xDA:  # start of scan: entropy-coded data until a non-RST marker
            while True:
                i = data.find(b"\xff", i)
                if i < 0 or i + 1 >= len(data):
                    return len(data)
                following = data[i + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7 or following == 0xFF:
                    i += 1 if following == 0xFF else 2
                    continue
                break
    return len(data)


def _png_end(data: bytes) -> int:
    end = data.find(b"IEND")
    return len(data) if end < 0 else end + 8


def _trailer(data: bytes, fmt: str) -> bytes:
    """Bytes after the image itself. Phones legitimately put more images (MPF) or a
    motion-photo video there, so only other formats' markers count against it."""
    if fmt == "JPEG":
        return data[_jpeg_end(data) :]
    if fmt == "PNG":
        return data[_png_end(data) :]
    if fmt == "WEBP":
        return data[8 + int.from_bytes(data[4:8], "little") :]
    return b""


def _has_zip_directory(data: bytes) -> bool:
    """A ZIP readers would open: an end-of-central-directory record in the last 64 KiB
    whose central directory starts where the record says (as unzip checks it)."""
    tail_start = max(0, len(data) - (65535 + 22))
    position = data.rfind(_ZIP_END, tail_start)
    while position >= 0:
        record = data[position : position + 22]
        if len(record) == 22:
            directory_size = int.from_bytes(record[12:16], "little")
            start = position - directory_size
            if start >= 0 and data[start : start + 4] == b"PK\x01\x02":
                return True
        position = data.rfind(_ZIP_END, tail_start, position)
    return False


def _is_polyglot(data: bytes, fmt: str) -> bool:
    """Another file format riding along: a ZIP (found from its end, as ZIP readers
    do), a ZIP entry after the image, or web content anywhere in the file (metadata
    segments included; XML metadata such as XMP and plists does not match)."""
    if _has_zip_directory(data) or _ACTIVE_CONTENT.search(data) is not None:
        return True
    return _ZIP_ENTRY in _trailer(data, fmt)


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except (Image.DecompressionBombWarning, Image.DecompressionBombError) as exc:
        raise Rejected("too_many_pixels") from exc
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as exc:
        raise Rejected("undecodable", type(exc).__name__) from exc


def validate(data: bytes, declared_type: str, max_pixels: int) -> Inspection:
    """Check an upload before any full decode. Raises Rejected with one of:
    empty_file, unsupported_type, type_mismatch, polyglot, too_many_pixels, undecodable."""
    if not data:
        raise Rejected("empty_file")
    real = sniff(data)
    if real is None:
        raise Rejected("unsupported_type")
    if CONTENT_TYPES.get(declared_type) != real:
        raise Rejected("type_mismatch", f"declared {declared_type}, found {real}")
    if _is_polyglot(data, real):
        raise Rejected("polyglot")
    image = _open(data)
    width, height = image.size
    if width < 1 or height < 1 or width * height > max_pixels:
        raise Rejected("too_many_pixels", f"{width}x{height}")
    # A cheap trial decode (JPEG at 1/8 scale) catches truncated and corrupt files.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            if real == "JPEG":
                image.draft("RGB", (max(1, width // 8), max(1, height // 8)))
            image.load()
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as exc:
        raise Rejected("undecodable", type(exc).__name__) from exc
    return Inspection(real, width, height)


def _to_srgb(image: Image.Image) -> Image.Image:
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "RGBA", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: keep the pixels as they are, treated as sRGB
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """RGB on white: JPEG has no alpha."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB") if image.mode != "RGB" else image


def _fit(size: tuple[int, int], longest: int) -> tuple[int, int]:
    width, height = size
    if max(width, height) <= longest:
        return size  # never upscale
    scale = longest / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def _shrink(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Downscale: bicubic for steps of up to 2x (the cascade's, and what is left after
    draft()), where it is as sharp as Lanczos to the eye and a third cheaper; Lanczos
    after integer pre-reduction for larger steps, where bicubic would alias."""
    if max(image.size) <= 2 * max(size):
        return image.resize(size, Image.Resampling.BICUBIC)
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _encode(image: Image.Image, quality: int = JPEG_QUALITY, progressive: bool = False) -> bytes:
    out = io.BytesIO()
    # No exif=, icc_profile= or comment: nothing of the original's metadata is written.
    image.save(
        out, "JPEG", quality=quality, progressive=progressive, optimize=False, subsampling="4:2:0"
    )
    return out.getvalue()


def render(data: bytes) -> Rendered:
    """Every variant of `data` (which `validate` accepted), largest first."""
    image = _open(data)
    full_width, full_height = image.size
    try:
        if image.getexif().get(0x0112) in (5, 6, 7, 8):  # stored sideways
            full_width, full_height = full_height, full_width
    except Exception:  # noqa: S110 - EXIF_IS_UNTRUSTED: broken EXIF keeps the stored orientation
        pass
    largest = max(v for v in VARIANTS.values() if v)
    if image.format == "JPEG":
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale while the long side stays at
        # least 3/4 of the largest variant: the 'original' then lies between 1,536
        # and 2,048 px, and a 12 MP photo decodes at a quarter of its pixels.
        width, height = image.size
        scale = largest * 3 / 4 / max(width, height)
        if scale < 1:
            image.draft("RGB", (max(1, int(width * scale)), max(1, int(height * scale))))
    try:
        image.load()
        info = dict(image.info)
        # What draft() does for JPEG, for the formats that cannot decode at reduced
        # scale (HEIC, PNG, WebP): a box reduction by the largest whole factor that
        # keeps the long side at least 3/4 of the largest variant.
        factor = int(max(image.size) // (largest * 3 / 4))
        if factor >= 2:
            image = image.reduce(factor)
        # Shrink first: orientation and colour conversion then touch far fewer pixels.
        first = _fit(image.size, largest)
        if first != image.size:
            image = _shrink(image, first)
        image.info.update(info)  # the EXIF orientation and ICC profile, for the steps below
        upright = ImageOps.exif_transpose(image) or image
    except (OSError, ValueError, SyntaxError) as exc:
        raise Rejected("undecodable", type(exc).__name__) from exc
    current = _flatten(_to_srgb(upright))
    # The upload's own upright size (the variants are capped below it).
    result = Rendered(width=full_width, height=full_height)
    for name, longest in sorted(VARIANTS.items(), key=lambda item: -(item[1] or 0)):
        target = _fit(current.size, longest or max(current.size))
        if target != current.size:
            current = _shrink(current, target)
        progressive = name in PROGRESSIVE
        result.variants.append(
            Variant(name, _encode(current, progressive=progressive), current.width, current.height)
        )
    smallest = current
    tiny = smallest.resize(_fit(smallest.size, 16), Image.Resampling.BILINEAR)
    result.blur_placeholder = (
        "data:image/jpeg;base64," + base64.b64encode(_encode(tiny, 40)).decode()
    )
    red, green, blue = smallest.resize((1, 1), Image.Resampling.BOX).getpixel((0, 0))  # type: ignore[misc]
    result.dominant_color = f"#{red:02x}{green:02x}{blue:02x}"
    return result


# --- metadata ----------------------------------------------------------------------------

_EXIF_IFD, _GPS_IFD = 0x8769, 0x8825
_TEXT_TAGS = {"camera_make": 0x010F, "camera_model": 0x0110, "software": 0x0131}
_EXIF_TEXT_TAGS = {"taken_at": 0x9003, "lens": 0xA434}
_MAX_TEXT = 128


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[:_MAX_TEXT] or None


def _degrees(value: Any, ref: Any) -> float | None:
    try:
        d, m, s = (float(x) for x in value)
        degrees = d + m / 60 + s / 3600
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if _text(ref) in ("S", "W"):
        degrees = -degrees
    return round(degrees, 7)


# EXIF_IS_UNTRUSTED: the EXIF readers below catch every Exception, on purpose. They
# parse bytes a stranger uploaded with Pillow's TIFF/EXIF parser, whose exception
# types are not documented: fuzzing the test photos' EXIF raised OSError,
# UnidentifiedImageError and DecompressionBombError (not an OSError), and its source
# raises SyntaxError, ValueError, struct.error, KeyError and TypeError as well. EXIF
# is optional to the pipeline, so a reading that fails is a missing field, never a
# failed upload. Only EXIF reads sit inside these blocks.
def metadata(data: bytes) -> dict[str, Any]:
    """Camera, lens, taken-at, size, orientation and GPS from the upload. Broken,
    empty or odd EXIF gives missing fields, never an error."""
    found: dict[str, Any] = {}
    try:
        image = Image.open(io.BytesIO(data))
        found["width"], found["height"] = image.size
        exif = image.getexif()
    except Exception:  # EXIF_IS_UNTRUSTED
        return found
    for name, tag in _TEXT_TAGS.items():
        _set(found, name, lambda tag=tag: _text(exif.get(tag)))
    _set(found, "orientation", lambda: int(exif[0x0112]) if exif.get(0x0112) else None)
    _set(found, "exif", lambda: exif.get_ifd(_EXIF_IFD))
    details = found.pop("exif", None) or {}
    for name, tag in _EXIF_TEXT_TAGS.items():
        _set(found, name, lambda tag=tag: _text(details.get(tag)))
    _set(found, "gps", lambda: _gps(exif.get_ifd(_GPS_IFD)))
    return found


def _gps(ifd: Any) -> dict[str, float] | None:
    if not ifd:
        return None
    latitude, longitude = _degrees(ifd.get(2), ifd.get(1)), _degrees(ifd.get(4), ifd.get(3))
    if (
        latitude is None
        or longitude is None
        or not (-90 <= latitude <= 90 and -180 <= longitude <= 180)
    ):
        return None
    return {"latitude": latitude, "longitude": longitude}


def _set(found: dict[str, Any], name: str, read: Any) -> None:
    try:
        value = read()
    except Exception:  # EXIF_IS_UNTRUSTED
        return
    if value is not None:
        found[name] = value
