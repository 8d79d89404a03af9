"""The shared media corpus (../shared/media-corpus beside the checkout) and the
outcome its README promises for each file."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "media-corpus"

CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".tiff": "image/tiff",
}


def files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in CONTENT_TYPES)


def content_type(path: Path) -> str:
    return CONTENT_TYPES[path.suffix.lower()]


def expected(path: Path) -> tuple[str, str | None]:
    """(status, reason) the README's table promises."""
    if path.suffix.lower() == ".tiff":
        return "REJECTED", "unsupported_type"  # documented: TIFF is not accepted
    return "READY", None


def orientation(path: Path) -> str | None:
    if path.parent.name == "orientation":
        return "landscape" if path.name.startswith("landscape") else "portrait"
    return None
