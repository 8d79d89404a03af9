"""The CDN serves the published-media bucket through origin access control, HTTPS only."""

from __future__ import annotations

from typing import Any

import pytest

from infra.cdn import HSTS_MAX_AGE, MAX_TTL, MIN_TTL, PRIVATE_PATH_PATTERN
from infra.nag import PLUGIN
from infra.resources import MEDIA
from tests.infra.synth import Synth, shared_synth

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

# A throwaway public key: CloudFront checks nothing about it at synth.
PUBLIC_KEY = (
    "-----BEGIN PUBLIC KEY-----\n"
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo\n"
    "4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u\n"
    "+qKhbwKfBstIs+bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyeh\n"
    "kd3qqGElvW/VDL5AaWTg0nLVkjRo9z+40RQzuVaE8AkAFmxZzow3x+VJYKdjykkJ\n"
    "0iT9wCS0DRTXu269V264Vf/3jvredZiKRkgwlL9xNAwxXFg0x/XFw005UWVRIkdg\n"
    "cKWTjpBP2dPwVZ4WWC+9aGVd+Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbc\n"
    "mwIDAQAB\n"
    "-----END PUBLIC KEY-----"
)
CERTIFICATE_ARN = (
    "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
)


def distribution_of(synth: Synth) -> dict[str, Any]:
    (distribution,) = synth.of_type("AWS::CloudFront::Distribution").values()
    return distribution["Properties"]["DistributionConfig"]


