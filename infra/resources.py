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
    # RevokeToken (what Amplify's signOut() calls) works only when this is on.
    enable_token_revocation: bool = True


@dataclass(frozen=True)
class SecretSpec:
    """A Secrets Manager secret holding a generated random string, or (deployer_supplied)
    a value the deployer stores in it after the first deploy."""

    logical_id: str
    local_name: str
    env_var: str
    description: str
    length: int = 64
    # CDK creates the secret with a generated placeholder and never overwrites what the
    # deployer then stores (docs/deploy.md); the local runtime stores a fresh value.
    deployer_supplied: bool = False


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

# The RSA key pair whose public half the CDN's key group trusts (infra/cdn.py), as JSON
# {"key_pair_id": ..., "private_key": PEM}: functions that render private media sign
# their URLs with it (photogram.adapters.cdn_signing, decisions §43). Key id and
# private key in one value, so a rotation switches both at once.
CDN_SIGNING_KEY = SecretSpec(
    logical_id="CdnSigningKey",
    local_name="photogram/cdn-signing-key",
    env_var="PHOTOGRAM_CDN_SIGNING_SECRET_ID",
    description=(
        "Photogram's CDN signing key pair: JSON {key_pair_id, private_key (PEM)}; "
        "see docs/deploy.md, Private media"
    ),
    deployer_supplied=True,
)


@dataclass(frozen=True)
class BucketSpec:
    """An S3 bucket: private, encrypted, TLS-only on AWS."""

    logical_id: str
    local_name: str
    env_var: str
    description: str
    # S3 sends this bucket's events to EventBridge (the raw bucket starts the pipeline).
    event_bridge: bool = False
    # (prefix, days): objects under the prefix are deleted after that many days.
    expire_prefixes: tuple[tuple[str, int], ...] = ()
    # Served to the world through the CDN (origin access control), never directly.
    cdn_origin: bool = False
    # Browsers POST uploads to it from the allowed origins (a CORS rule, infra/cors.py).
    browser_uploads: bool = False
    # S3 keeps every version of a key: a reader given a VersionId gets exactly those
    # bytes, whatever is posted to the key later (docs/decisions.md §29).
    versioned: bool = False
    # A version no longer current (replaced or deleted) is removed this many days later.
    noncurrent_version_days: int = 1


RAW_MEDIA = BucketSpec(
    logical_id="RawMedia",
    local_name="photogram-raw-media",
    env_var="PHOTOGRAM_RAW_BUCKET",
    description="Uploads straight from phones (presigned POST), read only by the pipeline",
    event_bridge=True,
    # A raw upload is deleted by the pipeline once handled; anything left is a stray.
    expire_prefixes=(("raw/", 2),),
    browser_uploads=True,
    # The pipeline reads the version Validate checked, never "whatever is at the key".
    versioned=True,
)

MEDIA = BucketSpec(
    logical_id="Media",
    local_name="photogram-media",
    env_var="PHOTOGRAM_MEDIA_BUCKET",
    description="Published variants under content-addressed keys, served through the CDN",
    cdn_origin=True,
)


@dataclass(frozen=True)
class StateMachineSpec:
    """A Step Functions state machine whose ASL file is shared by both runtimes.

    `${Placeholder}` strings in the ASL are replaced with the ARN of the function
    named in `tasks` (on AWS, by CDK's definition substitutions; locally, by the
    local executor)."""

    logical_id: str
    local_name: str
    definition: str
    type: str
    timeout_seconds: int
    tasks: tuple[tuple[str, str], ...]
    # Started by S3 "Object Created" events from this bucket under this prefix.
    trigger_bucket: str
    trigger_prefix: str

    def event_pattern(self, bucket_name: str) -> dict[str, object]:
        """The EventBridge pattern that starts this workflow (both runtimes use it)."""
        return {
            "source": ["aws.s3"],
            "detail-type": ["Object Created"],
            "detail": {
                "bucket": {"name": [bucket_name]},
                "object": {"key": [{"prefix": self.trigger_prefix}]},
            },
        }


MEDIA_PIPELINE = StateMachineSpec(
    logical_id="MediaPipeline",
    local_name="photogram-media-pipeline",
    definition="state_machines/media_pipeline.asl.json",
    type="EXPRESS",
    # No media item stays PROCESSING past this: the workflow's own deadline.
    timeout_seconds=120,
    tasks=(
        ("ValidateFunctionArn", "media-validate"),
        ("ResizeFunctionArn", "media-resize"),
        ("MetadataFunctionArn", "media-metadata"),
        ("ModerateFunctionArn", "media-moderate"),
        ("PublishFunctionArn", "media-publish"),
        ("RejectFunctionArn", "media-reject"),
        ("FailFunctionArn", "media-fail"),
    ),
    trigger_bucket=RAW_MEDIA.logical_id,
    trigger_prefix="raw/",
)


@dataclass(frozen=True)
class Resources:
    table: TableSpec = TABLE
    user_pool: UserPoolSpec = USER_POOL
    secrets: tuple[SecretSpec, ...] = field(default=(CURSOR_KEY, CDN_SIGNING_KEY))
    buckets: tuple[BucketSpec, ...] = field(default=(RAW_MEDIA, MEDIA))
    state_machines: tuple[StateMachineSpec, ...] = field(default=(MEDIA_PIPELINE,))

    def bucket(self, logical_id: str) -> BucketSpec:
        return next(b for b in self.buckets if b.logical_id == logical_id)


RESOURCES = Resources()
