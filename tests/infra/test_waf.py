"""The optional web ACL (`-c waf=true`): none by default; with the flag a REGIONAL web
ACL on the API stage limiting requests per IP (429 in the API's envelope) and running
AWS's common rule set, with cdk-nag and cfn-lint still clean."""

from __future__ import annotations

import json

import pytest

from infra.config import StackConfig
from infra.nag import PLUGIN
from infra.waf import (
    COMMON_RULE_SET,
    COUNTED_COMMON_RULES,
    RETRY_AFTER_SECONDS,
    WINDOW_SECONDS,
)
from tests.infra.synth import Synth, synthesize
from tests.infra.test_cfn_lint import KNOWN_WARNINGS, describe, lint

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


@pytest.fixture(scope="module")
def with_waf(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from infra.stack import add_photogram

    return synthesize(
        tmp_path_factory.mktemp("waf"), add_photogram, waf="true", waf_rate_limit="1200"
    )


def web_acl(synth: Synth) -> dict:
    (acl,) = synth.of_type("AWS::WAFv2::WebACL").values()
    return acl["Properties"]


def rules(synth: Synth) -> dict[str, dict]:
    return {rule["Name"]: rule for rule in web_acl(synth)["Rules"]}


def test_no_web_acl_without_the_flag(photogram):
    assert photogram.of_type("AWS::WAFv2::WebACL") == {}
    assert photogram.of_type("AWS::WAFv2::WebACLAssociation") == {}


def test_the_web_acl_is_regional_and_allows_by_default(with_waf):
    acl = web_acl(with_waf)

    assert acl["Scope"] == "REGIONAL"
    assert acl["DefaultAction"] == {"Allow": {}}
    assert acl["VisibilityConfig"]["CloudWatchMetricsEnabled"] is True


def test_it_is_associated_with_the_api_stage(with_waf):
    (association,) = with_waf.of_type("AWS::WAFv2::WebACLAssociation").values()
    (stage_id,) = with_waf.of_type("AWS::ApiGateway::Stage")
    (api_id,) = with_waf.of_type("AWS::ApiGateway::RestApi")
    (acl_id,) = with_waf.of_type("AWS::WAFv2::WebACL")

    (parts,) = association["Properties"]["ResourceArn"]["Fn::Join"][1:]
    assert parts[-4:] == ["::/restapis/", {"Ref": api_id}, "/stages/", {"Ref": stage_id}]
    assert association["Properties"]["WebACLArn"] == {"Fn::GetAtt": [acl_id, "Arn"]}


def test_requests_per_ip_are_limited_with_the_apis_429(with_waf):
    rule = rules(with_waf)["RequestsPerIp"]

    assert rule["Statement"]["RateBasedStatement"] == {
        "AggregateKeyType": "IP",
        "Limit": 1200,
        "EvaluationWindowSec": WINDOW_SECONDS,
    }
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert response["ResponseHeaders"] == [
        {"Name": "Retry-After", "Value": str(RETRY_AFTER_SECONDS)}
    ]
    body = web_acl(with_waf)["CustomResponseBodies"][response["CustomResponseBodyKey"]]
    assert body["ContentType"] == "APPLICATION_JSON"
    assert json.loads(body["Content"])["error"]["code"] == "rate_limited"


def test_the_common_rule_set_runs_after_the_rate_rule_with_body_rules_counted(with_waf):
    rule = rules(with_waf)["CommonRuleSet"]

    group = rule["Statement"]["ManagedRuleGroupStatement"]
    assert (group["VendorName"], group["Name"]) == ("AWS", COMMON_RULE_SET)
    assert rule["Priority"] > rules(with_waf)["RequestsPerIp"]["Priority"]
    assert rule["OverrideAction"] == {"None": {}}
    assert {o["Name"]: o["ActionToUse"] for o in group["RuleActionOverrides"]} == {
        name: {"Count": {}} for name in COUNTED_COMMON_RULES
    }


def gateway_response(synth: Synth, response_type: str) -> dict | None:
    found = [
        r["Properties"]
        for r in synth.of_type("AWS::ApiGateway::GatewayResponse").values()
        if r["Properties"]["ResponseType"] == response_type
    ]
    return found[0] if found else None


def test_a_common_rule_block_is_a_403_in_the_apis_envelope(with_waf, photogram):
    response = gateway_response(with_waf, "WAF_FILTERED")

    assert response is not None and response["StatusCode"] == "403"
    body = json.loads(response["ResponseTemplates"]["application/json"])
    assert body["error"]["code"] == "forbidden"
    assert gateway_response(photogram, "WAF_FILTERED") is None


def test_the_web_acl_keeps_cdk_nag_clean_and_needs_no_apig3_acknowledgment(with_waf):
    unsuppressed = [
        v["ruleName"]
        for plugin in with_waf.report["pluginReports"]
        for v in plugin.get("violations", [])
    ]
    suppressed = {
        (v["acknowledgedId"], v["acknowledgedAt"])
        for v in with_waf.plugin_report(PLUGIN).get("suppressedViolations", [])
    }

    assert unsuppressed == []
    assert [ack for ack in with_waf.acknowledged if ack not in suppressed] == []
    assert not any("APIG3" in rule_id for rule_id, _ in with_waf.acknowledged)


def test_the_web_acl_passes_cfn_lint(with_waf):
    findings = lint(with_waf, "us-east-1")

    assert describe(m for m in findings if m.rule.severity == "error") == []
    assert {m.rule.id for m in findings if m.rule.severity == "warning"} <= KNOWN_WARNINGS


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({}, (False, 3000)),
        ({"waf": "true"}, (True, 3000)),
        ({"waf": True, "waf_rate_limit": 500}, (True, 500)),
        ({"waf": "false"}, (False, 3000)),
    ],
)
def test_waf_and_its_rate_come_from_context(context, expected):
    import aws_cdk as cdk

    config = StackConfig.from_context(cdk.App(context=context).node)

    assert (config.waf, config.waf_rate_limit) == expected


@pytest.mark.parametrize(
    "context",
    [
        {"waf": "maybe"},
        {"waf": "true", "waf_rate_limit": "9"},
        {"waf": "true", "waf_rate_limit": "lots"},
        {"waf_rate_limit": "500"},
    ],
)
def test_unusable_waf_context_is_refused(context):
    import aws_cdk as cdk

    with pytest.raises(ValueError, match="waf"):
        StackConfig.from_context(cdk.App(context=context).node)
