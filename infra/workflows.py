"""Step Functions state machines from `resources.Resources.state_machines`, each started
by S3 "Object Created" events through EventBridge.

The ASL file is the one the local runtime executes: CDK ships it unchanged as an
asset and CloudFormation replaces its `${Placeholder}` strings with the ARNs of
the functions the spec's `tasks` name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from infra import nag
from infra.layers import ROOT
from infra.queues import dead_letter_queue
from infra.resources import StateMachineSpec

PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
# EventBridge retries a StartExecution that fails (throttling, a service error) with
# backoff for up to this long, then puts the event in the dead-letter queue.
START_RETRY_ATTEMPTS = 20
START_MAX_EVENT_AGE = Duration.hours(1)


def placeholders(definition: str) -> set[str]:
    """'"Resource": "${ValidateFunctionArn}"' -> {"ValidateFunctionArn"}."""
    return set(PLACEHOLDER.findall(definition))


class Workflows(Construct):
    """The state machines, found by logical id: `workflows.by_logical_id["MediaPipeline"]`."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: tuple[StateMachineSpec, ...],
        functions: dict[str, lambda_.IFunction],
        buckets: dict[str, s3.IBucket],
        stage: str,
        log_retention: logs.RetentionDays,
        root: Path = ROOT,
    ) -> None:
        super().__init__(scope, construct_id)
        self.by_logical_id: dict[str, sfn.StateMachine] = {}
        self.dead_letters: dict[str, sqs.Queue] = {}
        for spec in specs:
            self._workflow(
                spec,
                functions=functions,
                buckets=buckets,
                stage=stage,
                log_retention=log_retention,
                definition=root / spec.definition,
            )

    def _workflow(
        self,
        spec: StateMachineSpec,
        *,
        functions: dict[str, lambda_.IFunction],
        buckets: dict[str, s3.IBucket],
        stage: str,
        log_retention: logs.RetentionDays,
        definition: Path,
    ) -> None:
        tasks = _task_functions(spec, definition, functions)
        scope = Construct(self, spec.logical_id)
        log_group = logs.LogGroup(
            scope,
            "Logs",
            # The prefix keeps CloudWatch Logs' account-wide resource policy small: Step
            # Functions' log delivery is allowed on /aws/vendedlogs/* once.
            log_group_name=f"/aws/vendedlogs/states/{spec.local_name}-{stage}",
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        machine = sfn.StateMachine(
            scope,
            "StateMachine",
            state_machine_type=sfn.StateMachineType[spec.type],
            definition_body=sfn.DefinitionBody.from_file(str(definition)),
            definition_substitutions={
                placeholder: function.function_arn for placeholder, function in tasks.items()
            },
            # No `timeout`: CDK applies it to code-built definitions only. The file's own
            # TimeoutSeconds is checked against the spec in _task_functions.
            logs=sfn.LogOptions(
                destination=log_group,
                level=sfn.LogLevel.ERROR,
                # Executions carry users' object keys and their photos' GPS metadata.
                include_execution_data=False,
            ),
            tracing_enabled=True,
        )
        # Exactly the functions the definition names, by ARN (no `:*` qualifier: the
        # definition invokes each function's unqualified ARN).
        machine.add_to_role_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[function.function_arn for function in _unique(tasks.values())],
            )
        )
        nag.acknowledge(
            machine,
            "AwsSolutions-SF1",
            "Logs at ERROR, not ALL: an Express execution of this workflow is ~35 history "
            "events (~12 KB); at the planned 100M uploads a day ALL would ingest ~1.2 TB of "
            "logs a day, costing more than the workflow. Failed executions are logged, every "
            "execution is traced in X-Ray, and each step function logs its own work.",
        )
        nag.acknowledge(
            machine.role.node.find_child("DefaultPolicy"),
            "AwsSolutions-IAM5[Resource::*]",
            "Step Functions' log delivery (logs:CreateLogDelivery, GetLogDelivery, "
            "UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, PutResourcePolicy, "
            "DescribeResourcePolicies, DescribeLogGroups) and X-Ray's PutTraceSegments, "
            "PutTelemetryRecords, GetSamplingRules and GetSamplingTargets accept only '*'. "
            "Lambda invocation names each function's ARN.",
        )

        dead_letters = dead_letter_queue(
            scope,
            "StartFailures",
            holds="EventBridge puts here the events whose state machine execution could not "
            "be started after its retries (docs/deploy.md says how to replay them).",
        )
        rule = events.Rule(
            scope,
            "Trigger",
            description=(
                f"Starts {spec.local_name} for objects created under {spec.trigger_prefix} "
                f"in the {spec.trigger_bucket} bucket"
            ),
            # The same pattern the local runtime matches S3 events against.
            event_pattern=_event_pattern(
                spec.event_pattern(_bucket(buckets, spec.trigger_bucket).bucket_name)
            ),
        )
        # The whole event is the execution's input (the target's default input).
        rule.add_target(
            targets.SfnStateMachine(
                machine,
                dead_letter_queue=dead_letters,
                retry_attempts=START_RETRY_ATTEMPTS,
                max_event_age=START_MAX_EVENT_AGE,
            )
        )
        self.by_logical_id[spec.logical_id] = machine
        self.dead_letters[spec.logical_id] = dead_letters


def _task_functions(
    spec: StateMachineSpec, definition: Path, functions: dict[str, lambda_.IFunction]
) -> dict[str, lambda_.IFunction]:
    """Placeholder -> function, checked: the file, the spec and FUNCTIONS must agree."""
    text = definition.read_text()
    declared = dict(spec.tasks)
    used = placeholders(text)
    if used - set(declared):
        raise ValueError(
            f"{spec.definition} uses {sorted(used - set(declared))}, which the "
            f"{spec.logical_id} spec's tasks do not map to functions"
        )
    if set(declared) - used:
        raise ValueError(
            f"the {spec.logical_id} spec maps {sorted(set(declared) - used)}, which "
            f"{spec.definition} does not use"
        )
    timeout = json.loads(text).get("TimeoutSeconds")
    if timeout != spec.timeout_seconds:
        raise ValueError(
            f"{spec.definition} has TimeoutSeconds {timeout}, the {spec.logical_id} spec "
            f"{spec.timeout_seconds}: both runtimes must stop a run at the same time"
        )
    missing = sorted({name for name in declared.values() if name not in functions})
    if missing:
        raise ValueError(f"{spec.logical_id} names functions FUNCTIONS does not declare: {missing}")
    return {placeholder: functions[name] for placeholder, name in spec.tasks}


def _event_pattern(pattern: dict[str, object]) -> events.EventPattern:
    """CDK's EventPattern for a pattern written as EventBridge spells it."""
    fields = {key.replace("-", "_"): value for key, value in pattern.items()}
    unknown = sorted(set(fields) - {"source", "detail_type", "detail", "account", "region"})
    if unknown:
        raise ValueError(f"event pattern fields CDK is not given here: {unknown}")
    return events.EventPattern(**fields)  # type: ignore[arg-type]


def _unique(functions: Iterable[lambda_.IFunction]) -> list[lambda_.IFunction]:
    found: list[lambda_.IFunction] = []
    for function in functions:
        if function not in found:
            found.append(function)
    return found


def _bucket(buckets: dict[str, s3.IBucket], logical_id: str) -> s3.IBucket:
    try:
        return buckets[logical_id]
    except KeyError:
        raise ValueError(
            f"a state machine is triggered by undeclared bucket {logical_id}"
        ) from None
