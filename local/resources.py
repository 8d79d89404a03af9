"""Create every declared resource (infra/resources.py) in moto, as CDK does on AWS."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from typing import Any

import boto3

from infra.cors import MAX_AGE_SECONDS, UPLOAD_EXPOSE_HEADERS, UPLOAD_METHODS, CorsPolicy
from infra.resources import (
    CDN_SIGNING_KEY,
    RESOURCES,
    BucketSpec,
    Resources,
    SecretSpec,
    TableSpec,
    UserPoolSpec,
)
from local.cdn import new_signing_key


@dataclass(frozen=True)
class Created:
    table_name: str
    table_stream_arn: str
    user_pool_id: str
    user_pool_client_id: str
    secret_arns: dict[str, str]
    bucket_names: dict[str, str]
    # key pair id -> PEM: what the local CDN trusts (the key group's keys on AWS).
    cdn_public_keys: dict[str, str]

    def function_env(self) -> dict[str, str]:
        """The environment variables the declarations promise to functions."""
        env = {
            RESOURCES.table.env_var: self.table_name,
            RESOURCES.user_pool.env_var: self.user_pool_id,
            RESOURCES.user_pool.client_env_var: self.user_pool_client_id,
        }
        env.update(self.secret_arns)
        env.update(self.bucket_names)
        return env


def create_table(client: Any, spec: TableSpec) -> str:
    attributes = {spec.partition_key, spec.sort_key}
    for index in spec.indexes:
        attributes |= {index.partition_key, index.sort_key}
    client.create_table(
        TableName=spec.local_name,
        BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[
            {"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)
        ],
        KeySchema=[
            {"AttributeName": spec.partition_key, "KeyType": "HASH"},
            {"AttributeName": spec.sort_key, "KeyType": "RANGE"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": index.name,
                "KeySchema": [
                    {"AttributeName": index.partition_key, "KeyType": "HASH"},
                    {"AttributeName": index.sort_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in spec.indexes
        ],
        StreamSpecification={"StreamEnabled": True, "StreamViewType": spec.stream_view},
    )
    client.update_time_to_live(
        TableName=spec.local_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
    )
    return client.describe_table(TableName=spec.local_name)["Table"]["LatestStreamArn"]


def create_user_pool(client: Any, spec: UserPoolSpec) -> tuple[str, str]:
    pool = client.create_user_pool(
        PoolName=spec.local_name,
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={
            "PasswordPolicy": {
                "MinimumLength": spec.password_min_length,
                "RequireUppercase": True,
                "RequireLowercase": True,
                "RequireNumbers": True,
                "RequireSymbols": True,
            }
        },
    )["UserPool"]
    app_client = client.create_user_pool_client(
        UserPoolId=pool["Id"],
        ClientName=spec.client_name,
        GenerateSecret=False,
        ExplicitAuthFlows=[f"ALLOW_{flow}" for flow in spec.auth_flows]
        + ["ALLOW_REFRESH_TOKEN_AUTH"],
        PreventUserExistenceErrors="ENABLED",
        EnableTokenRevocation=spec.enable_token_revocation,
        IdTokenValidity=spec.id_token_minutes,
        AccessTokenValidity=spec.id_token_minutes,
        RefreshTokenValidity=spec.refresh_token_days,
        TokenValidityUnits={"IdToken": "minutes", "AccessToken": "minutes", "RefreshToken": "days"},
    )["UserPoolClient"]
    return pool["Id"], app_client["ClientId"]


def create_secret(client: Any, spec: SecretSpec, value: str | None = None) -> str:
    """The secret with `value`; without one, a random string (a deployer-supplied
    secret must be given its value: there is no deployer locally)."""
    if value is None:
        if spec.deployer_supplied:
            raise ValueError(f"{spec.logical_id} is deployer-supplied: give its local value")
        alphabet = string.ascii_letters + string.digits
        value = "".join(secrets.choice(alphabet) for _ in range(spec.length))
    return client.create_secret(
        Name=spec.local_name, Description=spec.description, SecretString=value
    )["ARN"]


def upload_cors_rules(spec: BucketSpec, cors: CorsPolicy) -> list[dict[str, Any]]:
    """The bucket's CORS rules, as CDK writes them (infra/storage.py)."""
    if not spec.browser_uploads or not cors.origins:
        return []
    return [
        {
            "AllowedMethods": list(UPLOAD_METHODS),
            "AllowedOrigins": cors.s3_origins(),
            "AllowedHeaders": ["*"],
            "ExposeHeaders": list(UPLOAD_EXPOSE_HEADERS),
            "MaxAgeSeconds": MAX_AGE_SECONDS,
        }
    ]


def create_bucket(client: Any, spec: BucketSpec, cors: CorsPolicy | None = None) -> str:
    client.create_bucket(Bucket=spec.local_name)
    if spec.versioned:
        client.put_bucket_versioning(
            Bucket=spec.local_name, VersioningConfiguration={"Status": "Enabled"}
        )
    if rules := upload_cors_rules(spec, cors or CorsPolicy()):
        client.put_bucket_cors(Bucket=spec.local_name, CORSConfiguration={"CORSRules": rules})
    if spec.event_bridge:
        client.put_bucket_notification_configuration(
            Bucket=spec.local_name, NotificationConfiguration={"EventBridgeConfiguration": {}}
        )
    if spec.expire_prefixes:
        client.put_bucket_lifecycle_configuration(
            Bucket=spec.local_name,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": f"expire-{prefix.strip('/')}",
                        "Filter": {"Prefix": prefix},
                        "Status": "Enabled",
                        "Expiration": {"Days": days},
                    }
                    for prefix, days in spec.expire_prefixes
                ]
            },
        )
    return spec.local_name


def create_all(
    endpoint_url: str,
    region: str,
    resources: Resources = RESOURCES,
    cors: CorsPolicy | None = None,
) -> Created:
    def client(service: str) -> Any:
        return boto3.client(service, endpoint_url=endpoint_url, region_name=region)

    stream_arn = create_table(client("dynamodb"), resources.table)
    pool_id, client_id = create_user_pool(client("cognito-idp"), resources.user_pool)
    # The key pair a deployer makes and stores on AWS, made fresh here (decisions §43).
    signing = new_signing_key()
    values = {CDN_SIGNING_KEY.env_var: signing.secret_value()}
    secret_arns = {
        s.env_var: create_secret(client("secretsmanager"), s, values.get(s.env_var))
        for s in resources.secrets
    }
    bucket_names = {b.env_var: create_bucket(client("s3"), b, cors) for b in resources.buckets}
    return Created(
        table_name=resources.table.local_name,
        table_stream_arn=stream_arn,
        user_pool_id=pool_id,
        user_pool_client_id=client_id,
        secret_arns=secret_arns,
        bucket_names=bucket_names,
        cdn_public_keys={signing.key_pair_id: signing.public_key},
    )
