"""The live connection: an API Gateway WebSocket API with one route per
`routes.SOCKET_ROUTES` row, a Lambda REQUEST authorizer on `$connect`, and a stage
whose management endpoint (`@connections`) the functions that push call.

Built in two steps so the functions and the API do not depend on each other in a
cycle: the API and its stage first (the functions' environment names the stage's
management endpoint), then `connect()` adds the routes (which name the functions)
and grants `execute-api:ManageConnections` to each function whose spec says
`uses_live`.
"""

from __future__ import annotations

import json

import jsii
from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_authorizers as authorizers
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.functions import pascal_case
from infra.routes import (
    SOCKET_AUTHORIZER,
    SOCKET_ROUTE_SELECTION,
    SOCKET_TOKEN_PARAMETER,
    FunctionSpec,
    SocketRoute,
)

CONNECT = "$connect"
# The management API call photogram.adapters.push makes: post_to_connection (POST);
# no GET (connection info) and no DELETE (closing is the client's) are needed.
MANAGEMENT_METHODS = ("POST",)
# Where the authorizer reads the Cognito id token (browsers cannot set headers on a
# WebSocket handshake). A connection without it is refused 401 before the
# authorizer runs.
IDENTITY_SOURCE = f"route.request.querystring.{SOCKET_TOKEN_PARAMETER}"

# One JSON line per connect, message and disconnect. No request URL and no query
# string: the id token travels in `?token=` and must never land in the logs.
ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "caller": "$context.authorizer.principalId",
        "connectionId": "$context.connectionId",
        "eventType": "$context.eventType",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "requestTime": "$context.requestTime",
        "integrationLatencyMs": "$context.integration.latency",
        "integrationStatus": "$context.integration.status",
        "authorizerStatus": "$context.authorizer.status",
        "authorizerError": "$context.authorizer.error",
        "error": "$context.error.message",
        "errorType": "$context.error.responseType",
    }
)


def route_id(key: str) -> str:
    """ "$connect" -> "Connect", "ping" -> "Ping"."""
    return pascal_case(key.removeprefix("$"))


class Live(Construct):
    """The WebSocket API and its stage (`live.stage`), throttled and access-logged."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        stage: str,
        throttle_rate: float,
        throttle_burst: int,
        log_retention: logs.RetentionDays,
    ) -> None:
        super().__init__(scope, construct_id)
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.api = apigwv2.WebSocketApi(
            self,
            "WebSocketApi",
            api_name=f"photogram-live-{stage}",
            description="Photogram's live connection: notifications and messages",
            route_selection_expression=SOCKET_ROUTE_SELECTION,
        )
        self.stage = apigwv2.WebSocketStage(
            self,
            "Stage",
            web_socket_api=self.api,
            stage_name=stage,
            auto_deploy=True,
            access_log_settings=_AccessLogSettings(self.access_logs),
            # Every route's default limits (requests and messages per second).
            throttle=apigwv2.ThrottleSettings(rate_limit=throttle_rate, burst_limit=throttle_burst),
        )
        # Full request logging would write the handshake's query string (the token)
        # and users' messages to the execution logs.
        stage_resource = self.stage.node.default_child
        assert isinstance(stage_resource, apigwv2.CfnStage)
        stage_resource.add_property_override("DefaultRouteSettings.DataTraceEnabled", False)
        self.routes: dict[str, apigwv2.WebSocketRoute] = {}

    @property
    def management_endpoint(self) -> str:
        """https://<api>.execute-api.<region>.amazonaws.com/<stage>: post_to_connection's."""
        return self.stage.callback_url

    @property
    def url(self) -> str:
        """wss://<api>.execute-api.<region>.amazonaws.com/<stage>: what a client opens."""
        return self.stage.url

    def connect(
        self,
        *,
        routes: tuple[SocketRoute, ...],
        specs: tuple[FunctionSpec, ...],
        functions: dict[str, lambda_.IFunction],
    ) -> None:
        """One route per row on its function, the authorizer on $connect, and the
        management API for every function whose spec says `uses_live`."""

        def function_of(name: str, what: str) -> lambda_.IFunction:
            try:
                return functions[name]
            except KeyError:
                raise ValueError(
                    f"{what} names function {name!r}, which FUNCTIONS does not declare"
                ) from None

        keys = [route.key for route in routes]
        if CONNECT not in keys or len(set(keys)) != len(keys):
            raise ValueError(f"SOCKET_ROUTES needs one {CONNECT} and no key twice: {keys}")
        authorizer = authorizers.WebSocketLambdaAuthorizer(
            "Authorizer",
            function_of(SOCKET_AUTHORIZER, "SOCKET_AUTHORIZER"),
            authorizer_name=SOCKET_AUTHORIZER,
            identity_source=[IDENTITY_SOURCE],
        )
        for route in routes:
            id_ = route_id(route.key)
            self.routes[route.key] = self.api.add_route(
                route.key,
                integration=integrations.WebSocketLambdaIntegration(
                    f"{id_}Integration", function_of(route.function, f"socket route {route.key}")
                ),
                authorizer=authorizer if route.key == CONNECT else None,
            )
            if route.key != CONNECT:
                nag.acknowledge(
                    self.routes[route.key],
                    "AwsSolutions-APIG4",
                    f"WebSocket route {route.key} cannot carry an authorizer: API Gateway "
                    f"authorizes a WebSocket connection once, on {CONNECT} (a Lambda REQUEST "
                    "authorizer on the id token), and every later message on it is that "
                    "connection's.",
                )
        for spec in specs:
            if spec.uses_live:
                self._grant_management(spec.name, function_of(spec.name, "a uses_live spec"))

    def connections_arns(self) -> list[str]:
        """This stage's connections, for the management methods the functions use:
        arn:...:execute-api:<region>:<account>:<api>/<stage>/POST/@connections/*."""
        stack = Stack.of(self)
        return [
            stack.format_arn(
                service="execute-api",
                resource=self.api.api_id,
                resource_name=f"{self.stage.stage_name}/{method}/@connections/*",
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            )
            for method in MANAGEMENT_METHODS
        ]

    def _grant_management(self, name: str, function: lambda_.IFunction) -> None:
        """execute-api:ManageConnections on this stage's connections only. (The L2's
        grant_management_api_access names every method: `<stage>/*/@connections/*`.)"""
        resources = self.connections_arns()
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["execute-api:ManageConnections"], resources=resources)
        )
        role = function.role
        policy = role.node.try_find_child("DefaultPolicy") if role is not None else None
        if policy is None:
            raise ValueError(f"function {name} has no role policy to grant live connections on")
        for resource in resources:
            nag.acknowledge(
                policy,
                f"AwsSolutions-IAM5[Resource::{nag.finding_text(self, resource)}]",
                f"Connection ids are minted by API Gateway per connection, so the management "
                f"API can only be granted on a stage's connections: this names one API, one "
                f"stage and one method, for the pushes of {name} (uses_live in "
                "infra/routes.py).",
            )


@jsii.implements(apigwv2.IAccessLogSettings)
class _AccessLogSettings:
    """apigwv2.IAccessLogSettings: the log group and ACCESS_LOG_FORMAT."""

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    # jsii reads an interface's members through getters, not instance attributes.
    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigw.AccessLogFormat:
        return apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT)
