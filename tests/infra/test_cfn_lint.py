"""cfn-lint, the CloudFormation linter AWS maintains, with its serverless rules: no
error in any environment, and only the warnings docs/deploy.md explains."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

DEPLOY_DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
# Warnings left on purpose; docs/deploy.md gives each one's reason.
KNOWN_WARNINGS = {"W3005", "WS1004"}


def lint(synth, region: str) -> list:
    from cfnlint.api import lint as cfn_lint

    return cfn_lint(
        json.dumps(synth.template),
        config={"append_rules": ["cfn_lint_serverless.rules"], "regions": [region]},
    )


def describe(matches) -> list[str]:
    return [f"{m.rule.id} {'/'.join(map(str, m.path))}: {m.message}" for m in matches]


_linted: dict[str | None, list] = {}


@pytest.fixture
def findings(every_environment) -> list:
    """cfn-lint's matches for one synthesized template, linted once per test run."""
    region = every_environment.region
    if region not in _linted:
        _linted[region] = lint(every_environment, region or "us-east-1")
    return _linted[region]


def test_the_template_has_no_cfn_lint_error(findings):
    errors = [m for m in findings if m.rule.severity == "error"]

    assert describe(errors) == []


def test_every_warning_left_is_explained_in_the_deploy_guide(findings):
    warnings = {m.rule.id for m in findings if m.rule.severity == "warning"}
    doc = DEPLOY_DOC.read_text()

    assert warnings <= KNOWN_WARNINGS, describe(
        m for m in findings if m.rule.id in warnings - KNOWN_WARNINGS
    )
    assert [rule for rule in sorted(KNOWN_WARNINGS) if f"`{rule}`" not in doc] == []
