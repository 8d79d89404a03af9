"""The CDN: CloudFront in front of the published-media bucket, through origin access control."""

from __future__ import annotations

import hashlib
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra import nag
from infra.cors import MAX_AGE_SECONDS, MEDIA_METHODS, CorsPolicy

PRICE_CLASSES = {
    "100": cloudfront.PriceClass.PRICE_CLASS_100,
    "200": cloudfront.PriceClass.PRICE_CLASS_200,
    "All": cloudfront.PriceClass.PRICE_CLASS_ALL,
}
# Variant keys are content-addressed: a URL never changes content, so edges keep
# objects as long as CloudFront allows. Browsers and apps follow each object's own
# Cache-Control ("public, max-age=31536000, immutable"), written by the resize step.
MIN_TTL = Duration.days(1)
MAX_TTL = Duration.days(365)
HSTS_MAX_AGE = Duration.days(730)
# Private media (photogram.media.keys.PRIVATE_VARIANTS; tests/infra holds the two
# together): served only to signed URLs (decisions §43).
PRIVATE_PATH_PATTERN = "media/private/*"
# Without a deployer's public key nothing may be signed: the behavior refuses all.
DENY_ALL_CODE = (
    "function handler(event) { return { statusCode: 403, statusDescription: 'Forbidden' }; }"
)


class Cdn(Construct):
    """A distribution serving one private bucket read-only, HTTPS only, with security headers."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        origin_bucket: s3.IBucket,
        log_bucket: s3.IBucket,
        price_class: str,
        domain_name: str | None = None,
        certificate_arn: str | None = None,
        cors: CorsPolicy | None = None,
        signing_public_keys: tuple[str, ...] = (),
    ) -> None:
        super().__init__(scope, construct_id)
        cors = cors or CorsPolicy()
        if bool(domain_name) != bool(certificate_arn):
            raise ValueError("a custom CDN domain needs its certificate, and the reverse")
        cache_policy = cloudfront.CachePolicy(
            self,
            "CachePolicy",
            comment="Photogram media: immutable, content-addressed objects",
            min_ttl=MIN_TTL,
            default_ttl=MAX_TTL,
            max_ttl=MAX_TTL,
            # The key is the path alone: no query string, header or cookie varies an image.
            query_string_behavior=cloudfront.CacheQueryStringBehavior.none(),
            header_behavior=cloudfront.CacheHeaderBehavior.none(),
            cookie_behavior=cloudfront.CacheCookieBehavior.none(),
            # Images are compressed already; one cached copy per object.
            enable_accept_encoding_gzip=False,
            enable_accept_encoding_brotli=False,
        )
        headers_policy = cloudfront.ResponseHeadersPolicy(
            self,
            "HeadersPolicy",
            comment="Photogram media: security headers",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
                ),
                content_type_options=cloudfront.ResponseHeadersContentTypeOptions(override=True),
                frame_options=cloudfront.ResponseHeadersFrameOptions(
                    frame_option=cloudfront.HeadersFrameOption.DENY, override=True
                ),
                referrer_policy=cloudfront.ResponseHeadersReferrerPolicy(
                    referrer_policy=cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN,
                    override=True,
                ),
            ),
            # No Cache-Control here: a policy would add it to error responses too, and a
            # 403 for a not-yet-published key must not be cached for a year.
            # Pages on the allowed origins may read images with `crossorigin` (canvas).
            cors_behavior=(
                cloudfront.ResponseHeadersCorsBehavior(
                    access_control_allow_origins=list(cors.origins),
                    access_control_allow_methods=list(MEDIA_METHODS),
                    access_control_allow_headers=["*"],
                    access_control_allow_credentials=False,
                    access_control_max_age=Duration.seconds(MAX_AGE_SECONDS),
                    origin_override=True,
                )
                if cors.origins
                else None
            ),
        )
        # OAC signs CloudFront's requests to the bucket; the bucket policy allows only
        # this distribution to read, and the bucket stays private. One origin for both
        # behaviors.
        origin = origins.S3BucketOrigin.with_origin_access_control(origin_bucket)
        behavior: dict[str, Any] = {
            "origin": origin,
            "viewer_protocol_policy": cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
            "allowed_methods": cloudfront.AllowedMethods.ALLOW_GET_HEAD,
            "cached_methods": cloudfront.CachedMethods.CACHE_GET_HEAD,
            # The same path-only key for private media: CloudFront checks the signature
            # before the cache, so one cached copy serves every member's signed URL.
            "cache_policy": cache_policy,
            "response_headers_policy": headers_policy,
            "compress": False,
        }
        self.signing_keys = [
            cloudfront.PublicKey(
                self,
                # Named by the key itself: adding a key for a rotation replaces nothing.
                "SigningKey" + hashlib.sha256("".join(pem.split()).encode()).hexdigest()[:8],
                encoded_key=pem,
                comment="Signs Photogram's private media URLs",
            )
            for pem in signing_public_keys
        ]
        if self.signing_keys:
            private = cloudfront.BehaviorOptions(
                **behavior,
                trusted_key_groups=[
                    cloudfront.KeyGroup(
                        self,
                        "SigningKeys",
                        items=self.signing_keys,
                        comment="Photogram private media: the keys whose signatures it takes",
                    )
                ],
            )
        else:
            deny = cloudfront.Function(
                self,
                "DenyPrivate",
                code=cloudfront.FunctionCode.from_inline(DENY_ALL_CODE),
                runtime=cloudfront.FunctionRuntime.JS_2_0,
                comment="No signing key given (context cdn_signing_public_key): private "
                "media is refused to everyone",
            )
            private = cloudfront.BehaviorOptions(
                **behavior,
                function_associations=[
                    cloudfront.FunctionAssociation(
                        function=deny, event_type=cloudfront.FunctionEventType.VIEWER_REQUEST
                    )
                ],
            )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="Photogram media",
            default_behavior=cloudfront.BehaviorOptions(**behavior),
            additional_behaviors={PRIVATE_PATH_PATTERN: private},
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=PRICE_CLASSES[price_class],
            enable_logging=True,
            log_bucket=log_bucket,
            log_file_prefix="cloudfront/",
            log_includes_cookies=False,
            domain_names=[domain_name] if domain_name else None,
            certificate=(
                acm.Certificate.from_certificate_arn(self, "Certificate", certificate_arn)
                if certificate_arn
                else None
            ),
            minimum_protocol_version=(
                cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 if domain_name else None
            ),
        )
        self.domain_name = domain_name or self.distribution.distribution_domain_name
        self.base_url = f"https://{self.domain_name}"

        nag.acknowledge(
            self.distribution,
            "AwsSolutions-CFR1",
            "No geo restriction: Photogram is a global consumer app with no market it must "
            "exclude; media URLs are unguessable content-addressed keys of published posts.",
        )
        nag.acknowledge(
            self.distribution,
            "AwsSolutions-CFR2",
            "No WAF: a web ACL costs $5+/month plus $1 per rule while idle, and the CDN serves "
            "only GET/HEAD of immutable public images from a private bucket (no forms, no "
            "query strings, no origin compute); context waf=true protects the API, where the "
            "compute is (a CloudFront web ACL would also have to live in us-east-1).",
        )
        if not domain_name:
            nag.acknowledge(
                self.distribution,
                "AwsSolutions-CFR4",
                "The default *.cloudfront.net certificate cannot pin a TLS policy (CloudFront "
                "then allows TLSv1 for old clients). Deploy with -c cdn_domain and "
                "-c cdn_certificate_arn to serve a custom domain with TLSv1.2_2021 as minimum.",
            )
