"""The media pipeline runs the shared ASL file as an Express workflow, started by raw uploads."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from infra.resources import MEDIA_PIPELINE, RESOURCES, StateMachineSpec
from infra.workflows import _task_functions, placeholders
from tests.infra.synth import ROOT, as_list, policy_statements

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def machine_id(synth, spec: StateMachineSpec) -> str:
    return synth.logical_id(f"/Workflows/{spec.logical_id}/StateMachine/Resource")


def machine_of(synth, spec: StateMachineSpec) -> dict[str, Any]:
    return synth.resources[machine_id(synth, spec)]["Properties"]


def definition_of(synth, spec: StateMachineSpec) -> str:
    """The definition as deployed: the asset CloudFormation reads from S3."""
    location = machine_of(synth, spec)["DefinitionS3Location"]
    return synth.assets[location["Key"]]


def task_states(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Task state, inside Parallel branches and Map processors too."""
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state
        for branch in state.get("Branches", []):
            yield from task_states(branch["States"])
        for processor in ("ItemProcessor", "Iterator"):
            if processor in state:
                yield from task_states(state[processor]["States"])


def rule_of(synth, spec: StateMachineSpec) -> dict[str, Any]:
    return synth.resources[synth.logical_id(f"/Workflows/{spec.logical_id}/Trigger/Resource")][
        "Properties"
    ]


@pytest.mark.parametrize("spec", RESOURCES.state_machines, ids=lambda s: s.logical_id)
def test_state_machine_is_of_the_declared_type_and_deadline(photogram, spec):
    definition = json.loads(definition_of(photogram, spec))

    assert machine_of(photogram, spec)["StateMachineType"] == spec.type == "EXPRESS"
    assert definition["TimeoutSeconds"] == spec.timeout_seconds


@pytest.mark.parametrize("spec", RESOURCES.state_machines, ids=lambda s: s.logical_id)
def test_deployed_definition_is_the_shared_file_with_every_placeholder_substituted(photogram, spec):
    deployed = definition_of(photogram, spec)
    substitutions = machine_of(photogram, spec)["DefinitionSubstitutions"]

    assert deployed == (ROOT / spec.definition).read_text()
    # CloudFormation replaces ${Name} for each substitution: nothing is left over.
    assert placeholders(deployed) == set(substitutions)
    assert "${" not in _substituted(deployed, substitutions)


@pytest.mark.parametrize("spec", RESOURCES.state_machines, ids=lambda s: s.logical_id)
def test_every_task_invokes_the_function_its_spec_names(photogram, spec):
    definition = json.loads(definition_of(photogram, spec))
    substitutions = machine_of(photogram, spec)["DefinitionSubstitutions"]
    function_ids = photogram.function_ids()
    tasks = dict(spec.tasks)

    invoked = {}
    for name, state in task_states(definition["States"]):
        placeholder = state["Resource"].removeprefix("${").removesuffix("}")
        invoked[name] = substitutions[placeholder]
        assert substitutions[placeholder] == {
            "Fn::GetAtt": [function_ids[tasks[placeholder]], "Arn"]
        }, name

    assert {json.dumps(arn) for arn in invoked.values()} == {
        json.dumps({"Fn::GetAtt": [function_ids[name], "Arn"]}) for name in tasks.values()
    }


def test_the_media_pipeline_runs_every_step():
    steps = {name for _, name in MEDIA_PIPELINE.tasks}

    assert steps == {
        "media-validate",
        "media-resize",
        "media-metadata",
        "media-moderate",
        "media-publish",
        "media-reject",
        "media-fail",
    }


@pytest.mark.parametrize("spec", RESOURCES.state_machines, ids=lambda s: s.logical_id)
def test_state_machine_may_invoke_exactly_its_task_functions(photogram, spec):
    role_id = machine_of(photogram, spec)["RoleArn"]["Fn::GetAtt"][0]
    function_ids = photogram.function_ids()

    statements = policy_statements(photogram, role_id)
    invoke = [s for s in statements if "lambda:InvokeFunction" in as_list(s["Action"])]

    (statement,) = invoke
    assert as_list(statement["Action"]) == ["lambda:InvokeFunction"]
    assert sorted(json.dumps(r) for r in as_list(statement["Resource"])) == sorted(
        json.dumps({"Fn::GetAtt": [function_ids[name], "Arn"]})
        for name in {name for _, name in spec.tasks}
    )
    assert [
        s for s in statements if any(a.startswith("lambda:") for a in as_list(s["Action"]))
    ] == [statement]


@pytest.mark.parametrize("spec", RESOURCES.state_machines, ids=lambda s: s.logical_id)
def test_state_machine_role_opens_only_log_delivery_and_tracing(photogram, spec):
    role_id = machine_of(photogram, spec)["RoleArn"]["Fn::GetAtt"][0]

    open_actions = {
        action
        for statement in policy_statements(photogram, role_id)
        if "*" in as_list(statement["Resource"])
        for action in as_list(statement["Action"])
    }

    assert open_actions == {
        "logs:CreateLogDelivery",
        "logs:GetLogDelivery",
        "logs:UpdateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:DescribeResourcePolicies",
        "logs:DescribeLogGroups",
        "xray:PutTraceSegments",
        "xray:PutTelemetryRecords",
        "xray:GetSamplingRules",
        "xray:GetSamplingTargets",
    }


