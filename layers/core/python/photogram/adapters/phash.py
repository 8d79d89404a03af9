"""A 256-bit perceptual hash in the manner of PDQ (Meta's open hash for known-abusive
media): luminance at 64x64, the 16x16 lowest frequencies of its 2-D DCT, each bit
set where a coefficient is above their median. Resizing and re-encoding change few
bits; different pictures differ in about half. Pure Pillow + Python, so it runs
anywhere the pipeline does. It follows PDQ's steps but is not bit-compatible with
Meta's reference implementation (which uses Jarosz filters for the downsampling).
"""

from __future__ import annotations

import math
from functools import cache

from PIL import Image, ImageOps

BITS = 256
_N, _K = 64, 16


@cache
def _dct_matrix() -> list[list[float]]:
    scale = math.sqrt(2 / _N)
    return [
        [scale * math.cos(math.pi / 2 / _N * (i + 1) * (2 * j + 1)) for j in range(_N)]
        for i in range(_K)
    ]


def hash_image(image: Image.Image) -> int:
    """The 256-bit hash of an (already decoded) image."""
    gray = ImageOps.exif_transpose(image).convert("L").resize((_N, _N), Image.Resampling.BOX)
    pixels = list(gray.tobytes())
    rows = [pixels[r * _N : (r + 1) * _N] for r in range(_N)]
    dct = _dct_matrix()
    # D · A: 16 x 64, then (D · A) · Dᵀ: 16 x 16.
    partial = [[sum(d[k] * rows[k][c] for k in range(_N)) for c in range(_N)] for d in dct]
    coefficients = [sum(p[k] * d[k] for k in range(_N)) for p in partial for d in dct]
    median = sorted(coefficients)[len(coefficients) // 2]
    value = 0
    for coefficient in coefficients:
        value = (value << 1) | (coefficient > median)
    return value


def to_hex(value: int) -> str:
    return f"{value:064x}"


def from_hex(text: str) -> int:
    if len(text) != 64:
        raise ValueError("a hash is 64 hex digits")
    return int(text, 16)


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()
