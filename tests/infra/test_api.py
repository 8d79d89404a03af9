"""The synthesized REST API serves exactly infra/routes.py: each row one method, no more."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.api import ERROR_RESPONSES
from infra.config import StackConfig
from infra.routes import ROUTES, Route

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def resource_path(synth, resource_ref: dict[str, Any]) -> str:
    """The path of an AWS::ApiGateway::Resource, walking ParentId up to the root."""
    parts = []
    while "Ref" in resource_ref:
        resource = synth.resources[resource_ref["Ref"]]["Properties"]
        parts.append(resource["PathPart"])
        resource_ref = resource["ParentId"]
    # The root's id is Fn::GetAtt [RestApi, RootResourceId].
    assert resource_ref["Fn::GetAtt"][1] == "RootResourceId"
    return "/" + "/".join(reversed(parts))


def integration_function_id(method: dict[str, Any]) -> str:
    """The logical id of the function behind a Lambda proxy integration URI."""
    integration = method["Properties"]["Integration"]
    assert integration["Type"] == "AWS_PROXY"
    uri_parts = integration["Uri"]["Fn::Join"][1]
    (target,) = [
        part["Fn::GetAtt"] for part in uri_parts if isinstance(part, dict) and "Fn::GetAtt" in part
    ]
    assert target[1] == "Arn"
    return target[0]


@pytest.fixture(scope="module")
def methods(photogram) -> dict[tuple[str, str], dict[str, Any]]:
    """(HTTP method, path) -> the AWS::ApiGateway::Method resource."""
    found = {}
    for method in photogram.of_type("AWS::ApiGateway::Method").values():
        key = (
            method["Properties"]["HttpMethod"],
            resource_path(photogram, method["Properties"]["ResourceId"]),
        )
        assert key not in found, f"two methods for {key}"
        found[key] = method
    return found


def test_every_route_has_a_method_and_no_method_lacks_a_route(methods):
    declared = {(route.method, route.path) for route in ROUTES}

    synthesized = set(methods)

    assert synthesized == declared


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_integrates_with_its_declared_function(photogram, methods, route: Route):
    method = methods[(route.method, route.path)]

    function_id = integration_function_id(method)

    assert function_id == photogram.function_ids()[route.function]
    assert method["Properties"]["Integration"]["IntegrationHttpMethod"] == "POST"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_route_is_authorized_exactly_as_declared(photogram, methods, route: Route):
    properties = methods[(route.method, route.path)]["Properties"]

    if route.authorized:
        assert properties["AuthorizationType"] == "COGNITO_USER_POOLS"
        authorizer = photogram.resources[properties["AuthorizerId"]["Ref"]]["Properties"]
        assert authorizer["Type"] == "COGNITO_USER_POOLS"
        assert authorizer["IdentitySource"] == "method.request.header.Authorization"
        (pool_id,) = photogram.of_type("AWS::Cognito::UserPool")
        assert authorizer["ProviderARNs"] == [{"Fn::GetAtt": [pool_id, "Arn"]}]
    else:
        assert properties["AuthorizationType"] == "NONE"
        assert "AuthorizerId" not in properties


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_path_parameters_are_required_and_validated(photogram, methods, route: Route):
    properties = methods[(route.method, route.path)]["Properties"]
    expected = {
        f"method.request.path.{segment[1:-1]}": True
        for segment in route.path.split("/")
        if segment.startswith("{")
    }

    validator = photogram.resources[properties["RequestValidatorId"]["Ref"]]["Properties"]

    assert properties.get("RequestParameters", {}) == expected
    assert validator["ValidateRequestParameters"] is True


def test_each_route_may_invoke_only_its_own_function_on_its_own_method(photogram):
    (rest_api,) = photogram.of_type("AWS::ApiGateway::RestApi")
    # The WebSocket API's permissions are tests/infra/test_live.py's; every other one
    # must name the REST API.
    (web_socket_api,) = photogram.of_type("AWS::ApiGatewayV2::Api")
    by_api: dict[str, list[dict[str, Any]]] = {rest_api: [], web_socket_api: []}
    for p in photogram.of_type("AWS::Lambda::Permission").values():
        (api,) = [
            api for api in by_api if {"Ref": api} in p["Properties"]["SourceArn"]["Fn::Join"][1]
        ]
        by_api[api].append(p)

    source_arn_tails = {
        (
            p["Properties"]["FunctionName"]["Fn::GetAtt"][0],
            p["Properties"]["SourceArn"]["Fn::Join"][1][-1],
        )
        for p in by_api[rest_api]
    }

    ids = photogram.function_ids()
    expected = {
        (
            ids[r.function],
            "/"
            + r.method
            + "/".join("*" if part.startswith("{") else part for part in r.path.split("/")),
        )
        for r in ROUTES
    }
    assert source_arn_tails == expected


@pytest.mark.parametrize("response", ERROR_RESPONSES, ids=lambda r: r.type)
def test_gateway_errors_use_the_one_error_envelope(photogram, response):
    (gateway_response,) = [
        r["Properties"]
        for r in photogram.of_type("AWS::ApiGateway::GatewayResponse").values()
        if r["Properties"]["ResponseType"] == response.type
    ]

    template = gateway_response["ResponseTemplates"]["application/json"]
    # What API Gateway substitutes for $context.error.messageString: a JSON string.
    body = json.loads(template.replace("$context.error.messageString", '"Something"'))

    assert body["error"]["code"] == response.code
    assert isinstance(body["error"]["message"], str)
    assert gateway_response.get("StatusCode") == response.status


def test_gateway_error_codes_are_the_documented_ones():
    codes = {response.type: (response.status, response.code) for response in ERROR_RESPONSES}

    assert codes == {
        "UNAUTHORIZED": ("401", "unauthorized"),
        "ACCESS_DENIED": ("403", "forbidden"),
        "MISSING_AUTHENTICATION_TOKEN": ("404", "route_not_found"),
        "THROTTLED": ("429", "rate_limited"),
        "REQUEST_TOO_LARGE": ("413", "payload_too_large"),
        "DEFAULT_4XX": (None, "bad_request"),
        "DEFAULT_5XX": (None, "internal"),
    }


def test_the_stage_throttle_says_when_to_retry(photogram):
    throttled = [
        r["Properties"]
        for r in photogram.of_type("AWS::ApiGateway::GatewayResponse").values()
        if r["Properties"]["ResponseType"] == "THROTTLED"
    ]

    (properties,) = throttled

    assert properties["ResponseParameters"]["gatewayresponse.header.Retry-After"] == "'1'"


def test_stage_is_throttled_logged_and_traced(photogram):
    (stage,) = [s["Properties"] for s in photogram.of_type("AWS::ApiGateway::Stage").values()]
    defaults = StackConfig()

    (settings,) = stage["MethodSettings"]

    assert stage["StageName"] == defaults.stage
    assert stage["TracingEnabled"] is True
    assert settings["HttpMethod"] == "*" and settings["ResourcePath"] == "/*"
    assert settings["ThrottlingRateLimit"] == defaults.throttle_rate
    assert settings["ThrottlingBurstLimit"] == defaults.throttle_burst
    assert settings["LoggingLevel"] == "ERROR"
    assert settings["MetricsEnabled"] is True
    assert settings["DataTraceEnabled"] is False


def test_access_logs_are_json_lines_to_a_log_group_with_retention(photogram):
    (stage,) = [s["Properties"] for s in photogram.of_type("AWS::ApiGateway::Stage").values()]
    log_setting = stage["AccessLogSetting"]

    log_format = json.loads(log_setting["Format"])

    assert log_format["requestId"] == "$context.requestId"
    assert log_format["status"] == "$context.status"
    log_group_id = next(
        part["Ref"]
        for part in log_setting["DestinationArn"]["Fn::Join"][1]
        if isinstance(part, dict) and "Ref" in part and part["Ref"] in photogram.resources
    )
    assert photogram.resources[log_group_id]["Properties"]["RetentionInDays"] > 0


def test_outputs_name_what_a_client_needs(photogram):
    outputs = set(photogram.template["Outputs"])

    assert outputs == {
        "ApiUrl",
        "UserPoolId",
        "UserPoolClientId",
        "Region",
        "CdnDomain",
        "CdnBaseUrl",
        "LiveUrl",
        # Where the deployer stores the CDN signing key pair (docs/deploy.md).
        "CdnSigningSecretArn",
    }
