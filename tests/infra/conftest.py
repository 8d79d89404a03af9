"""The CDK app, synthesized once per test run, offline and without bundling."""

from __future__ import annotations

import importlib.util
import os
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.infra.synth import Synth

# Before aws_cdk starts its jsii (Node) process: under an end-of-life Node it prints
# a banner unless END_OF_LIFE lists that Node's major version (a list, not a boolean);
# DEPRECATED silences on any value. The same values as the Makefile exports, so
# pytest run directly and `make test` see the same jsii.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")
os.environ.setdefault("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", "20")

# Without the infra extra (`make dev`, `make test-fast`) these tests are not collected.
if importlib.util.find_spec("aws_cdk") is None:
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def photogram(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The app exactly as app.py builds it (stage dev), cdk-nag AwsSolutions included."""
    from infra.stack import add_photogram
    from tests.infra.synth import shared_synth

    return shared_synth(tmp_path_factory.getbasetemp(), "photogram", add_photogram)


# How the CDK CLI runs app.py: with CDK_DEFAULT_ACCOUNT/REGION from the deployer's
# profile, so every ARN the stack builds is concrete. eu-central-1 pulls the XGBoost
# image from another registry account than us-east-1.
ENVIRONMENTS = {
    "us-east-1": ("123456789012", "us-east-1"),
    "eu-central-1": ("123456789012", "eu-central-1"),
}


def synth_in(tmp_path_factory: pytest.TempPathFactory, name: str) -> Synth:
    """The app as `cdk synth` builds it in ENVIRONMENTS[name], once per test run."""
    import aws_cdk as cdk

    from infra.stack import add_photogram
    from tests.infra.synth import shared_synth

    account, region = ENVIRONMENTS[name]
    synth = shared_synth(
        tmp_path_factory.getbasetemp(),
        f"photogram-{name}",
        lambda app: add_photogram(app, env=cdk.Environment(account=account, region=region)),
    )
    synth.region = region
    return synth


@pytest.fixture(scope="session", params=["agnostic", *ENVIRONMENTS])
def every_environment(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Synth:
    """The app synthesized environment-agnostic and in each concrete environment."""
    if request.param == "agnostic":
        return request.getfixturevalue("photogram")
    return synth_in(tmp_path_factory, request.param)
