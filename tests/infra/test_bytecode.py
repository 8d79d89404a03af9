"""The layers carry byte code for the runtime's Python when this machine has one
(infra/layers.py): compiled by that interpreter alone, unchecked-hash, and never
from an interpreter of another version. Here the runtime's Python is played by the
one running the tests, under its own version."""

from __future__ import annotations

import subprocess
import sys

import pytest

from infra.layers import RUNTIME_PYTHON_ENV, CompiledCopyBundler, runtime_python

pytestmark = [pytest.mark.infra]

THIS = f"{sys.version_info.major}.{sys.version_info.minor}"


def test_the_runtimes_python_is_found_only_at_its_exact_version(monkeypatch):
    monkeypatch.setenv(RUNTIME_PYTHON_ENV, sys.executable)

    assert runtime_python(THIS) == sys.executable
    assert runtime_python("3.99") is None


def test_a_compiled_copy_loads_its_byte_code_without_reading_the_source(tmp_path):
    source = tmp_path / "src" / "python" / "pkg"
    source.mkdir(parents=True)
    (source / "__init__.py").write_text("ANSWER = 42\n")
    (source / "__pycache__").mkdir()
    (source / "__pycache__" / "stale.pyc").write_bytes(b"not byte code")
    out = tmp_path / "out"

    assert CompiledCopyBundler(tmp_path / "src", sys.executable).try_bundle(str(out)) is True

    compiled = out / "python" / "pkg" / "__pycache__"
    assert [p.name for p in compiled.iterdir()] == [f"__init__.{sys.implementation.cache_tag}.pyc"]
    flags = int.from_bytes((compiled.iterdir().__next__()).read_bytes()[4:8], "little")
    assert flags == 0b01  # hash-based, unchecked: no mtime, the source is never re-read
    # Loaded from the byte code even after the source changes, as a read-only layer never does.
    (out / "python" / "pkg" / "__init__.py").write_text("ANSWER = 0\n")
    probe = "import pkg; print(pkg.ANSWER)"
    env = {"PYTHONPATH": str(out / "python"), "PYTHONDONTWRITEBYTECODE": "1"}
    assert subprocess.check_output([sys.executable, "-c", probe], env=env).strip() == b"42"
