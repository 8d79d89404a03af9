"""The local runtime's DynamoDB transaction keeps DynamoDB's all-or-nothing rules."""

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from local import moto_patches


@pytest.fixture
def table():
    moto_patches.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        client.create_table(
            TableName="t",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "PK", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "PK", "KeyType": "HASH"}],
            StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
        )
        client.put_item(TableName="t", Item={"PK": {"S": "counter"}, "n": {"N": "1"}})
        client.put_item(TableName="t", Item={"PK": {"S": "taken"}})
        yield client


def put(pk, condition=None):
    op = {"TableName": "t", "Item": {"PK": {"S": pk}}}
    if condition:
        op["ConditionExpression"] = condition
    return {"Put": op}


def add_one(expression="ADD n :one"):
    return {
        "Update": {
            "TableName": "t",
            "Key": {"PK": {"S": "counter"}},
            "UpdateExpression": expression,
            "ExpressionAttributeValues": {":one": {"N": "1"}},
        }
    }


def counter(client):
    return client.get_item(TableName="t", Key={"PK": {"S": "counter"}})["Item"]["n"]["N"]


def test_a_failed_condition_cancels_every_write_with_reasons_in_order(table):
    with pytest.raises(ClientError) as error:
        table.transact_write_items(
            TransactItems=[put("new"), add_one(), put("taken", "attribute_not_exists(PK)")]
        )

    reasons = [r["Code"] for r in error.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "ConditionalCheckFailed"]
    assert "Item" not in table.get_item(TableName="t", Key={"PK": {"S": "new"}})
    assert counter(table) == "1"


def test_a_write_that_fails_midway_is_rolled_back(table):
    with pytest.raises(ClientError):
        table.transact_write_items(TransactItems=[put("new"), add_one("SET n = n + :missing")])

    assert "Item" not in table.get_item(TableName="t", Key={"PK": {"S": "new"}})
    assert counter(table) == "1"


def test_a_committed_transaction_writes_everything(table):
    table.transact_write_items(TransactItems=[put("new", "attribute_not_exists(PK)"), add_one()])

    assert "Item" in table.get_item(TableName="t", Key={"PK": {"S": "new"}})
    assert counter(table) == "2"


def test_two_operations_on_one_item_are_refused(table):
    with pytest.raises(ClientError) as error:
        table.transact_write_items(TransactItems=[add_one(), add_one()])

    assert error.value.response["Error"]["Code"] == "ValidationException"


# --- queries look at candidates only: the same answers as moto's full scan ----------------


