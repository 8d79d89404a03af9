"""The photos the media tests run on, and the outcome promised for each: the small
fixtures in tests/fixtures (always; see the README there), and the shared media
corpus (../shared/media-corpus beside the checkout, see its README) where present.

In a clone alone the corpus is missing: every test parametrized with `params()`
then runs on the fixtures and reports one skip naming the missing corpus, so a
newcomer sees what did not run rather than a quiet pass.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "media-corpus"
FIXTURES = ROOT / "tests" / "fixtures"
HAS_CORPUS = CORPUS.is_dir()
MISSING = f"{CORPUS} is missing (a clone alone): ran on tests/fixtures only"

CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".heic": "image/heic",
    ".heif": "image/heif",
    ".tiff": "image/tiff",
}
# tests/fixtures/README.md's table: the fixtures that must not be published.
FIXTURE_REJECTIONS = {
    "hostile/truncated.jpg": "undecodable",
    "hostile/bomb.png": "too_many_pixels",
    "hostile/bomb.jpg": "too_many_pixels",
}


def _images(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in CONTENT_TYPES)


def files() -> list[Path]:
    """Every corpus file (where present), then every fixture."""
    return (_images(CORPUS) if HAS_CORPUS else []) + _images(FIXTURES)


def samples(corpus_file: str, fixture: str) -> list[Path]:
    """A named photo: the corpus file (where present) and the fixture standing in for it."""
    return ([CORPUS / corpus_file] if HAS_CORPUS else []) + [FIXTURES / fixture]


def pairs(first: tuple[str, str], second: tuple[str, str]) -> list[tuple[Path, Path]]:
    """Two named photos, each given as (corpus file, fixture): the corpus pair (where
    present) and the fixture pair."""
    return list(zip(samples(*first), samples(*second), strict=True))


def label(path: Path) -> str:
    """A test id: media-corpus/... or fixtures/..."""
    for folder in (CORPUS, FIXTURES):
        if path.is_relative_to(folder):
            return f"{folder.name}/{path.relative_to(folder)}"
    return str(path)


def params(values: list) -> list:
    """pytest.parametrize values: one per path (or tuple of paths), with its label as
    the id, and a skip naming the corpus where it is missing."""
    found = [
        pytest.param(v, id="+".join(map(label, v)) if isinstance(v, tuple) else label(v))
        for v in values
    ]
    if not HAS_CORPUS:
        found.append(pytest.param(None, id="media-corpus", marks=pytest.mark.skip(reason=MISSING)))
    return found


def content_type(path: Path) -> str:
    return CONTENT_TYPES[path.suffix.lower()]


def expected(path: Path) -> tuple[str, str | None]:
    """(status, reason) the corpus's or the fixtures' README promises."""
    if path.suffix.lower() == ".tiff":
        return "REJECTED", "unsupported_type"  # documented: TIFF is not accepted
    if path.is_relative_to(FIXTURES):
        reason = FIXTURE_REJECTIONS.get(path.relative_to(FIXTURES).as_posix())
        if reason is not None:
            return "REJECTED", reason
    return "READY", None


def orientation(path: Path) -> str | None:
    if path.parent.name == "orientation":
        return "landscape" if path.name.startswith("landscape") else "portrait"
    return None
