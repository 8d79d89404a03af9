"""One Lambda function per `routes.FUNCTIONS` entry, each with its own least-privilege role."""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.data import Data
from infra.layers import ARCHITECTURE, ROOT, RUNTIME, Layers
from infra.resources import METRICS_NAMESPACE
from infra.routes import FunctionSpec
from infra.secrets import Secrets

FUNCTIONS_DIR = ROOT / "functions"

# Every item operation, no Scan (no request path may scan) and no stream reads
# (stream consumers get their own grant).
TABLE_ACTIONS = (
    "dynamodb:GetItem",
    "dynamodb:BatchGetItem",
    "dynamodb:Query",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:DescribeTable",
)


def pascal_case(name: str) -> str:
    """ "media-pipeline" -> "MediaPipeline"."""
    return "".join(part.capitalize() for part in re.split(r"[-_]", name))


class Functions(Construct):
    """The functions, found by name: `functions.by_name["users"]`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: tuple[FunctionSpec, ...],
        data: Data,
        secrets: Secrets,
        layers: Layers,
        log_retention: logs.RetentionDays,
        functions_dir: Path = FUNCTIONS_DIR,
    ) -> None:
        super().__init__(scope, construct_id)
        self.by_name: dict[str, lambda_.Function] = {}
        for spec in specs:
            self.by_name[spec.name] = self._function(
                spec,
                data=data,
                secrets=secrets,
                layers=layers,
                log_retention=log_retention,
                code_dir=functions_dir / spec.name,
            )

    def _function(
        self,
        spec: FunctionSpec,
        *,
        data: Data,
        secrets: Secrets,
        layers: Layers,
        log_retention: logs.RetentionDays,
        code_dir: Path,
    ) -> lambda_.Function:
        scope = Construct(self, pascal_case(spec.name))
        log_group = logs.LogGroup(
            scope,
            "Logs",
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        # An explicit role instead of AWSLambdaBasicExecutionRole: it may write to its
        # own log group only, not create log groups anywhere.
        role = iam.Role(
            scope,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Photogram {spec.name} function",
        )
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            )
        )

        environment = {
            "POWERTOOLS_SERVICE_NAME": spec.name,
            "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
        if spec.uses_table:
            environment[data.spec.env_var] = data.table.table_name
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=list(TABLE_ACTIONS),
                    resources=[data.table.table_arn, *data.index_arns],
                )
            )
        for env_var in spec.uses_secrets:
            secret = secrets.for_env_var(env_var)
            environment[env_var] = secret.secret_arn
            secret.grant_read(role)

        function = lambda_.Function(
            scope,
            "Function",
            description=spec.description,
            code=lambda_.Code.from_asset(str(code_dir), exclude=["**/__pycache__", "**/*.pyc"]),
            handler=spec.handler,
            runtime=RUNTIME,
            architecture=ARCHITECTURE,
            memory_size=spec.memory_mb,
            timeout=Duration.seconds(spec.timeout_seconds),
            layers=layers.all,
            environment=environment,
            role=role,
            log_group=log_group,
            tracing=lambda_.Tracing.ACTIVE,
        )
        # Tracing added xray:PutTraceSegments/PutTelemetryRecords to the role's policy
        # (tests/infra holds every '*' statement to exactly these two actions).
        nag.acknowledge(
            role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5[Resource::*]",
            "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level "
            "permissions; '*' is the only resource they accept. Every other statement names "
            "its resources.",
        )
        return function