@pytest.fixture
def indexed():
    moto_patches.apply()
    with mock_aws():
        client = boto3.client("dynamodb", region_name="us-east-1")
        s = {"AttributeType": "S"}
        client.create_table(
            TableName="i",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": n, **s} for n in ("PK", "SK", "GSI1PK", "GSI1SK")
            ],
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "GSI1",
                    "KeySchema": [
                        {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                        {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        )
        yield client


def query_both(client, **kwargs):
    """The patched answer and moto's own (the original query over every item)."""
    from moto.dynamodb.models import dynamodb_backends

    patched = client.query(TableName="i", **kwargs)["Items"]
    table = dynamodb_backends["123456789012"]["us-east-1"].get_table("i")
    saved = moto_patches.Table.query
    moto_patches.Table.query = moto_patches._original_query  # type: ignore[method-assign]
    try:
        original = client.query(TableName="i", **kwargs)["Items"]
    finally:
        moto_patches.Table.query = saved  # type: ignore[method-assign]
    assert table is not None
    return patched, original


def test_index_queries_follow_puts_updates_and_deletes(indexed):
    import random

    rng = random.Random(7)
    lists = ["L#a", "L#b", "L#c"]
    for step in range(400):
        pk, sk = f"P#{rng.randrange(30)}", f"S#{rng.randrange(5)}"
        key = {"PK": {"S": pk}, "SK": {"S": sk}}
        action = rng.random()
        if action < 0.5:
            indexed.put_item(
                TableName="i",
                Item={**key, "GSI1PK": {"S": rng.choice(lists)}, "GSI1SK": {"S": f"{step:04d}"}},
            )
        elif action < 0.7:
            indexed.update_item(
                TableName="i",
                Key=key,
                UpdateExpression="SET GSI1PK = :l, GSI1SK = :s",
                ExpressionAttributeValues={":l": {"S": rng.choice(lists)}, ":s": {"S": "x"}},
            )
        elif action < 0.8:
            indexed.update_item(TableName="i", Key=key, UpdateExpression="REMOVE GSI1PK")
        else:
            indexed.delete_item(TableName="i", Key=key)
        if step % 20 == 0:
            for name in lists:
                patched, original = query_both(
                    indexed,
                    IndexName="GSI1",
                    KeyConditionExpression="GSI1PK = :v",
                    ExpressionAttributeValues={":v": {"S": name}},
                )
                assert patched == original
            patched, original = query_both(
                indexed,
                KeyConditionExpression="PK = :p AND begins_with(SK, :s)",
                ExpressionAttributeValues={":p": {"S": pk}, ":s": {"S": "S#"}},
                ScanIndexForward=False,
            )
            assert patched == original


# --- key sizes: refused on reads as DynamoDB refuses them ---------------------------------

LONG_PK, LONG_SK = "P" * 2049, "S" * 1025


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.get_item(TableName="i", Key={"PK": {"S": LONG_PK}, "SK": {"S": "s"}}),
        lambda c: c.get_item(TableName="i", Key={"PK": {"S": "p"}, "SK": {"S": LONG_SK}}),
        lambda c: c.batch_get_item(
            RequestItems={"i": {"Keys": [{"PK": {"S": LONG_PK}, "SK": {"S": "s"}}]}}
        ),
        lambda c: c.delete_item(TableName="i", Key={"PK": {"S": LONG_PK}, "SK": {"S": "s"}}),
        lambda c: c.update_item(
            TableName="i",
            Key={"PK": {"S": LONG_PK}, "SK": {"S": "s"}},
            UpdateExpression="SET n = :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        ),
        lambda c: c.query(
            TableName="i",
            KeyConditionExpression="PK = :p",
            ExpressionAttributeValues={":p": {"S": LONG_PK}},
        ),
        lambda c: c.query(
            TableName="i",
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :p",
            ExpressionAttributeValues={":p": {"S": LONG_PK}},
        ),
        lambda c: c.transact_write_items(
            TransactItems=[
                {
                    "ConditionCheck": {
                        "TableName": "i",
                        "Key": {"PK": {"S": LONG_PK}, "SK": {"S": "s"}},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                }
            ]
        ),
    ],
    ids=["get-pk", "get-sk", "batch-get", "delete", "update", "query", "query-index", "transact"],
)
def test_a_key_over_dynamodbs_size_limits_is_refused_on_every_read(indexed, call):
    with pytest.raises(ClientError) as error:
        call(indexed)

    assert error.value.response["Error"]["Code"] == "ValidationException"
    assert "size limit" in error.value.response["Error"]["Message"]


def test_keys_at_the_limits_are_read(indexed):
    key = {"PK": {"S": "P" * 2048}, "SK": {"S": "S" * 1024}}

    indexed.put_item(TableName="i", Item=key)

    assert indexed.get_item(TableName="i", Key=key)["Item"] == key


def update(client, expression, names=None):
    return client.update_item(
        TableName="t",
        Key={"PK": {"S": "counter"}},
        UpdateExpression=expression,
        ExpressionAttributeNames=names or {},
        ExpressionAttributeValues={":one": {"N": "1"}},
    )


def test_a_long_update_expression_still_applies_every_action(table):
    names = {f"#m{i}": f"m{i}" for i in range(60)}
    update(table, "SET " + ", ".join(f"#m{i} = :one" for i in range(60)), names)

    del names["#m59"]
    update(table, "ADD n :one REMOVE " + ", ".join(f"#m{i}" for i in range(59)), names)

    item = table.get_item(TableName="t", Key={"PK": {"S": "counter"}})["Item"]
    assert sorted(item) == ["PK", "m59", "n"] and item["n"]["N"] == "2"


@pytest.mark.parametrize(
    "expression",
    [
        # Overlapping paths, deep in a long chain of actions.
        "SET a = :one, b = :one, c = :one, d = :one REMOVE e, f, a",
        # Two clauses of one kind.
        "SET a = :one REMOVE b SET c = :one",
    ],
)
def test_long_update_expressions_are_still_validated(table, expression):
    with pytest.raises(ClientError) as error:
        update(table, expression)

    assert error.value.response["Error"]["Code"] == "ValidationException"
