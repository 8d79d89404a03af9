"""Where the ranking model's artifact lives and how it is opened, for everything that
uses it: training writes it, evaluation and the local endpoint unpack it, CDK
uploads it. (Nothing here imports XGBoost, so CDK and the local runtime start light.)"""

from __future__ import annotations

import contextlib
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
ARCHIVE_NAME = "model.tar.gz"
ARCHIVE = ARTIFACTS / ARCHIVE_NAME


@contextlib.contextmanager
def unpack(archive: Path = ARCHIVE) -> Iterator[Path]:
    """The artifact unpacked as SageMaker does (to /opt/ml/model), in a temp folder."""
    with (
        tempfile.TemporaryDirectory(prefix="photogram-model-") as tmp,
        tarfile.open(archive) as tar,
    ):
        tar.extractall(tmp, filter="data")
        yield Path(tmp)
