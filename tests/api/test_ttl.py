"""The local TTL sweeper deletes what DynamoDB's TTL would, with the same stream
records, on the domain's clock (moved here, not slept)."""

import time
import uuid
from datetime import timedelta

import boto3

from photogram import changes, clock

SEEN: list[changes.Change] = []


@changes.consumes("ttl_probe")
def _probe(change: changes.Change) -> None:
    SEEN.append(change)


def put_probe(info, expires_at):
    key = f"PROBE#{uuid.uuid4().hex}"
    boto3.client(
        "dynamodb", endpoint_url=info["aws_endpoint_url"], region_name=info["region"]
    ).put_item(
        TableName=info["table_name"],
        Item={
            "PK": {"S": key},
            "SK": {"S": "P"},
            "type": {"S": "ttl_probe"},
            "expires_at": {"N": str(expires_at)},
        },
    )
    return key


def exists(info, key):
    client = boto3.client(
        "dynamodb", endpoint_url=info["aws_endpoint_url"], region_name=info["region"]
    )
    return "Item" in client.get_item(
        TableName=info["table_name"], Key={"PK": {"S": key}, "SK": {"S": "P"}}
    )


def test_expired_items_are_deleted_and_their_removal_is_marked_as_ttl(runtime, info):
    soon = clock.epoch() + 3600
    key = put_probe(info, soon)
    assert runtime.ttl.sweep() >= 0 and exists(info, key)

    with clock.FrozenClock(clock.now() + timedelta(hours=2)):
        runtime.ttl.sweep()

    assert not exists(info, key)
    deadline = time.monotonic() + 20
    while (
        not any(c.event == "REMOVE" and c.item.get("PK") == key for c in SEEN)
        and time.monotonic() < deadline
    ):
        time.sleep(0.05)
    removal = next(c for c in SEEN if c.event == "REMOVE" and c.item.get("PK") == key)
    assert removal.by_ttl is True


def test_items_without_ttl_or_not_yet_expired_stay(runtime, info):
    key = put_probe(info, clock.epoch() + 86400)

    runtime.ttl.sweep()

    assert exists(info, key)
