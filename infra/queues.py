"""Dead-letter queues: the one place their shape and their cdk-nag note are decided."""

from __future__ import annotations

from aws_cdk import CfnResource, Duration
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra import nag

DEAD_LETTER_RETENTION = Duration.days(14)


def dead_letter_queue(scope: Construct, construct_id: str, *, holds: str) -> sqs.Queue:
    """An encrypted, TLS-only queue kept 14 days; `holds` says what lands in it (the
    reason given for cdk-nag's SQS3, which asks every queue to have a DLQ of its own)."""
    queue = sqs.Queue(
        scope,
        construct_id,
        encryption=sqs.QueueEncryption.SQS_MANAGED,
        enforce_ssl=True,
        retention_period=DEAD_LETTER_RETENTION,
    )
    nag.acknowledge(
        queue, "AwsSolutions-SQS3", f"This queue is itself a dead-letter queue: {holds}"
    )
    # cfn-lint-serverless's ES6000 asks the same of every queue (a redrive policy):
    # a dead-letter queue is the end of the line, its messages wait for an operator.
    resource = queue.node.default_child
    assert isinstance(resource, CfnResource)
    resource.add_metadata("cfn-lint", {"config": {"ignore_checks": ["ES6000"]}})
    return queue
