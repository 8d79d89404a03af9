"""The table, the user pool and the secrets are built as infra/resources.py declares them."""

from __future__ import annotations

import pytest

from infra.resources import CURSOR_KEY, RESOURCES, TABLE, USER_POOL

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


@pytest.fixture(scope="module")
def table(photogram):
    (table,) = photogram.of_type("AWS::DynamoDB::Table").values()
    return table


def key_schema(keys: list[dict[str, str]]) -> tuple[str, ...]:
    return tuple(key["AttributeName"] for key in keys)


def test_table_keys_and_index_are_the_declared_ones(table):
    properties = table["Properties"]

    indexes = {
        index["IndexName"]: (key_schema(index["KeySchema"]), index["Projection"]["ProjectionType"])
        for index in properties["GlobalSecondaryIndexes"]
    }

    assert key_schema(properties["KeySchema"]) == (TABLE.partition_key, TABLE.sort_key)
    assert indexes == {
        index.name: ((index.partition_key, index.sort_key), "ALL") for index in TABLE.indexes
    }
    assert {a["AttributeType"] for a in properties["AttributeDefinitions"]} == {"S"}


def test_table_has_ttl_stream_and_point_in_time_recovery(table):
    properties = table["Properties"]

    assert properties["TimeToLiveSpecification"] == {
        "AttributeName": TABLE.ttl_attribute,
        "Enabled": True,
    }
    assert properties["StreamSpecification"] == {"StreamViewType": TABLE.stream_view}
    assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}


def test_table_is_on_demand_encrypted_and_survives_the_stack(table):
    properties = table["Properties"]

    assert properties["BillingMode"] == "PAY_PER_REQUEST"
    assert properties["SSESpecification"]["SSEEnabled"] is True
    assert properties["DeletionProtectionEnabled"] is True
    assert table["DeletionPolicy"] == "Retain"
    assert table["UpdateReplacePolicy"] == "Retain"


def test_user_pool_signs_in_by_email_with_a_strong_password(photogram):
    (pool,) = photogram.of_type("AWS::Cognito::UserPool").values()
    properties = pool["Properties"]

    password = properties["Policies"]["PasswordPolicy"]

    assert properties["UsernameAttributes"] == ["email"]
    assert properties["AutoVerifiedAttributes"] == ["email"]
    assert properties["AdminCreateUserConfig"]["AllowAdminCreateUserOnly"] is False
    assert password["MinimumLength"] == USER_POOL.password_min_length
    assert all(
        password[flag]
        for flag in ("RequireLowercase", "RequireUppercase", "RequireNumbers", "RequireSymbols")
    )
    assert properties["MfaConfiguration"] == "OPTIONAL"
    assert properties["EnabledMfas"] == ["SOFTWARE_TOKEN_MFA"]
    assert pool["DeletionPolicy"] == "Retain"


def test_app_client_is_public_with_the_declared_flows_and_token_lifetimes(photogram):
    (client,) = [
        c["Properties"] for c in photogram.of_type("AWS::Cognito::UserPoolClient").values()
    ]

    assert client["ClientName"] == USER_POOL.client_name
    assert client["GenerateSecret"] is False
    assert set(client["ExplicitAuthFlows"]) == {
        *(f"ALLOW_{flow}" for flow in USER_POOL.auth_flows),
        "ALLOW_REFRESH_TOKEN_AUTH",
    }
    assert client["PreventUserExistenceErrors"] == "ENABLED"
    assert client["EnableTokenRevocation"] is USER_POOL.enable_token_revocation is True
    assert client["TokenValidityUnits"]["IdToken"] == "minutes"
    assert client["IdTokenValidity"] == USER_POOL.id_token_minutes
    assert client["TokenValidityUnits"]["RefreshToken"] == "minutes"
    assert client["RefreshTokenValidity"] == USER_POOL.refresh_token_days * 24 * 60


def test_each_declared_secret_is_a_generated_key(photogram):
    secrets = photogram.of_type("AWS::SecretsManager::Secret").values()

    generated = {
        s["Properties"]["Description"]: s["Properties"]["GenerateSecretString"] for s in secrets
    }

    assert set(generated) == {spec.description for spec in RESOURCES.secrets}
    assert generated[CURSOR_KEY.description]["PasswordLength"] == CURSOR_KEY.length
    assert generated[CURSOR_KEY.description]["ExcludePunctuation"] is True