@pytest.mark.parametrize("spec", RESOURCES.state_machines, ids=lambda s: s.logical_id)
def test_state_machine_logs_errors_without_data_and_is_traced(photogram, spec):
    properties = machine_of(photogram, spec)

    logging = properties["LoggingConfiguration"]
    (destination,) = logging["Destinations"]
    log_group_id = destination["CloudWatchLogsLogGroup"]["LogGroupArn"]["Fn::GetAtt"][0]
    log_group = photogram.resources[log_group_id]["Properties"]

    assert logging["Level"] in ("ERROR", "ALL")
    assert logging["IncludeExecutionData"] is False
    assert properties["TracingConfiguration"] == {"Enabled": True}
    assert log_group["RetentionInDays"] > 0
    assert log_group["LogGroupName"].startswith("/aws/vendedlogs/states/")


@pytest.mark.parametrize("spec", RESOURCES.state_machines, ids=lambda s: s.logical_id)
def test_rule_starts_the_state_machine_for_objects_created_under_the_trigger_prefix(
    photogram, spec
):
    trigger_bucket = photogram.logical_id(f"/Storage/{spec.trigger_bucket}/Resource")

    rule = rule_of(photogram, spec)

    assert rule["EventPattern"] == {
        "source": ["aws.s3"],
        "detail-type": ["Object Created"],
        "detail": {
            "bucket": {"name": [{"Ref": trigger_bucket}]},
            "object": {"key": [{"prefix": spec.trigger_prefix}]},
        },
    }
    # The pattern the local runtime matches too.
    assert rule["EventPattern"] == spec.event_pattern({"Ref": trigger_bucket})
    assert rule["State"] == "ENABLED"
    (target,) = rule["Targets"]
    assert target["Arn"] == {"Ref": machine_id(photogram, spec)}
    # No Input, InputPath or transformer: the execution gets the whole S3 event.
    assert not {"Input", "InputPath", "InputTransformer"} & set(target)


@pytest.mark.parametrize("spec", RESOURCES.state_machines, ids=lambda s: s.logical_id)
def test_rule_may_only_start_its_state_machine(photogram, spec):
    (target,) = rule_of(photogram, spec)["Targets"]

    statements = policy_statements(photogram, target["RoleArn"]["Fn::GetAtt"][0])

    assert statements == [
        {
            "Action": "states:StartExecution",
            "Effect": "Allow",
            "Resource": {"Ref": machine_id(photogram, spec)},
        }
    ]


@pytest.mark.parametrize("spec", RESOURCES.state_machines, ids=lambda s: s.logical_id)
def test_events_that_fail_to_start_are_retried_then_kept_in_an_encrypted_queue(photogram, spec):
    (target,) = rule_of(photogram, spec)["Targets"]
    queue_id = target["DeadLetterConfig"]["Arn"]["Fn::GetAtt"][0]
    queue = photogram.resources[queue_id]["Properties"]
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in photogram.of_type("AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]

    assert 0 < target["RetryPolicy"]["MaximumRetryAttempts"] <= 185
    assert 60 <= target["RetryPolicy"]["MaximumEventAgeInSeconds"] <= 86400
    assert queue["SqsManagedSseEnabled"] is True
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy
    )
    (allow,) = [s for s in policy if s["Effect"] == "Allow"]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Condition"]["ArnEquals"]["aws:SourceArn"] == {
        "Fn::GetAtt": [
            photogram.logical_id(f"/Workflows/{spec.logical_id}/Trigger/Resource"),
            "Arn",
        ]
    }


def test_definition_and_spec_must_agree(tmp_path: Path):
    definition = tmp_path / "machine.asl.json"
    spec = StateMachineSpec(
        logical_id="Probe",
        local_name="probe",
        definition=str(definition),
        type="EXPRESS",
        timeout_seconds=60,
        tasks=(("StepFunctionArn", "step"),),
        trigger_bucket="RawMedia",
        trigger_prefix="raw/",
    )
    functions: dict[str, Any] = {"step": object()}

    def write(resource: str, timeout: int) -> None:
        definition.write_text(
            json.dumps(
                {
                    "StartAt": "Step",
                    "TimeoutSeconds": timeout,
                    "States": {"Step": {"Type": "Task", "Resource": resource, "End": True}},
                }
            )
        )

    write("${StepFunctionArn}", 60)
    assert _task_functions(spec, definition, functions) == {"StepFunctionArn": functions["step"]}
    write("${OtherFunctionArn}", 60)
    with pytest.raises(ValueError, match="OtherFunctionArn"):
        _task_functions(spec, definition, functions)
    write("${StepFunctionArn}", 120)
    with pytest.raises(ValueError, match="TimeoutSeconds"):
        _task_functions(spec, definition, functions)
    write("${StepFunctionArn}", 60)
    with pytest.raises(ValueError, match="step"):
        _task_functions(spec, definition, {})


def _substituted(definition: str, substitutions: dict[str, Any]) -> str:
    for name in substitutions:
        definition = definition.replace("${" + name + "}", "arn:aws:lambda:::function:x")
    return definition
