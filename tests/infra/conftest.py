"""The CDK app, synthesized once per test run, offline and without bundling."""

from __future__ import annotations

import importlib.util
import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.infra.synth import Synth

# Before aws_cdk starts its jsii (Node) process: under an end-of-life Node it prints
# a banner unless this lists that Node's major version (a list, not a boolean).
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "18,20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "1")

# Without the infra extra (`make dev`, `make test-fast`) these tests are not collected.
if importlib.util.find_spec("aws_cdk") is None:
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def photogram(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The app exactly as app.py builds it (stage dev), cdk-nag AwsSolutions included."""
    from infra.stack import add_photogram
    from tests.infra.synth import shared_synth

    return shared_synth(tmp_path_factory.getbasetemp(), "photogram", add_photogram)
