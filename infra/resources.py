"""Every AWS resource Photogram declares, as plain data.

The CDK constructs build these resources on AWS and `local/resources.py` builds
the same ones in moto, both from the objects below. Add a resource here first;
neither runtime should name one that is not in this file.
"""

from __future__ import annotations

from dataclasses import dataclass, field

APP_NAME = "photogram"
METRICS_NAMESPACE = "Photogram"


@dataclass(frozen=True)
class Index:
    name: str
    partition_key: str
    sort_key: str


@dataclass(frozen=True)
class TableSpec:
    """The single DynamoDB table (all keys are strings)."""

    logical_id: str
    local_name: str
    env_var: str
    partition_key: str
    sort_key: str
    indexes: tuple[Index, ...]
    ttl_attribute: str
    stream_view: str


@dataclass(frozen=True)
class UserPoolSpec:
    """The Cognito user pool and its one public app client (no secret)."""

    logical_id: str
    local_name: str
    client_name: str
    env_var: str
    client_env_var: str
    password_min_length: int
    # Flows the mobile app may use; refresh is always allowed.
    auth_flows: tuple[str, ...]
    id_token_minutes: int
    refresh_token_days: int


@dataclass(frozen=True)
class SecretSpec:
    """A Secrets Manager secret holding a generated random string."""

    logical_id: str
    local_name: str
    env_var: str
    description: str
    length: int = 64


TABLE = TableSpec(
    logical_id="Table",
    local_name="photogram",
    env_var="PHOTOGRAM_TABLE_NAME",
    partition_key="PK",
    sort_key="SK",
    indexes=(Index("GSI1", "GSI1PK", "GSI1SK"),),
    ttl_attribute="expires_at",
    stream_view="NEW_AND_OLD_IMAGES",
)

USER_POOL = UserPoolSpec(
    logical_id="UserPool",
    local_name="photogram-users",
    client_name="photogram-mobile",
    env_var="PHOTOGRAM_USER_POOL_ID",
    client_env_var="PHOTOGRAM_USER_POOL_CLIENT_ID",
    password_min_length=12,
    auth_flows=("USER_PASSWORD_AUTH", "USER_SRP_AUTH"),
    id_token_minutes=60,
    refresh_token_days=30,
)

CURSOR_KEY = SecretSpec(
    logical_id="CursorKey",
    local_name="photogram/cursor-key",
    env_var="PHOTOGRAM_CURSOR_SECRET_ID",
    description="HMAC key that signs Photogram's pagination cursors",
)


@dataclass(frozen=True)
class Resources:
    table: TableSpec = TABLE
    user_pool: UserPoolSpec = USER_POOL
    secrets: tuple[SecretSpec, ...] = field(default=(CURSOR_KEY,))


RESOURCES = Resources()