@pytest.fixture(scope="session")
def custom_domain(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The CDN alone, on a custom domain with its certificate, checked by cdk-nag."""

    def build(app):
        import aws_cdk as cdk
        from aws_cdk import aws_s3 as s3

        from infra import nag
        from infra.cdn import Cdn

        stack = cdk.Stack(app, "CdnOnly")
        logs = s3.Bucket(
            stack,
            "Logs",
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        )
        origin = s3.Bucket(
            stack,
            "Origin",
            enforce_ssl=True,
            server_access_logs_bucket=logs,
            server_access_logs_prefix="origin/",
        )
        Cdn(
            stack,
            "Cdn",
            origin_bucket=origin,
            log_bucket=logs,
            price_class="All",
            domain_name="media.example.com",
            certificate_arn=CERTIFICATE_ARN,
        )
        nag.add_checks(app)
        return stack

    return shared_synth(tmp_path_factory.getbasetemp(), "cdn-custom-domain", build)


@pytest.fixture(scope="session")
def signed_private(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """The CDN alone with a deployer's signing key, checked by cdk-nag."""

    def build(app):
        import aws_cdk as cdk
        from aws_cdk import aws_s3 as s3

        from infra import nag
        from infra.cdn import Cdn

        stack = cdk.Stack(app, "CdnSigned")
        logs = s3.Bucket(
            stack,
            "Logs",
            enforce_ssl=True,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
        )
        origin = s3.Bucket(
            stack,
            "Origin",
            enforce_ssl=True,
            server_access_logs_bucket=logs,
            server_access_logs_prefix="origin/",
        )
        Cdn(
            stack,
            "Cdn",
            origin_bucket=origin,
            log_bucket=logs,
            price_class="100",
            signing_public_keys=(PUBLIC_KEY,),
        )
        nag.add_checks(app)
        return stack

    return shared_synth(tmp_path_factory.getbasetemp(), "cdn-signed", build)


def test_distribution_reads_the_media_bucket_through_origin_access_control(photogram):
    media_id = photogram.logical_id(f"/Storage/{MEDIA.logical_id}/Resource")

    (origin,) = distribution_of(photogram)["Origins"]

    assert origin["DomainName"] == {"Fn::GetAtt": [media_id, "RegionalDomainName"]}
    access_control_id = origin["OriginAccessControlId"]["Fn::GetAtt"][0]
    access_control = photogram.resources[access_control_id]["Properties"][
        "OriginAccessControlConfig"
    ]
    assert access_control["OriginAccessControlOriginType"] == "s3"
    assert access_control["SigningBehavior"] == "always"
    assert access_control["SigningProtocol"] == "sigv4"
    # No legacy origin access identity.
    assert origin["S3OriginConfig"] == {"OriginAccessIdentity": ""}


def test_viewers_are_redirected_to_https_and_may_only_read(photogram):
    config = distribution_of(photogram)

    behavior = config["DefaultCacheBehavior"]

    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert behavior["AllowedMethods"] == ["GET", "HEAD"]
    assert config["HttpVersion"] == "http2and3"
    # The one other behavior is private media's, as read-only and on the same origin.
    (private,) = config["CacheBehaviors"]
    assert private["PathPattern"] == PRIVATE_PATH_PATTERN
    assert private["ViewerProtocolPolicy"] == "redirect-to-https"
    assert private["AllowedMethods"] == ["GET", "HEAD"]
    assert private["TargetOriginId"] == behavior["TargetOriginId"]
    assert private["CachePolicyId"] == behavior["CachePolicyId"]


def test_private_media_is_where_the_domain_puts_it():
    from photogram.media import keys

    assert PRIVATE_PATH_PATTERN == keys.PRIVATE_VARIANTS + "*"
    assert keys.variant_key("M", "small", "abc", "jpg", is_private=True).startswith(
        keys.PRIVATE_VARIANTS
    )


def test_without_a_signing_key_private_media_is_refused_to_everyone(photogram):
    (private,) = distribution_of(photogram)["CacheBehaviors"]

    (association,) = private["FunctionAssociations"]

    assert "TrustedKeyGroups" not in private
    assert association["EventType"] == "viewer-request"
    function = photogram.resources[association["FunctionARN"]["Fn::GetAtt"][0]]
    assert "statusCode: 403" in function["Properties"]["FunctionCode"]
    assert not photogram.of_type("AWS::CloudFront::PublicKey")


def test_private_media_takes_signatures_of_the_deployers_keys_only(signed_private):
    (private,) = distribution_of(signed_private)["CacheBehaviors"]

    (group_ref,) = private["TrustedKeyGroups"]

    assert "FunctionAssociations" not in private
    group = signed_private.resources[group_ref["Ref"]]["Properties"]["KeyGroupConfig"]
    (key_ref,) = group["Items"]
    public_key = signed_private.resources[key_ref["Ref"]]["Properties"]["PublicKeyConfig"]
    assert public_key["EncodedKey"] == PUBLIC_KEY


def test_signed_private_media_passes_cdk_nag(signed_private):
    report = signed_private.plugin_report(PLUGIN)

    findings = [v["ruleName"] for v in report.get("violations", [])]

    assert findings == []


def test_default_deploy_uses_the_cheapest_price_class_and_logs_to_the_log_bucket(photogram):
    config = distribution_of(photogram)

    assert config["PriceClass"] == "PriceClass_100"
    assert config["Logging"]["Bucket"] == {
        "Fn::GetAtt": [photogram.logical_id("/Storage/AccessLogs/Resource"), "RegionalDomainName"]
    }
    assert "Aliases" not in config


def test_cache_policy_keeps_immutable_variants_long_and_keys_on_the_path_only(photogram):
    policy_id = distribution_of(photogram)["DefaultCacheBehavior"]["CachePolicyId"]["Ref"]

    config = photogram.resources[policy_id]["Properties"]["CachePolicyConfig"]
    key = config["ParametersInCacheKeyAndForwardedToOrigin"]

    assert config["MinTTL"] == MIN_TTL.to_seconds() == 86400
    assert config["DefaultTTL"] == config["MaxTTL"] == MAX_TTL.to_seconds() == 365 * 86400
    assert key["QueryStringsConfig"] == {"QueryStringBehavior": "none"}
    assert key["HeadersConfig"] == {"HeaderBehavior": "none"}
    assert key["CookiesConfig"] == {"CookieBehavior": "none"}


def test_responses_carry_security_headers_but_no_cache_control_of_their_own(photogram):
    policy_id = distribution_of(photogram)["DefaultCacheBehavior"]["ResponseHeadersPolicyId"]["Ref"]

    config = photogram.resources[policy_id]["Properties"]["ResponseHeadersPolicyConfig"]
    security = config["SecurityHeadersConfig"]

    assert security["StrictTransportSecurity"] == {
        "AccessControlMaxAgeSec": HSTS_MAX_AGE.to_seconds(),
        "IncludeSubdomains": True,
        "Override": True,
    }
    assert security["ContentTypeOptions"] == {"Override": True}
    assert security["FrameOptions"] == {"FrameOption": "DENY", "Override": True}
    assert security["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    # Cache-Control comes from each object (the resize step writes it); a policy would
    # add it to error responses as well.
    assert "CustomHeadersConfig" not in config


def test_default_certificate_is_the_only_reason_for_an_outdated_tls_finding(photogram):
    acknowledged = {rule for rule, path in photogram.acknowledged if "/Cdn/" in path}

    assert acknowledged == {
        f"{PLUGIN}::AwsSolutions-CFR1",
        f"{PLUGIN}::AwsSolutions-CFR2",
        f"{PLUGIN}::AwsSolutions-CFR4",
    }


def test_custom_domain_is_served_with_its_certificate_and_tls_1_2(custom_domain):
    config = distribution_of(custom_domain)

    assert config["Aliases"] == ["media.example.com"]
    assert config["ViewerCertificate"] == {
        "AcmCertificateArn": CERTIFICATE_ARN,
        "MinimumProtocolVersion": "TLSv1.2_2021",
        "SslSupportMethod": "sni-only",
    }
    assert config["PriceClass"] == "PriceClass_All"


def test_custom_domain_passes_cdk_nag_without_the_tls_acknowledgment(custom_domain):
    report = custom_domain.plugin_report(PLUGIN)
    suppressed = {
        (v["acknowledgedId"], v["acknowledgedAt"]) for v in report.get("suppressedViolations", [])
    }

    findings = [v["ruleName"] for v in report.get("violations", [])]

    assert findings == []
    assert {rule for rule, _ in custom_domain.acknowledged} == {
        f"{PLUGIN}::AwsSolutions-CFR1",
        f"{PLUGIN}::AwsSolutions-CFR2",
    }
    assert set(custom_domain.acknowledged) <= suppressed
