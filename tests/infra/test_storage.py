"""The buckets are as infra/resources.py declares them: private, encrypted, TLS-only, logged."""

from __future__ import annotations

from typing import Any

import pytest

from infra.resources import MEDIA, RAW_MEDIA, RESOURCES, BucketSpec
from infra.storage import ACCESS_LOG_DAYS, KEY_PREFIXES

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

ACCESS_LOGS = "/Storage/AccessLogs/Resource"


def bucket_id(synth, spec: BucketSpec) -> str:
    return synth.logical_id(f"/Storage/{spec.logical_id}/Resource")


def bucket_policy(synth, logical_id: str) -> list[dict[str, Any]]:
    (policy,) = [
        p["Properties"]["PolicyDocument"]["Statement"]
        for p in synth.of_type("AWS::S3::BucketPolicy").values()
        if p["Properties"]["Bucket"] == {"Ref": logical_id}
    ]
    return policy


def all_bucket_ids(synth) -> list[str]:
    return [
        *(bucket_id(synth, spec) for spec in RESOURCES.buckets),
        synth.logical_id(ACCESS_LOGS),
    ]


def test_every_bucket_is_built_and_no_other(photogram):
    assert sorted(photogram.of_type("AWS::S3::Bucket")) == sorted(all_bucket_ids(photogram))


def test_every_bucket_blocks_public_access_and_is_encrypted(photogram):
    for logical_id in all_bucket_ids(photogram):
        properties = photogram.resources[logical_id]["Properties"]

        (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]

        assert properties["PublicAccessBlockConfiguration"] == {
            "BlockPublicAcls": True,
            "BlockPublicPolicy": True,
            "IgnorePublicAcls": True,
            "RestrictPublicBuckets": True,
        }, logical_id
        assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


def test_every_bucket_refuses_requests_without_tls(photogram):
    for logical_id in all_bucket_ids(photogram):
        statements = bucket_policy(photogram, logical_id)

        denies = [
            s
            for s in statements
            if s["Effect"] == "Deny"
            and s["Action"] == "s3:*"
            and s["Principal"] == {"AWS": "*"}
            and s["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
        ]

        assert len(denies) == 1, logical_id
        assert {"Fn::GetAtt": [logical_id, "Arn"]} in denies[0]["Resource"]


@pytest.mark.parametrize("spec", RESOURCES.buckets, ids=lambda s: s.logical_id)
def test_declared_bucket_logs_access_to_the_access_log_bucket(photogram, spec):
    properties = photogram.resources[bucket_id(photogram, spec)]["Properties"]

    logging = properties["LoggingConfiguration"]

    assert logging["DestinationBucketName"] == {"Ref": photogram.logical_id(ACCESS_LOGS)}
    assert logging["LogFilePrefix"] == f"s3/{spec.local_name}/"


@pytest.mark.parametrize("spec", RESOURCES.buckets, ids=lambda s: s.logical_id)
def test_declared_bucket_is_versioned_as_declared_owner_enforced_and_retained(photogram, spec):
    bucket = photogram.resources[bucket_id(photogram, spec)]

    # Only the raw bucket is versioned: the pipeline pins the version it validated.
    assert spec.versioned == (spec is RAW_MEDIA)
    if spec.versioned:
        assert bucket["Properties"]["VersioningConfiguration"] == {"Status": "Enabled"}
    else:
        assert "VersioningConfiguration" not in bucket["Properties"]
    assert bucket["Properties"]["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]
    }
    assert bucket["DeletionPolicy"] == "Retain"


@pytest.mark.parametrize("spec", RESOURCES.buckets, ids=lambda s: s.logical_id)
def test_bucket_sends_events_to_eventbridge_only_if_declared(photogram, spec):
    properties = photogram.resources[bucket_id(photogram, spec)]["Properties"]

    notifications = properties.get("NotificationConfiguration")

    if spec.event_bridge:
        assert notifications == {"EventBridgeConfiguration": {"EventBridgeEnabled": True}}
    else:
        assert notifications is None
    # Set on the bucket itself: no notification custom resource (and its Lambda).
    assert not photogram.of_type("Custom::S3BucketNotifications")


def test_raw_uploads_expire_after_two_days_and_stalled_uploads_after_one(photogram):
    rules = photogram.resources[bucket_id(photogram, RAW_MEDIA)]["Properties"][
        "LifecycleConfiguration"
    ]["Rules"]

    expiring = {r["Prefix"]: r["ExpirationInDays"] for r in rules if "ExpirationInDays" in r}
    aborting = [r for r in rules if "AbortIncompleteMultipartUpload" in r]

    assert RAW_MEDIA.expire_prefixes == (("raw/", 2),)
    assert expiring == {"raw/": 2}
    assert [r["AbortIncompleteMultipartUpload"] for r in aborting] == [{"DaysAfterInitiation": 1}]
    assert all(r["Status"] == "Enabled" for r in rules)
    assert all("Prefix" not in r for r in aborting)


def test_old_raw_versions_and_lone_delete_markers_are_removed(photogram):
    rules = photogram.resources[bucket_id(photogram, RAW_MEDIA)]["Properties"][
        "LifecycleConfiguration"
    ]["Rules"]

    noncurrent = [
        r["NoncurrentVersionExpiration"] for r in rules if "NoncurrentVersionExpiration" in r
    ]
    markers = [r for r in rules if r.get("ExpiredObjectDeleteMarker")]

    assert noncurrent == [{"NoncurrentDays": 1}]
    assert len(markers) == 1


def test_published_media_never_expires(photogram):
    rules = photogram.resources[bucket_id(photogram, MEDIA)]["Properties"][
        "LifecycleConfiguration"
    ]["Rules"]

    assert [r for r in rules if "ExpirationInDays" in r] == []


def test_access_logs_expire_and_accept_cloudfront_log_delivery(photogram):
    properties = photogram.resources[photogram.logical_id(ACCESS_LOGS)]["Properties"]

    rules = properties["LifecycleConfiguration"]["Rules"]

    assert [r["ExpirationInDays"] for r in rules if "ExpirationInDays" in r] == [ACCESS_LOG_DAYS]
    # CloudFront's standard logs need ACLs; the bucket owner still owns every log object.
    assert properties["OwnershipControls"] == {
        "Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]
    }


def test_only_the_cdn_may_read_the_published_media_and_nobody_the_raw_uploads(photogram):
    (distribution_id,) = photogram.of_type("AWS::CloudFront::Distribution")

    allowed = {
        spec.logical_id: [
            s
            for s in bucket_policy(photogram, bucket_id(photogram, spec))
            if s["Effect"] == "Allow"
        ]
        for spec in RESOURCES.buckets
    }

    assert allowed[RAW_MEDIA.logical_id] == []
    (statement,) = allowed[MEDIA.logical_id]
    assert statement["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert statement["Action"] == "s3:GetObject"
    source_arn = statement["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Join"][1]
    assert source_arn[-1] == {"Ref": distribution_id}


def test_grant_prefixes_are_where_the_domain_puts_objects():
    from photogram.media import keys

    assert set(KEY_PREFIXES) == {spec.logical_id for spec in RESOURCES.buckets}
    assert keys.raw_object_key("owner", "media").startswith(KEY_PREFIXES[RAW_MEDIA.logical_id])
    assert keys.variant_key("media", "small", "abc", "jpg").startswith(
        KEY_PREFIXES[MEDIA.logical_id]
    )
