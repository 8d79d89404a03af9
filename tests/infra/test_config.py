"""Context flags: what a deployer may choose with `-c key=value`."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from infra.config import StackConfig

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def test_context_values_arrive_as_strings_and_are_parsed():
    app = cdk.App(context={"stage": "prod", "throttle_rate": "25", "throttle_burst": "50"})

    config = StackConfig.from_context(app.node)

    assert config == StackConfig(stage="prod", throttle_rate=25.0, throttle_burst=50)


def test_no_context_gives_the_defaults():
    config = StackConfig.from_context(cdk.App().node)

    assert config == StackConfig()


@pytest.mark.parametrize("stage", ["Prod", "my-stage", "1st", "a" * 17, ""])
def test_stage_that_cannot_name_resources_is_refused(stage):
    app = cdk.App(context={"stage": stage} if stage else {"stage": "!"})

    with pytest.raises(ValueError, match="stage"):
        StackConfig.from_context(app.node)


def test_throttling_must_be_positive():
    app = cdk.App(context={"throttle_rate": "-1"})

    with pytest.raises(ValueError, match="throttle"):
        StackConfig.from_context(app.node)
