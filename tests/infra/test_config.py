"""Context flags: what a deployer may choose with `-c key=value`."""

from __future__ import annotations

import aws_cdk as cdk
import pytest

from infra.config import StackConfig

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def test_context_values_arrive_as_strings_and_are_parsed():
    app = cdk.App(context={"stage": "prod", "throttle_rate": "25", "throttle_burst": "50"})

    config = StackConfig.from_context(app.node)

    assert config == StackConfig(stage="prod", throttle_rate=25.0, throttle_burst=50)


def test_no_context_gives_the_defaults():
    config = StackConfig.from_context(cdk.App().node)

    assert config == StackConfig()


@pytest.mark.parametrize("stage", ["Prod", "my-stage", "1st", "a" * 17, ""])
def test_stage_that_cannot_name_resources_is_refused(stage):
    app = cdk.App(context={"stage": stage} if stage else {"stage": "!"})

    with pytest.raises(ValueError, match="stage"):
        StackConfig.from_context(app.node)


def test_throttling_must_be_positive():
    app = cdk.App(context={"throttle_rate": "-1"})

    with pytest.raises(ValueError, match="throttle"):
        StackConfig.from_context(app.node)


CERTIFICATE_ARN = (
    "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
)


@pytest.mark.parametrize(
    ("value", "price_class"),
    [("100", "100"), ("200", "200"), ("all", "All"), ("PriceClass_All", "All"), (None, "100")],
)
def test_cdn_price_class_is_named_as_cloudfront_does(value, price_class):
    app = cdk.App(context={"cdn_price_class": value} if value else {})

    config = StackConfig.from_context(app.node)

    assert config.cdn_price_class == price_class


def test_unknown_cdn_price_class_is_refused():
    app = cdk.App(context={"cdn_price_class": "50"})

    with pytest.raises(ValueError, match="cdn_price_class"):
        StackConfig.from_context(app.node)


def test_custom_cdn_domain_comes_with_its_certificate():
    app = cdk.App(
        context={"cdn_domain": "Media.Example.com", "cdn_certificate_arn": CERTIFICATE_ARN}
    )

    config = StackConfig.from_context(app.node)

    assert (config.cdn_domain, config.cdn_certificate_arn) == ("media.example.com", CERTIFICATE_ARN)


@pytest.mark.parametrize(
    "context",
    [
        {"cdn_domain": "media.example.com"},
        {"cdn_certificate_arn": CERTIFICATE_ARN},
        {"cdn_domain": "not a domain", "cdn_certificate_arn": CERTIFICATE_ARN},
        # CloudFront only takes certificates from us-east-1.
        {
            "cdn_domain": "media.example.com",
            "cdn_certificate_arn": CERTIFICATE_ARN.replace("us-east-1", "eu-west-1"),
        },
    ],
)
def test_incomplete_or_unusable_cdn_domain_is_refused(context):
    app = cdk.App(context=context)

    with pytest.raises(ValueError, match="cdn_"):
        StackConfig.from_context(app.node)


def test_ranking_and_its_endpoint_sizes_come_from_context():
    app = cdk.App(
        context={"ranking": "heuristic", "ranker_memory_mb": "4096", "ranker_max_concurrency": "20"}
    )

    config = StackConfig.from_context(app.node)

    assert (config.ranking, config.ranker_memory_mb, config.ranker_max_concurrency) == (
        "heuristic",
        4096,
        20,
    )
    assert StackConfig().ranking == "sagemaker"


@pytest.mark.parametrize(
    ("key", "value"),
    [("ranking", "model"), ("ranker_memory_mb", "1500"), ("ranker_max_concurrency", "500")],
)
def test_ranking_values_sagemaker_would_refuse_are_refused_at_synth(key, value):
    with pytest.raises(ValueError, match=key):
        StackConfig.from_context(cdk.App(context={key: value}).node)


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({}, ("off", True)),
        ({"search": "opensearch"}, ("opensearch", True)),
        ({"search": "opensearch", "search_standby": "off"}, ("opensearch", False)),
        ({"search": "opensearch", "search_standby": False}, ("opensearch", False)),
        ({"search": "off"}, ("off", True)),
    ],
)
def test_search_and_its_standby_replicas_come_from_context(context, expected):
    config = StackConfig.from_context(cdk.App(context=context).node)

    assert (config.search, config.search_standby) == expected


@pytest.mark.parametrize(
    "context",
    [
        {"search": "elasticsearch"},
        {"search": "none"},
        {"search": "opensearch", "search_standby": "maybe"},
        {"search_standby": "off"},
    ],
)
def test_unusable_search_context_is_refused(context):
    with pytest.raises(ValueError, match="search"):
        StackConfig.from_context(cdk.App(context=context).node)


def test_cdn_signing_keys_come_as_pem_text_or_files(tmp_path):
    from tests.infra.test_cdn import PUBLIC_KEY

    (tmp_path / "cdn.pem").write_text(PUBLIC_KEY + "\n")
    app = cdk.App(context={"cdn_signing_public_key": str(tmp_path / "cdn.pem")})

    from_file = StackConfig.from_context(app.node).cdn_signing_public_keys
    from_text = StackConfig.from_context(
        cdk.App(context={"cdn_signing_public_key": PUBLIC_KEY}).node
    ).cdn_signing_public_keys

    assert from_file == from_text == (PUBLIC_KEY,)


def test_no_signing_key_leaves_private_media_refused():
    assert StackConfig.from_context(cdk.App().node).cdn_signing_public_keys == ()


@pytest.mark.parametrize("value", ["no-such-file.pem", "-----BEGIN PRIVATE KEY-----\nAAAA"])
def test_a_signing_key_that_is_not_a_public_key_is_refused(value):
    with pytest.raises(ValueError, match="cdn_signing_public_key"):
        StackConfig.from_context(cdk.App(context={"cdn_signing_public_key": value}).node)
