"""cdk-nag: the AwsSolutions checks and the one way Photogram acknowledges a finding.

Every acknowledgment names one rule (or one finding of a rule, `Rule[Finding]`),
sits on the narrowest construct that triggers it and gives a reason a reviewer
can check. `make synth` and `tests/infra` fail on any finding left.
"""

from __future__ import annotations

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
