"""CORS in the template: none unless `cors_origins` is set; with it, a preflight on every
route answered by API Gateway itself, the gateway's own errors and the functions'
answers readable by the allowed origins only, the raw bucket's rule for the browser's
presigned POST and the CDN's for images."""

from __future__ import annotations

import json
import re

import pytest

from infra.cors import ALLOW_HEADERS, EXPOSE_HEADERS, MAX_AGE_SECONDS, CorsPolicy
from infra.routes import ROUTES
from tests.infra.synth import Synth, synthesize
from tests.infra.test_api import resource_path
from tests.infra.test_functions import function_of

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

APP, ADMIN = "https://app.example.com", "https://admin.example.com"


@pytest.fixture(scope="module")
def two_origins(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from infra.stack import add_photogram

    return synthesize(tmp_path_factory.mktemp("cors"), add_photogram, cors_origins=f"{APP},{ADMIN}")


def preflights(synth: Synth) -> dict[str, dict]:
    return {
        resource_path(synth, m["Properties"]["ResourceId"]): m["Properties"]
        for m in synth.of_type("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "OPTIONS"
    }


def vtl_allows(template: str, origin: str) -> bool:
    """Whether the preflight's VTL sets Allow-Origin for `origin` (Java's
    String.matches is a whole-string match, as re.fullmatch)."""
    (pattern,) = re.findall(r'\$origin\.matches\("([^"]*)"\)', template)
    return re.fullmatch(pattern, origin) is not None


def raw_bucket(synth: Synth) -> dict:
    (bucket,) = [
        r["Properties"]
        for logical_id, r in synth.of_type("AWS::S3::Bucket").items()
        if "RawMedia" in logical_id
    ]
    return bucket


def test_without_cors_origins_nothing_cross_origin_is_deployed(photogram):
    assert preflights(photogram) == {}
    assert "CorsConfiguration" not in raw_bucket(photogram)
    assert "Access-Control" not in json.dumps(photogram.of_type("AWS::ApiGateway::GatewayResponse"))
    assert "CorsConfig" not in json.dumps(
        photogram.of_type("AWS::CloudFront::ResponseHeadersPolicy")
    )


def test_every_route_path_has_a_preflight_that_reaches_no_function(two_origins):
    found = preflights(two_origins)

    assert set(found) == {route.path for route in ROUTES}
    for method in found.values():
        assert method["AuthorizationType"] == "NONE"
        assert method["Integration"]["Type"] == "MOCK"


def test_the_preflight_lists_the_resources_methods_and_the_declared_headers(two_origins):
    template = preflights(two_origins)["/users/{handle}/follow"]["Integration"][
        "IntegrationResponses"
    ][0]["ResponseTemplates"]["application/json"]

    assert 'Access-Control-Allow-Methods = "DELETE,OPTIONS,POST"' in template
    assert f'Access-Control-Allow-Headers = "{",".join(ALLOW_HEADERS)}"' in template
    assert f'Access-Control-Max-Age = "{MAX_AGE_SECONDS}"' in template


@pytest.mark.parametrize(
    ("origin", "allowed"),
    [
        (APP, True),
        (ADMIN, True),
        ("https://evil.example", False),
        ("https://app.example.com.evil.example", False),
        ("https://appXexample.com", False),
        ("http://app.example.com", False),
    ],
)
def test_the_preflight_answers_only_the_allowed_origins(two_origins, origin, allowed):
    template = preflights(two_origins)["/me"]["Integration"]["IntegrationResponses"][0][
        "ResponseTemplates"
    ]["application/json"]

    assert vtl_allows(template, origin) is allowed


def test_the_api_functions_answer_with_the_same_origin_rule(two_origins):
    pattern = CorsPolicy((APP, ADMIN)).pattern()

    for name in {route.function for route in ROUTES}:
        variables = function_of(two_origins, name)["Properties"]["Environment"]["Variables"]
        assert variables["PHOTOGRAM_CORS_ORIGIN_PATTERN"] == pattern
        assert variables["PHOTOGRAM_CORS_EXPOSE_HEADERS"] == ",".join(EXPOSE_HEADERS)


def test_gateway_responses_carry_cors_headers(two_origins):
    for response in two_origins.of_type("AWS::ApiGateway::GatewayResponse").values():
        headers = response["Properties"]["ResponseParameters"]
        # Several origins: echoed (a gateway response cannot test the Origin).
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == (
            "method.request.header.Origin"
        )
        assert headers["gatewayresponse.header.Vary"] == "'Origin'"


def test_one_origin_is_named_in_gateway_responses_not_echoed(tmp_path):
    from infra.stack import add_photogram

    synth = synthesize(tmp_path, add_photogram, cors_origins=APP)

    for response in synth.of_type("AWS::ApiGateway::GatewayResponse").values():
        headers = response["Properties"]["ResponseParameters"]
        assert headers["gatewayresponse.header.Access-Control-Allow-Origin"] == f"'{APP}'"


def test_the_raw_bucket_lets_the_allowed_origins_post_and_read_the_etag(two_origins):
    (rule,) = raw_bucket(two_origins)["CorsConfiguration"]["CorsRules"]

    assert rule["AllowedMethods"] == ["POST"]
    assert rule["AllowedOrigins"] == [APP, ADMIN]
    assert rule["ExposedHeaders"] == ["ETag"]


def test_the_cdn_lets_the_allowed_origins_read_images(two_origins):
    (policy,) = two_origins.of_type("AWS::CloudFront::ResponseHeadersPolicy").values()
    cors = policy["Properties"]["ResponseHeadersPolicyConfig"]["CorsConfig"]

    assert cors["AccessControlAllowOrigins"]["Items"] == [APP, ADMIN]
    assert cors["AccessControlAllowMethods"]["Items"] == ["GET", "HEAD"]
    assert cors["AccessControlAllowCredentials"] is False


def test_cors_origins_leave_no_cdk_nag_finding(two_origins):
    unsuppressed = [
        v["ruleName"] for p in two_origins.report["pluginReports"] for v in p.get("violations", [])
    ]

    assert unsuppressed == []


def test_a_pattern_origin_is_refused_for_a_deployed_stage(tmp_path):
    from infra.stack import add_photogram

    with pytest.raises(ValueError, match="exact origins"):
        synthesize(tmp_path, add_photogram, cors_origins="http://localhost:*")
