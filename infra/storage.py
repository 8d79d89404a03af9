"""The S3 buckets from `resources.Resources.buckets`, the bucket their access logs go
to, and the one way a function is granted access to a bucket.
"""

from __future__ import annotations

from dataclasses import dataclass

import aws_cdk as cdk
from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.cors import MAX_AGE_SECONDS, UPLOAD_EXPOSE_HEADERS, UPLOAD_METHODS, CorsPolicy
from infra.resources import MEDIA, RAW_MEDIA, BucketSpec
from infra.routes import DELETE, PRESIGN_POST, READ, WRITE

# Where each bucket's objects live: grants reach only keys under these prefixes.
# They are the ones photogram.media.keys builds (tests/infra holds the two together).
KEY_PREFIXES = {
    RAW_MEDIA.logical_id: "raw/",
    MEDIA.logical_id: "media/",
}
# Server access logs and CDN logs are kept this long, then deleted by S3.
ACCESS_LOG_DAYS = 90
# Presigned POSTs are single requests, but a multipart upload left unfinished is
# billed as storage until aborted.
ABORT_INCOMPLETE_UPLOAD_DAYS = 1


@dataclass(frozen=True)
class Grant:
    """What one declared access allows: object actions under the key prefix, and
    ListBucket (only for keys under the prefix) where the function must find keys."""

    object_actions: tuple[str, ...]
    list_prefix: bool = False


# HeadObject is authorized as s3:GetObject; DeleteObjects (batch) as s3:DeleteObject.
# On a versioned bucket, reading or deleting one version (VersionId) is its own action.
VERSION_ACTIONS = {
    "s3:GetObject": "s3:GetObjectVersion",
    "s3:DeleteObject": "s3:DeleteObjectVersion",
}
GRANTS = {
    READ: Grant(("s3:GetObject",)),
    WRITE: Grant(("s3:PutObject",)),
    # Deleting a media item's partial variants lists `media/<media_id>/` first.
    DELETE: Grant(("s3:DeleteObject",), list_prefix=True),
    # The function signs presigned POSTs with its own role's credentials, so S3
    # accepts the upload only if that role may put the object itself.
    PRESIGN_POST: Grant(("s3:PutObject",)),
}


