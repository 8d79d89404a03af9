"""cdk-nag AwsSolutions: no finding left, and every acknowledgment earns its place."""

from __future__ import annotations

import pytest

from infra.nag import PLUGIN

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def describe(violations) -> list[str]:
    return [
        f"{v['ruleName']} at {c['constructPath']}: {v['description']}"
        for v in violations
        for c in v["violatingConstructs"]
    ]


def test_awssolutions_pack_ran(every_environment):
    report = every_environment.plugin_report(PLUGIN)

    assert report is not None, "cdk-nag did not report: is the plugin registered?"


def test_no_unsuppressed_finding(every_environment):
    unsuppressed = [
        line
        for plugin in every_environment.report["pluginReports"]
        for line in describe(plugin.get("violations", []))
    ]

    assert unsuppressed == []


def test_every_acknowledgment_suppresses_a_real_finding(every_environment):
    suppressed = {
        (v["acknowledgedId"], v["acknowledgedAt"])
        for v in every_environment.plugin_report(PLUGIN).get("suppressedViolations", [])
    }

    stale = [ack for ack in every_environment.acknowledged if ack not in suppressed]

    assert stale == []


def test_every_acknowledgment_gives_a_reason(photogram):
    reasons = [v["reason"] for v in photogram.plugin_report(PLUGIN).get("suppressedViolations", [])]

    assert reasons
    assert all(len(reason) >= 60 for reason in reasons)
