"""Search on AWS (`-c search=opensearch`): an OpenSearch Serverless SEARCH collection
behind its encryption and network policies, a data access policy giving each function
only what it needs, the functions' settings, and the custom resource that creates the
indexes; with the default `search=off`, nothing of it."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from infra.nag import PLUGIN
from tests.infra.synth import Synth, as_list, policy_statements, shared_synth
from tests.infra.test_cfn_lint import KNOWN_WARNINGS, describe, lint

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

ACCOUNT, REGION = "123456789012", "eu-central-1"
AOSS = "AWS::OpenSearchServerless::"
INDEXES = "Custom::PhotogramSearchIndexes"


@pytest.fixture(scope="session")
def with_search(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The app as `cdk synth -c search=opensearch` builds it in a concrete environment
    (the one synthesized variant this file adds)."""

    def build(app):
        import aws_cdk as cdk

        from infra.stack import add_photogram

        app.node.set_context("search", "opensearch")
        return add_photogram(app, env=cdk.Environment(account=ACCOUNT, region=REGION))

    synth = shared_synth(tmp_path_factory.getbasetemp(), "photogram-search", build)
    synth.region = REGION
    return synth


def only(synth: Synth, resource_type: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = synth.of_type(resource_type).items()
    return logical_id, resource


def environment_of(synth: Synth, service: str) -> dict[str, Any]:
    for resource in synth.of_type("AWS::Lambda::Function").values():
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        if variables.get("POWERTOOLS_SERVICE_NAME") == service:
            return variables
    raise KeyError(service)


def role_of(synth: Synth, service: str) -> str:
    for resource in synth.of_type("AWS::Lambda::Function").values():
        variables = resource["Properties"].get("Environment", {}).get("Variables", {})
        if variables.get("POWERTOOLS_SERVICE_NAME") == service:
            return resource["Properties"]["Role"]["Fn::GetAtt"][0]
    raise KeyError(service)


def text_of(value: Any) -> str:
    """A policy string with each GetAtt written as <LogicalId.Attribute>."""
    if isinstance(value, str):
        return value
    if "Fn::GetAtt" in value:
        return "<{}.{}>".format(*value["Fn::GetAtt"])
    delimiter, parts = value["Fn::Join"]
    return delimiter.join(text_of(part) for part in parts)


def is_compact(policy: str) -> bool:
    return json.dumps(json.loads(policy), separators=(",", ":")) == policy


def test_search_off_deploys_nothing_of_opensearch_and_tells_the_functions(photogram):
    assert [r["Type"] for r in photogram.resources.values() if r["Type"].startswith(AOSS)] == []
    assert photogram.of_type(INDEXES) == {}
    assert "SearchEndpoint" not in photogram.template["Outputs"]
    for service in ("search", "streams"):
        variables = environment_of(photogram, service)
        assert variables["PHOTOGRAM_SEARCH_ENGINE"] == "off"
        assert "PHOTOGRAM_SEARCH_ENDPOINT" not in variables


def test_the_collection_is_a_search_collection_named_for_the_stage(with_search):
    _, collection = only(with_search, f"{AOSS}Collection")

    assert collection["Properties"]["Type"] == "SEARCH"
    assert collection["Properties"]["Name"] == "photogram-dev"
    assert re.fullmatch(r"[a-z][a-z0-9-]{2,27}", collection["Properties"]["Name"])
    assert collection["Properties"]["StandbyReplicas"] == "ENABLED"


def test_the_collection_waits_for_its_encryption_and_network_policies(with_search):
    _, collection = only(with_search, f"{AOSS}Collection")
    policies = with_search.of_type(f"{AOSS}SecurityPolicy")
    by_type = {p["Properties"]["Type"]: p["Properties"] for p in policies.values()}
    rule = {"ResourceType": "collection", "Resource": ["collection/photogram-dev"]}

    assert set(collection["DependsOn"]) >= set(policies)
    assert set(by_type) == {"encryption", "network"}
    assert all(re.fullmatch(r"[a-z][a-z0-9-]{2,31}", p["Name"]) for p in by_type.values())
    assert all(is_compact(p["Policy"]) for p in by_type.values())
    assert json.loads(by_type["encryption"]["Policy"]) == {"Rules": [rule], "AWSOwnedKey": True}
    assert json.loads(by_type["network"]["Policy"]) == [{"Rules": [rule], "AllowFromPublic": True}]


def test_the_data_access_policy_gives_each_function_only_what_it_needs(with_search):
    _, access = only(with_search, f"{AOSS}AccessPolicy")
    policy = text_of(access["Properties"]["Policy"])
    read = ["aoss:DescribeIndex", "aoss:ReadDocument"]

    granted = {
        principal: (rule["ResourceType"], rule["Resource"], sorted(rule["Permission"]))
        for entry in json.loads(policy)
        for principal in entry["Principal"]
        for rule in entry["Rules"]
    }

    assert access["Properties"]["Type"] == "data"
    assert is_compact(policy)
    indexes = ["index/photogram-dev/photogram-*"]
    assert granted == {
        f"<{role_of(with_search, 'search')}.Arn>": ("index", indexes, read),
        f"<{role_of(with_search, 'streams')}.Arn>": (
            "index",
            indexes,
            sorted([*read, "aoss:WriteDocument"]),
        ),
        f"<{role_of(with_search, 'search-setup')}.Arn>": (
            "index",
            indexes,
            sorted(
                [
                    "aoss:CreateIndex",
                    "aoss:DescribeIndex",
                    "aoss:UpdateIndex",
                    "aoss:DeleteIndex",
                    # A rebuild (`{"reindex": ...}`) writes every document.
                    "aoss:ReadDocument",
                    "aoss:WriteDocument",
                ]
            ),
        ),
    }


def test_the_setup_function_may_only_scan_the_table_to_rebuild(with_search):
    statements = policy_statements(with_search, role_of(with_search, "search-setup"))

    table = [s for s in statements if any(a.startswith("dynamodb:") for a in as_list(s["Action"]))]

    assert [as_list(s["Action"]) for s in table] == [["dynamodb:Scan"]]
    assert text_of(table[0]["Resource"]).startswith("<DataTable")


def test_only_those_roles_may_call_the_collection_and_only_it(with_search):
    collection_id, _ = only(with_search, f"{AOSS}Collection")
    roles = {role_of(with_search, s) for s in ("search", "streams", "search-setup")}

    callers = {
        role_id: [s["Resource"] for s in policy_statements(with_search, role_id)
                  if any(a.startswith("aoss:") for a in as_list(s["Action"]))]
        for role_id in with_search.of_type("AWS::IAM::Role")
    }  # fmt: skip

    assert {role_id for role_id, found in callers.items() if found} == roles
    assert all(
        found == [{"Fn::GetAtt": [collection_id, "Arn"]}] for found in callers.values() if found
    )
    assert all(
        as_list(s["Action"]) == ["aoss:APIAccessAll"]
        for role_id in roles
        for s in policy_statements(with_search, role_id)
        if "aoss:APIAccessAll" in as_list(s["Action"])
    )


def test_search_and_streams_are_given_the_collection_signed_for_aoss(with_search):
    collection_id, _ = only(with_search, f"{AOSS}Collection")

    for service in ("search", "streams", "search-setup"):
        variables = environment_of(with_search, service)
        assert variables["PHOTOGRAM_SEARCH_ENGINE"] == "opensearch"
        assert variables["PHOTOGRAM_SEARCH_ENDPOINT"] == {
            "Fn::GetAtt": [collection_id, "CollectionEndpoint"]
        }
        assert variables["PHOTOGRAM_SEARCH_SIGNING_SERVICE"] == "aoss"
        assert variables["PHOTOGRAM_SEARCH_REGION"] == REGION
        assert variables["PHOTOGRAM_SEARCH_EXTERNAL_VERSIONS"] == "false"
    assert "PHOTOGRAM_SEARCH_ENGINE" not in environment_of(with_search, "feed")


def test_the_indexes_are_created_after_the_data_access_policy_lets_the_setup_in(with_search):
    access_id, _ = only(with_search, f"{AOSS}AccessPolicy")
    collection_id, _ = only(with_search, f"{AOSS}Collection")
    _, indexes = only(with_search, INDEXES)

    assert access_id in indexes["DependsOn"]
    assert indexes["Properties"]["Endpoint"] == {
        "Fn::GetAtt": [collection_id, "CollectionEndpoint"]
    }
    assert with_search.template["Outputs"]["SearchEndpoint"]["Value"] == {
        "Fn::GetAtt": [collection_id, "CollectionEndpoint"]
    }


def test_search_keeps_cdk_nag_clean(with_search):
    unsuppressed = [
        line
        for plugin in with_search.report["pluginReports"]
        for line in describe_violations(plugin.get("violations", []))
    ]
    suppressed = {
        (v["acknowledgedId"], v["acknowledgedAt"])
        for v in with_search.plugin_report(PLUGIN).get("suppressedViolations", [])
    }

    assert unsuppressed == []
    assert [ack for ack in with_search.acknowledged if ack not in suppressed] == []


def describe_violations(violations) -> list[str]:
    return [
        f"{v['ruleName']} at {c['constructPath']}"
        for v in violations
        for c in v["violatingConstructs"]
    ]


def test_search_passes_cfn_lint(with_search):
    findings = lint(with_search, REGION)

    assert describe(m for m in findings if m.rule.severity == "error") == []
    assert {m.rule.id for m in findings if m.rule.severity == "warning"} <= KNOWN_WARNINGS
