"""One Lambda function per `routes.FUNCTIONS` entry, each with its own least-privilege role."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.data import Data
from infra.environment import AWS_ENVIRONMENT, Deployed, function_environment
from infra.environment import CDN_BASE_URL_ENV_VAR as CDN_BASE_URL_ENV_VAR
from infra.layers import ARCHITECTURE, ROOT, RUNTIME, Layers
from infra.routes import FUNCTIONS, FunctionSpec
from infra.secrets import Secrets
from infra.storage import Storage

FUNCTIONS_DIR = ROOT / "functions"
# Each function's environment is built by infra/environment.py (CDN_BASE_URL_ENV_VAR
# and AWS_ENVIRONMENT live there), which the local runtime and its test share.

# Why each `service_actions` entry may only be granted on "*". A new one needs a
# reason here: synth fails without it.
SERVICE_ACTION_REASONS = {
    "rekognition:DetectModerationLabels": (
        "Rekognition's DetectModerationLabels has no resource-level permissions (it takes "
        "image bytes, not a resource); '*' is the only resource it accepts."
    ),
}
# Why a stream consumer's role (a spec with `stream_batch_size`, wired by infra/streams.py)
# has an action on "*".
LIST_STREAMS_REASON = (
    "DynamoDB's ListStreams, which Lambda's event source mapping for the table stream "
    "needs, has no resource-level permissions; the stream reads name the stream's ARN."
)

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
        storage: Storage,
        cdn_base_url: str | None,
        log_retention: logs.RetentionDays,
        functions_dir: Path = FUNCTIONS_DIR,
        user_pool: Mapping[str, str] | None = None,
        live_endpoint: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        declared = {spec.name for spec in FUNCTIONS}
        unknown = sorted(set(AWS_ENVIRONMENT) - declared)
        if unknown:
            raise ValueError(
                f"AWS_ENVIRONMENT names functions FUNCTIONS does not declare: {unknown}"
            )
        # Every declared resource's name (tokens); each function is given those it uses.
        deployed = Deployed(
            table=(data.spec.env_var, data.table.table_name),
            secrets={env_var: s.secret_arn for env_var, s in secrets.by_env_var.items()},
            buckets={
                bucket_id: (storage.env_var(bucket_id), bucket.bucket_name)
                for bucket_id, bucket in storage.by_logical_id.items()
            },
            cdn_base_url=cdn_base_url,
            # For the functions that verify id tokens themselves (uses_user_pool).
            user_pool=dict(user_pool or {}),
            # The live connections' management endpoint (uses_live); None: no WebSocket API.
            live_endpoint=live_endpoint,
        )
        self.by_name: dict[str, lambda_.Function] = {}
        for spec in specs:
            self.by_name[spec.name] = self._function(
                spec,
                deployed,
                data=data,
                secrets=secrets,
                layers=layers,
                storage=storage,
                log_retention=log_retention,
                code_dir=functions_dir / spec.folder_name,
            )

    def _function(
        self,
        spec: FunctionSpec,
        deployed: Deployed,
        *,
        data: Data,
        secrets: Secrets,
        layers: Layers,
        storage: Storage,
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

        if spec.uses_table:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=list(TABLE_ACTIONS),
                    resources=[data.table.table_arn, *data.index_arns],
                )
            )
        for env_var in spec.uses_secrets:
            secrets.for_env_var(env_var).grant_read(role)
        # Object-level S3 grants name objects by a key prefix: each is an IAM5 finding.
        bucket_findings: dict[str, list[str]] = {}
        for bucket_id, access in spec.buckets:
            for finding in storage.grant(role, bucket_id, access):
                bucket_findings.setdefault(finding, []).append(access)
        unexplained = sorted(set(spec.service_actions) - set(SERVICE_ACTION_REASONS))
        if unexplained:
            raise ValueError(
                f"function {spec.name}: add to SERVICE_ACTION_REASONS why {unexplained} "
                "may only be granted on '*'"
            )
        if spec.service_actions:
            role.add_to_policy(
                iam.PolicyStatement(actions=list(spec.service_actions), resources=["*"])
            )
        # What the spec uses, chosen by the code the local runtime and its test share.
        environment = function_environment(spec, deployed)

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
        # (tests/infra holds every '*' statement to these two, the spec's service_actions
        # and, for a stream consumer, dynamodb:ListStreams).
        policy = role.node.find_child("DefaultPolicy")
        nag.acknowledge(
            policy,
            "AwsSolutions-IAM5[Resource::*]",
            " ".join(
                [
                    "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level "
                    "permissions; '*' is the only resource they accept.",
                    *(SERVICE_ACTION_REASONS[action] for action in spec.service_actions),
                    *([LIST_STREAMS_REASON] if spec.stream_batch_size else []),
                    "Every other statement names its resources.",
                ]
            ),
        )
        for finding, accesses in bucket_findings.items():
            nag.acknowledge(
                policy,
                f"AwsSolutions-IAM5[Resource::{finding}]",
                f"Object-level S3 actions need object ARNs: this names only the keys under one "
                f"prefix, for the {' and '.join(accesses)} access infra/routes.py declares for "
                f"{spec.name}.",
            )
        return function
