"""Functions whose spec has a `stream_batch_size` consume the table's stream: one event
source mapping each, partial batch responses, bisection, bounded retries and a failure
queue; no other role may read the stream."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.routes import FUNCTIONS, FunctionSpec, function
from tests.infra.synth import Synth, as_list

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

CONSUMERS = tuple(spec for spec in FUNCTIONS if spec.stream_batch_size)
STREAM_ACTIONS = {
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
}
# DynamoDB Streams keeps a record for 24 hours.
STREAM_RETENTION_SECONDS = 24 * 3600


def table_id(synth: Synth) -> str:
    (found,) = synth.of_type("AWS::DynamoDB::Table")
    return found


def mappings(synth: Synth) -> dict[str, dict[str, Any]]:
    """Function logical id -> the properties of its one event source mapping."""
    found: dict[str, dict[str, Any]] = {}
    for mapping in synth.of_type("AWS::Lambda::EventSourceMapping").values():
        function_id = mapping["Properties"]["FunctionName"]["Ref"]
        assert function_id not in found, f"{function_id} has two event source mappings"
        found[function_id] = mapping["Properties"]
    return found


def mapping_of(synth: Synth, spec: FunctionSpec) -> dict[str, Any]:
    return mappings(synth)[synth.function_ids()[spec.name]]


def queue_of(synth: Synth, spec: FunctionSpec) -> str:
    destination = mapping_of(synth, spec)["DestinationConfig"]["OnFailure"]["Destination"]
    queue_id, attribute = destination["Fn::GetAtt"]
    assert attribute == "Arn"
    return queue_id


def role_policies(synth: Synth) -> dict[str, list[dict[str, Any]]]:
    """Role logical id -> every statement of the policies attached to it."""
    found: dict[str, list[dict[str, Any]]] = {}
    for policy in synth.of_type("AWS::IAM::Policy").values():
        for role in policy["Properties"]["Roles"]:
            found.setdefault(role["Ref"], []).extend(
                policy["Properties"]["PolicyDocument"]["Statement"]
            )
    for role_id, role in synth.of_type("AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            found.setdefault(role_id, []).extend(policy["PolicyDocument"]["Statement"])
    return found


def role_of(synth: Synth, spec: FunctionSpec) -> str:
    function = synth.resources[synth.function_ids()[spec.name]]
    return function["Properties"]["Role"]["Fn::GetAtt"][0]


def grants(statements: list[dict[str, Any]], actions: set[str]) -> set[tuple[str, str]]:
    """(action, resource as JSON) of each of `actions` the statements allow."""
    return {
        (action, json.dumps(resource, sort_keys=True))
        for statement in statements
        if statement["Effect"] == "Allow"
        for action in as_list(statement["Action"])
        if action in actions
        for resource in as_list(statement["Resource"])
    }


def test_the_feed_fan_out_consumes_the_stream():
    assert function("streams").stream_batch_size > 0
    assert [spec.name for spec in CONSUMERS] == ["streams"]


def test_exactly_the_stream_consumers_have_a_mapping_and_it_reads_the_table_stream(photogram):
    function_ids = photogram.function_ids()

    found = mappings(photogram)

    assert set(found) == {function_ids[spec.name] for spec in CONSUMERS}
    for properties in found.values():
        assert properties["EventSourceArn"] == {"Fn::GetAtt": [table_id(photogram), "StreamArn"]}


@pytest.mark.parametrize("spec", CONSUMERS, ids=lambda s: s.name)
def test_mapping_reports_failed_records_bisects_and_gives_up_in_time(photogram, spec):
    properties = mapping_of(photogram, spec)

    assert properties["BatchSize"] == spec.stream_batch_size
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert properties["BisectBatchOnFunctionError"] is True
    assert properties["StartingPosition"] in ("TRIM_HORIZON", "LATEST")
    assert 0 < properties["MaximumRetryAttempts"] <= 10
    # Given up while the records can still be replayed from the stream.
    assert 60 <= properties["MaximumRecordAgeInSeconds"] < STREAM_RETENTION_SECONDS
    assert 1 <= properties["ParallelizationFactor"] <= 10
    # Every record reaches the consumer, which dispatches by item type.
    assert "FilterCriteria" not in properties
    assert properties.get("Enabled", True) is True


@pytest.mark.parametrize("spec", CONSUMERS, ids=lambda s: s.name)
def test_given_up_batches_go_to_an_encrypted_tls_only_queue_of_their_own(photogram, spec):
    queue_id = queue_of(photogram, spec)
    queue = photogram.resources[queue_id]
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in photogram.of_type("AWS::SQS::QueuePolicy").values()
        if p["Properties"]["Queues"] == [{"Ref": queue_id}]
    ]
    others = {queue_of(photogram, other) for other in CONSUMERS if other != spec}

    assert queue["Type"] == "AWS::SQS::Queue"
    assert queue_id not in others
    assert queue["Properties"]["SqsManagedSseEnabled"] is True
    assert queue["Properties"]["MessageRetentionPeriod"] == 14 * 24 * 3600
    assert [s for s in policy if s["Effect"] == "Allow"] == []
    assert any(
        s["Effect"] == "Deny" and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        for s in policy
    )


@pytest.mark.parametrize("spec", CONSUMERS, ids=lambda s: s.name)
def test_only_the_consumer_may_send_to_its_failure_queue(photogram, spec):
    queue_arn = json.dumps({"Fn::GetAtt": [queue_of(photogram, spec), "Arn"]}, sort_keys=True)
    sqs_actions = {"sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"}

    senders = {
        role_id
        for role_id, statements in role_policies(photogram).items()
        if any(resource == queue_arn for _, resource in grants(statements, sqs_actions))
    }

    assert senders == {role_of(photogram, spec)}
    assert {
        action
        for action, resource in grants(
            role_policies(photogram)[role_of(photogram, spec)], sqs_actions
        )
        if resource == queue_arn
    } == sqs_actions


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_reads_the_stream_only_if_it_consumes_it(photogram, spec):
    stream_arn = json.dumps({"Fn::GetAtt": [table_id(photogram), "StreamArn"]}, sort_keys=True)

    found = grants(role_policies(photogram).get(role_of(photogram, spec), []), STREAM_ACTIONS)

    if spec.stream_batch_size:
        # ListStreams has no resource-level permissions; the reads name the stream.
        assert found == {
            ("dynamodb:ListStreams", json.dumps("*")),
            ("dynamodb:DescribeStream", stream_arn),
            ("dynamodb:GetRecords", stream_arn),
            ("dynamodb:GetShardIterator", stream_arn),
        }
    else:
        assert found == set()


def test_no_other_role_reads_the_stream(photogram):
    consumers = {role_of(photogram, spec) for spec in CONSUMERS}

    readers = {
        role_id
        for role_id, statements in role_policies(photogram).items()
        if grants(statements, STREAM_ACTIONS)
        or any("dynamodb:*" in as_list(s["Action"]) for s in statements)
    }

    assert readers == consumers
