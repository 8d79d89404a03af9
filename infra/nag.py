"""cdk-nag: the AwsSolutions checks and the one way Photogram acknowledges a finding.

Every acknowledgment names one rule (or one finding of a rule, `Rule[Finding]`),
sits on the narrowest construct that triggers it and gives a reason a reviewer
can check. `make synth` and `tests/infra` fail on any finding left.
"""

from __future__ import annotations

import json
from typing import Any

import aws_cdk as cdk
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct

# The validation plugin's name, which CDK uses as the namespace of its rule ids.
PLUGIN = "AwsSolutions"


def add_checks(app: cdk.App) -> None:
    """Run the AwsSolutions pack when `app` synthesizes; a finding fails the synth."""
    cdk.Validations.of(app).add_plugins(AwsSolutionsChecks(app))


def acknowledge(construct: IConstruct, rule: str, reason: str) -> None:
    """Accept finding `rule` (e.g. "AwsSolutions-IAM5[Resource::*]") on `construct`.

    It is recorded on the construct's CloudFormation resource when it has one (a
    Table's CfnTable), so it cannot cover another resource added beside it later.

    The id is namespaced ("AwsSolutions::AwsSolutions-SMG4"), so CDK rather than
    cdk-nag applies it and validation-report.json lists it under
    suppressedViolations with its reason and place: an audit trail. (A bare id is
    dropped by cdk-nag itself and leaves no trace in the report.)
    """
    target = construct.node.default_child or construct
    cdk.Validations.of(target).acknowledge(
        cdk.Acknowledgment(id=f"{PLUGIN}::{rule}", reason=reason)
    )


def finding_text(scope: IConstruct, value: str) -> str:
    """`value` (an ARN or a name, tokens and all) as cdk-nag writes it in a finding.

    A finding names a resource by its resolved CloudFormation value, so the same ARN
    reads `arn:<AWS::Partition>:logs:<AWS::Region>:...` in an environment-agnostic
    stack and `arn:aws:logs:us-east-1:123456789012:...` once `cdk synth` gives the
    stack a concrete account and region. Building an acknowledgment from the value
    the policy itself uses keeps it matching in every environment.
    """
    return _flatten(cdk.Stack.of(scope).resolve(value))


def _flatten(node: Any) -> str:
    # cdk-nag 3.0's utils/flatten-cfn-reference.js, rule for rule.
    if node is None:
        return ""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return delimiter.join(_flatten(item) for item in items)
        if "Fn::Sub" in node:
            return _flatten(node["Fn::Sub"])
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if "Fn::ImportValue" in node:
            return _flatten(node["Fn::ImportValue"])
        if "Ref" in node:
            return f"<{_flatten(node['Ref'])}>"
    return json.dumps(node, separators=(",", ":"))