class Storage(Construct):
    """Private, encrypted, TLS-only buckets that log their access; never deleted by a stack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        specs: tuple[BucketSpec, ...],
        cors: CorsPolicy | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        self.specs = {spec.logical_id: spec for spec in specs}
        self.cors = cors or CorsPolicy()
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            enforce_ssl=True,
            # CloudFront's standard logs are delivered with an ACL granting the bucket
            # owner full control; ACLs stay enabled for that, and the owner owns the logs.
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
            lifecycle_rules=[
                s3.LifecycleRule(id="ExpireLogs", expiration=Duration.days(ACCESS_LOG_DAYS)),
                _abort_incomplete_uploads(),
            ],
            # Not logged itself (it would log its own log deliveries); cdk-nag's S1 accepts
            # a bucket that other buckets log into.
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.by_logical_id: dict[str, s3.Bucket] = {}
        for spec in specs:
            self.by_logical_id[spec.logical_id] = self._bucket(spec)

    def _bucket(self, spec: BucketSpec) -> s3.Bucket:
        bucket = s3.Bucket(
            self,
            spec.logical_id,
            # SSE-S3 costs nothing per request; SSE-KMS would bill every upload, pipeline
            # read and CDN miss, and need the CDN's origin access in the key policy.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            minimum_tls_version=1.2,
            # The raw bucket is versioned so the pipeline can pin the bytes it validated;
            # the media bucket's keys are content-addressed, and versions would only keep
            # deleted media (which must go) and bill for it.
            versioned=spec.versioned,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=f"s3/{spec.local_name}/",
            lifecycle_rules=[
                *(
                    s3.LifecycleRule(
                        id=f"Expire{_pascal(prefix)}After{days}Days",
                        prefix=prefix,
                        expiration=Duration.days(days),
                    )
                    for prefix, days in spec.expire_prefixes
                ),
                *_version_rules(spec),
                _abort_incomplete_uploads(),
            ],
            # Users' media outlives any stack, as the table does.
            removal_policy=RemovalPolicy.RETAIN,
            # A browser's presigned POST from an allowed origin may read S3's answer
            # (local/resources.py sets the same rule on the moto bucket).
            cors=(
                [
                    s3.CorsRule(
                        allowed_methods=[s3.HttpMethods(m) for m in UPLOAD_METHODS],
                        allowed_origins=self.cors.s3_origins(),
                        allowed_headers=["*"],
                        exposed_headers=list(UPLOAD_EXPOSE_HEADERS),
                        max_age=MAX_AGE_SECONDS,
                    )
                ]
                if spec.browser_uploads and self.cors.origins
                else None
            ),
        )
        if spec.event_bridge:
            # Set on the bucket itself: CDK's `event_bridge_enabled` would add a custom
            # resource (a Lambda function with AWS-managed policies) to do the same.
            cfn_bucket = bucket.node.default_child
            assert isinstance(cfn_bucket, s3.CfnBucket)
            cfn_bucket.notification_configuration = s3.CfnBucket.NotificationConfigurationProperty(
                event_bridge_configuration=s3.CfnBucket.EventBridgeConfigurationProperty(
                    event_bridge_enabled=True
                )
            )
        return bucket

    def bucket(self, logical_id: str) -> s3.Bucket:
        try:
            return self.by_logical_id[logical_id]
        except KeyError:
            known = ", ".join(sorted(self.by_logical_id))
            raise ValueError(f"no bucket is declared as {logical_id!r} (known: {known})") from None

    def env_var(self, logical_id: str) -> str:
        self.bucket(logical_id)
        return self.specs[logical_id].env_var

    def grant(self, role: iam.IRole, logical_id: str, access: str) -> list[str]:
        """Allow `role` the declared `access` to one bucket, under its key prefix only.

        Returns the wildcard resources the grant added, as cdk-nag's IAM5 names them
        (`<LogicalId.Arn>/raw/*`), for the caller to acknowledge on its policy.
        """
        bucket = self.bucket(logical_id)
        try:
            grant = GRANTS[access]
        except KeyError:
            raise ValueError(
                f"unknown access {access!r} to bucket {logical_id} (known: {', '.join(GRANTS)})"
            ) from None
        try:
            prefix = KEY_PREFIXES[logical_id]
        except KeyError:
            raise ValueError(
                f"bucket {logical_id} has no key prefix in infra/storage.py KEY_PREFIXES"
            ) from None
        actions = list(grant.object_actions)
        if self.specs[logical_id].versioned:
            actions += [VERSION_ACTIONS[a] for a in grant.object_actions if a in VERSION_ACTIONS]
        role.add_to_principal_policy(
            iam.PolicyStatement(
                actions=actions,
                resources=[bucket.arn_for_objects(f"{prefix}*")],
            )
        )
        if grant.list_prefix:
            role.add_to_principal_policy(
                iam.PolicyStatement(
                    actions=["s3:ListBucket"],
                    resources=[bucket.bucket_arn],
                    conditions={"StringLike": {"s3:prefix": [f"{prefix}*"]}},
                )
            )
        logical = cdk.Stack.of(bucket).resolve(
            cdk.Stack.of(bucket).get_logical_id(bucket.node.default_child)  # type: ignore[arg-type]
        )
        return [f"<{logical}.Arn>/{prefix}*"]


def _version_rules(spec: BucketSpec) -> list[s3.LifecycleRule]:
    """A versioned bucket's backstop: the pipeline deletes each version it is done with,
    and these remove what a failed clean-up left (old versions, lone delete markers)."""
    if not spec.versioned:
        return []
    return [
        s3.LifecycleRule(
            id=f"ExpireNoncurrentAfter{spec.noncurrent_version_days}Days",
            noncurrent_version_expiration=Duration.days(spec.noncurrent_version_days),
        ),
        s3.LifecycleRule(id="RemoveLoneDeleteMarkers", expired_object_delete_marker=True),
    ]


def _abort_incomplete_uploads() -> s3.LifecycleRule:
    return s3.LifecycleRule(
        id="AbortIncompleteUploads",
        abort_incomplete_multipart_upload_after=Duration.days(ABORT_INCOMPLETE_UPLOAD_DAYS),
    )


def _pascal(prefix: str) -> str:
    """ "raw/" -> "Raw"."""
    return "".join(part.capitalize() for part in prefix.replace("-", "/").split("/"))
