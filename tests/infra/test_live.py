"""The synthesized WebSocket API serves exactly infra/routes.py's SOCKET_ROUTES: each
row one route on its function, the authorizer on $connect only, a logged and
throttled stage, and the management API for the `uses_live` functions only."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.environment import (
    LIVE_ENDPOINT_ENV_VAR,
    USER_POOL_CLIENT_ID_ENV_VAR,
    USER_POOL_ID_ENV_VAR,
    USER_POOL_REGION_ENV_VAR,
)
from infra.live import MANAGEMENT_METHODS
from infra.routes import (
    FUNCTIONS,
    SOCKET_AUTHORIZER,
    SOCKET_ROUTE_SELECTION,
    SOCKET_ROUTES,
    SOCKET_TOKEN_PARAMETER,
)
from tests.infra.synth import Synth, as_list, policy_statements

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]


def only(synth: Synth, resource_type: str) -> tuple[str, dict[str, Any]]:
    ((logical_id, resource),) = synth.of_type(resource_type).items()
    return logical_id, resource["Properties"]


def lambda_target(uri: dict[str, Any]) -> str:
    """The logical id of the function in an apigateway:lambda:path/... invocation URI."""
    (target,) = [part["Fn::GetAtt"] for part in uri["Fn::Join"][1] if "Fn::GetAtt" in part]
    assert target[1] == "Arn"
    return target[0]


def variables(synth: Synth, name: str) -> dict[str, Any]:
    function = synth.resources[synth.function_ids()[name]]
    return function["Properties"]["Environment"]["Variables"]


def test_the_websocket_api_serves_exactly_the_socket_routes(photogram):
    api_id, api = only(photogram, "AWS::ApiGatewayV2::Api")
    functions = photogram.function_ids()
    integrations = photogram.of_type("AWS::ApiGatewayV2::Integration")
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in photogram.of_type("AWS::ApiGatewayV2::Route").values()
    }

    assert (api["ProtocolType"], api["RouteSelectionExpression"]) == (
        "WEBSOCKET",
        SOCKET_ROUTE_SELECTION,
    )
    assert len(photogram.of_type("AWS::ApiGatewayV2::Route")) == len(SOCKET_ROUTES)
    assert set(routes) == {row.key for row in SOCKET_ROUTES}
    for row in SOCKET_ROUTES:
        route = routes[row.key]
        assert route["ApiId"] == {"Ref": api_id}
        prefix, ref = route["Target"]["Fn::Join"][1]
        assert prefix == "integrations/"
        integration = integrations[ref["Ref"]]["Properties"]
        assert integration["IntegrationType"] == "AWS_PROXY"
        assert lambda_target(integration["IntegrationUri"]) == functions[row.function], row.key

    # API Gateway may invoke each route's function for that route, and the authorizer.
    permissions = {
        (
            p["Properties"]["FunctionName"]["Fn::GetAtt"][0],
            json.dumps(p["Properties"]["SourceArn"]["Fn::Join"][1][-2:]),
        )
        for p in photogram.of_type("AWS::Lambda::Permission").values()
        if {"Ref": api_id} in p["Properties"]["SourceArn"]["Fn::Join"][1]
    }
    (authorizer_id,) = photogram.of_type("AWS::ApiGatewayV2::Authorizer")
    assert permissions == {
        *(
            (functions[row.function], json.dumps([{"Ref": api_id}, f"/*{row.key}"]))
            for row in SOCKET_ROUTES
        ),
        (functions[SOCKET_AUTHORIZER], json.dumps(["/authorizers/", {"Ref": authorizer_id}])),
    }


def test_only_connect_is_authorized_by_the_token_in_the_query_string(photogram):
    authorizer_id, authorizer = only(photogram, "AWS::ApiGatewayV2::Authorizer")
    routes = {
        r["Properties"]["RouteKey"]: r["Properties"]
        for r in photogram.of_type("AWS::ApiGatewayV2::Route").values()
    }

    assert authorizer["AuthorizerType"] == "REQUEST"
    assert authorizer["IdentitySource"] == [f"route.request.querystring.{SOCKET_TOKEN_PARAMETER}"]
    assert lambda_target(authorizer["AuthorizerUri"]) == photogram.function_ids()[SOCKET_AUTHORIZER]
    assert routes["$connect"]["AuthorizationType"] == "CUSTOM"
    assert routes["$connect"]["AuthorizerId"] == {"Ref": authorizer_id}
    for key, route in routes.items():
        if key != "$connect":
            assert route["AuthorizationType"] == "NONE", key
            assert "AuthorizerId" not in route, key


def test_the_stage_is_throttled_and_access_logged_without_the_token(photogram):
    api_id, _ = only(photogram, "AWS::ApiGatewayV2::Api")
    _, stage = only(photogram, "AWS::ApiGatewayV2::Stage")

    assert stage["ApiId"] == {"Ref": api_id}
    assert (stage["StageName"], stage["AutoDeploy"]) == ("dev", True)
    settings = stage["DefaultRouteSettings"]
    assert settings["ThrottlingRateLimit"] > 0 and settings["ThrottlingBurstLimit"] > 0
    assert settings["DataTraceEnabled"] is False
    log_group_id, attribute = stage["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"]
    assert attribute == "Arn"
    assert photogram.resources[log_group_id]["Properties"]["RetentionInDays"] > 0
    fields = json.loads(stage["AccessLogSettings"]["Format"])
    assert {"requestId", "connectionId", "routeKey", "status"} <= set(fields)
    assert not any("querystring" in v.lower() or "request.url" in v for v in fields.values())
    assert photogram.template["Outputs"]["LiveUrl"]["Value"]["Fn::Join"][1][:2] == [
        "wss://",
        {"Ref": api_id},
    ]


def test_only_uses_live_functions_manage_this_stages_connections(photogram):
    api_id, _ = only(photogram, "AWS::ApiGatewayV2::Api")
    functions = photogram.function_ids()
    expected = sorted(
        json.dumps(
            {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":execute-api:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":",
                        {"Ref": api_id},
                        f"/dev/{method}/@connections/*",
                    ],
                ]
            }
        )
        for method in MANAGEMENT_METHODS
    )

    for spec in FUNCTIONS:
        role_id = photogram.resources[functions[spec.name]]["Properties"]["Role"]["Fn::GetAtt"][0]
        granted = [
            statement
            for statement in policy_statements(photogram, role_id)
            if any(a.startswith("execute-api:") for a in as_list(statement["Action"]))
        ]
        if spec.uses_live:
            (statement,) = granted
            assert statement["Action"] == "execute-api:ManageConnections", spec.name
            assert sorted(json.dumps(r) for r in as_list(statement["Resource"])) == expected
        else:
            assert granted == [], spec.name
    assert {spec.name for spec in FUNCTIONS if spec.uses_live} >= {"live", "streams"}


def test_the_functions_get_the_live_endpoint_and_the_authorizer_the_user_pool(photogram):
    api_id, _ = only(photogram, "AWS::ApiGatewayV2::Api")
    pool_id, _ = only(photogram, "AWS::Cognito::UserPool")
    client_id, _ = only(photogram, "AWS::Cognito::UserPoolClient")
    endpoint = {
        "Fn::Join": [
            "",
            [
                "https://",
                {"Ref": api_id},
                ".execute-api.",
                {"Ref": "AWS::Region"},
                ".",
                {"Ref": "AWS::URLSuffix"},
                "/dev",
            ],
        ]
    }

    for spec in FUNCTIONS:
        assert variables(photogram, spec.name).get(LIVE_ENDPOINT_ENV_VAR) == (
            endpoint if spec.uses_live else None
        ), spec.name
    assert variables(photogram, "streams")[LIVE_ENDPOINT_ENV_VAR] == endpoint
    authorizer = variables(photogram, SOCKET_AUTHORIZER)
    assert {
        key: authorizer.get(key)
        for key in (USER_POOL_ID_ENV_VAR, USER_POOL_CLIENT_ID_ENV_VAR, USER_POOL_REGION_ENV_VAR)
    } == {
        USER_POOL_ID_ENV_VAR: {"Ref": pool_id},
        USER_POOL_CLIENT_ID_ENV_VAR: {"Ref": client_id},
        USER_POOL_REGION_ENV_VAR: {"Ref": "AWS::Region"},
    }
    # The authorizer verifies a token and touches nothing else.
    assert set(authorizer) == {
        "POWERTOOLS_SERVICE_NAME",
        "POWERTOOLS_METRICS_NAMESPACE",
        "POWERTOOLS_LOG_LEVEL",
        USER_POOL_ID_ENV_VAR,
        USER_POOL_CLIENT_ID_ENV_VAR,
        USER_POOL_REGION_ENV_VAR,
    }
    for spec in FUNCTIONS:
        if not spec.uses_user_pool:
            assert USER_POOL_ID_ENV_VAR not in variables(photogram, spec.name), spec.name


def test_the_live_api_alarms_on_integration_errors(photogram):
    api_id, _ = only(photogram, "AWS::ApiGatewayV2::Api")
    (alarm,) = [
        a["Properties"]
        for a in photogram.of_type("AWS::CloudWatch::Alarm").values()
        if a["Properties"]["AlarmName"] == "photogram-dev-live-integration-errors"
    ]

    assert (alarm["Namespace"], alarm["MetricName"]) == ("AWS/ApiGateway", "IntegrationError")
    assert {d["Name"]: d["Value"] for d in alarm["Dimensions"]} == {
        "ApiId": {"Ref": api_id},
        "Stage": "dev",
    }
