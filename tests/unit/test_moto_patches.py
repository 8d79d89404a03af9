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
