"""Media pipeline figures, in one run on the corpus's 8-12 MP phone photos.

1. The resize step (photogram.media.images.render: reduced-scale decode, upright,
   sRGB, cascade, no metadata) against the naive Pillow baseline the issue names
   (full decode, each variant resized from the original with LANCZOS, saved with
   its metadata), and against pyvips when it is installed (optional reference).
2. Peak resident memory each adds for one image, measured in a fresh interpreter.
3. Upload -> READY through a fresh local runtime, p50 and p95 over 20 uploads.
Targets (issue 4): >= 4x faster than naive, within 1.15x of pyvips, p50 <= 1.5 s.
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from PIL import Image

from photogram.media import images
from photogram.media.models import VARIANTS

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "media-corpus"
PHOTOS = [
    "jpg/mobile/jolla.jpg",
    "jpg/mobile/HMD_Nokia_8.3_5G.jpg",
    "jpg/hdr/iphone_hdr_YES.jpg",
    "jpg/tests/42_IndexError.jpg",
]
HEIC = ["heic/mobile/iphone_13_pro_max.HEIC"]
ROUNDS = 5


def naive(data: bytes) -> list[bytes]:
    """The baseline: decode in full, resize every variant from the original, keep EXIF."""
    original = Image.open(io.BytesIO(data))
    original.load()
    exif = original.info.get("exif", b"")
    out = []
    for longest in (v for v in VARIANTS.values() if v):
        copy = original.copy()
        copy.thumbnail((longest, longest), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        copy.convert("RGB").save(buffer, "JPEG", quality=82, exif=exif)
        out.append(buffer.getvalue())
    return out


def ours(data: bytes) -> list[bytes]:
    return [v.data for v in images.render(data).variants]


def vips(data: bytes) -> list[bytes] | None:
    try:
        import pyvips
    except ImportError:
        return None
    out = []
    try:
        # The same plan as ours: decode once with shrink-on-load to the largest size
        # (upright: thumbnail applies EXIF orientation), then cascade downwards;
        # progressive for large and medium.
        sizes = sorted((v for v in VARIANTS.values() if v), reverse=True)
        # copy_memory(): libvips is lazy, and each image feeds the next step and a save.
        image = pyvips.Image.thumbnail_buffer(
            data, sizes[0], height=sizes[0], size="down"
        ).copy_memory()
        for longest in sizes:
            scale = longest / max(image.width, image.height)
            if scale < 1:
                kernel = "cubic" if scale >= 0.5 else "lanczos3"
                image = image.resize(scale, kernel=kernel).copy_memory()
            out.append(image.jpegsave_buffer(Q=82, keep="none", interlace=longest in (640, 1080)))
    except pyvips.Error:
        return None  # e.g. HEIC: the pyvips-binary wheel has no HEVC decoder
    return out


def vips_installed() -> bool:
    try:
        import pyvips  # noqa: F401
    except ImportError:
        return False
    return True


def best_ms(function, data: bytes) -> float:
    function(data)  # warm-up
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        function(data)
        times.append((time.perf_counter() - started) * 1000)
    return min(times)


def peak_mb(function_name: str, path: Path) -> float:
    """Peak resident memory added by one call, in a fresh interpreter (pixel buffers
    live outside Python's allocator, so only the process's high-water mark sees them)."""
    code = (
        "import re\n"
        "from bench.media_bench import naive, ours\n"
        "def status(field):\n"
        "    text = open('/proc/self/status').read()\n"
        "    return int(re.search(field + r':\\s+(\\d+) kB', text).group(1))\n"
        f"data = open({str(path)!r}, 'rb').read()\n"
        "before = status('VmRSS')\n"
        "open('/proc/self/clear_refs', 'w').write('5')  # resets the high-water mark\n"
        f"{function_name}(data)\n"
        "print(status('VmHWM') - before)\n"
    )
    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root))
    out = subprocess.check_output([sys.executable, "-c", code], env=env, cwd=root)
    return int(out) / 1024  # kB to MB


def resize_figures() -> None:
    print(
        "media_bench: resize step, 5 variants per photo, best of 5 "
        "(targets >= 4x naive, <= 1.15x pyvips)"
    )
    ratios: dict[str, list[float]] = {"JPEG": [], "HEIC": []}
    for name in PHOTOS + HEIC:
        path = CORPUS / name
        data = path.read_bytes()
        width, height = Image.open(io.BytesIO(data)).size
        base, new = best_ms(naive, data), best_ms(ours, data)
        ratios["HEIC" if name in HEIC else "JPEG"].append(base / new)
        reference = ""
        if vips(data) is not None:
            ref = best_ms(vips, data)
            reference = f"  pyvips {ref:6.1f} ms (ours/pyvips {new / ref:.2f}x)"
        print(
            f"  {name:<38} {width * height / 1e6:4.1f} MP  "
            f"naive {base:6.1f} ms  ours {new:6.1f} ms "
            f"({base / new:4.1f}x)  peak RSS naive {peak_mb('naive', path):5.0f} MB, "
            f"ours {peak_mb('ours', path):5.0f} MB{reference}"
        )
    for kind, values in ratios.items():
        print(f"  {kind}: geometric mean speed-up {statistics.geometric_mean(values):.1f}x")
    if not vips_installed():
        print("  pyvips: not installed (optional reference; pip install pyvips pyvips-binary)")


def end_to_end(uploads: int = 20) -> None:
    from local.client import id_token
    from local.config import LocalConfig
    from local.runtime import LocalRuntime
    from tests.support import Client, upload

    data = (CORPUS / "jpg/mobile/jolla.jpg").read_bytes()
    with LocalRuntime(config=LocalConfig(api_port=0, live_port=0), state_file=None) as runtime:
        client = Client(runtime.info["api_url"], token=id_token(runtime.info, "bench-uploader"))
        upload(client, data, "image/jpeg")  # warm-up: first use of every step
        samples = []
        for _ in range(uploads):
            started = time.perf_counter()
            media = upload(client, data, "image/jpeg")
            samples.append(time.perf_counter() - started)
            assert media["status"] == "READY", media
    samples.sort()
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    print(
        f"  upload -> READY (8 MP JPEG, local runtime, {uploads} uploads): "
        f"p50 {statistics.median(samples):.2f} s, p95 {p95:.2f} s (target p50 <= 1.5 s)"
    )


def main() -> None:
    resize_figures()
    end_to_end()


if __name__ == "__main__":
    main()
