"""The REST API: one API Gateway method per `routes.ROUTES` row, proxied to its function."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from aws_cdk import RemovalPolicy
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra import nag
from infra.cors import EXPOSE_HEADERS, CorsPolicy
from infra.routes import Route


@dataclass(frozen=True)
class ErrorResponse:
    """A response API Gateway itself sends, in Photogram's one error envelope."""

    # API Gateway's response type, e.g. "UNAUTHORIZED".
    type: str
    code: str
    # None keeps API Gateway's own status (the DEFAULT_* types cover several).
    status: str | None
    # None forwards API Gateway's message, e.g. which request parameter is missing.
    message: str | None
    # Fixed headers it also sends: (name, value).
    headers: tuple[tuple[str, str], ...] = ()


ERROR_RESPONSES = (
    ErrorResponse("UNAUTHORIZED", "unauthorized", "401", "Sign in first."),
    ErrorResponse("ACCESS_DENIED", "forbidden", "403", "You may not do that."),
    # API Gateway answers an unknown path or method with "Missing Authentication Token".
    ErrorResponse(
        "MISSING_AUTHENTICATION_TOKEN",
        "route_not_found",
        "404",
        "No such route.",
    ),
    # The stage's token bucket refills every second: a client may try again in one, and
    # reads it from the same header as the per-account limits' 429 (docs/deploy.md).
    ErrorResponse(
        "THROTTLED",
        "rate_limited",
        "429",
        "Too many requests; retry later.",
        headers=(("Retry-After", "1"),),
    ),
    ErrorResponse(
        "REQUEST_TOO_LARGE",
        "payload_too_large",
        "413",
        "The request is too large.",
    ),
    ErrorResponse("DEFAULT_4XX", "bad_request", None, None),
    ErrorResponse("DEFAULT_5XX", "internal", None, None),
)


def error_template(response: ErrorResponse) -> str:
    """The body mapping template: `{"error": {"code": ..., "message": ...}}`."""
    # $context.error.messageString is the message already quoted as a JSON string.
    message = (
        "$context.error.messageString" if response.message is None else json.dumps(response.message)
    )
    return f'{{"error": {{"code": {json.dumps(response.code)}, "message": {message}}}}}'


ACCESS_LOG_FORMAT = json.dumps(
    {
        "requestId": "$context.requestId",
        "ip": "$context.identity.sourceIp",
        "caller": "$context.authorizer.claims.sub",
        "method": "$context.httpMethod",
        "resourcePath": "$context.resourcePath",
        "path": "$context.path",
        "status": "$context.status",
        "responseLength": "$context.responseLength",
        "requestTime": "$context.requestTime",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integration.latency",
        "error": "$context.error.message",
        "errorType": "$context.error.responseType",
        "xrayTraceId": "$context.xrayTraceId",
    }
)


def preflight_headers(cors: CorsPolicy, methods: list[str]) -> dict[str, str]:
    """The preflight's CORS headers but the origin, as the local gateway sends them."""
    headers = cors.preflight_headers("", methods)
    del headers["Access-Control-Allow-Origin"], headers["Vary"]
    return headers


def preflight_template(cors: CorsPolicy, headers: dict[str, str]) -> str:
    """VTL: the allowed origin echoed with the preflight headers; other origins get none.

    `String.matches` is Java's whole-string match, as Python's `re.fullmatch` is
    locally; the pattern (infra/cors.py) uses only syntax both read alike.
    """
    lines = [
        '#set($origin = $input.params().header.get("Origin"))',
        '#if("$!origin" == "")#set($origin = $input.params().header.get("origin"))#end',
        f'#if("$!origin" != "" && $origin.matches("{cors.pattern()}"))',
        "#set($context.responseOverride.header.Access-Control-Allow-Origin = $origin)",
        *(
            f'#set($context.responseOverride.header.{name} = "{value}")'
            for name, value in headers.items()
        ),
        "#end",
        '#set($context.responseOverride.header.Vary = "Origin")',
    ]
    return "\n".join(lines)


def gateway_cors_headers(cors: CorsPolicy) -> dict[str, str]:
    """CORS headers on API Gateway's own responses (401, 403, 429, 5xx, ...).

    A gateway response can only send a fixed value or a request value: it cannot
    test the Origin. With one allowed origin it names that origin (a page elsewhere
    cannot read it); with several it echoes the request's Origin, which a browser
    only sends to an authorized route after a preflight that allowed it
    (docs/decisions.md, CORS).
    """
    if not cors.origins:
        return {}
    origin = f"'{cors.origins[0]}'" if len(cors.origins) == 1 else "method.request.header.Origin"
    return {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": f"'{','.join(EXPOSE_HEADERS)}'",
        "Vary": "'Origin'",
    }


def path_parameters(path: str) -> list[str]:
    """ "/users/{handle}/follow" -> ["handle"]."""
    return re.findall(r"\{(\w+)\}", path)


class Api(Construct):
    """API Gateway REST API with a Cognito authorizer, throttling, access logs and tracing."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        routes: tuple[Route, ...],
        functions: dict[str, lambda_.IFunction],
        user_pool: cognito.IUserPool,
        stage: str,
        throttle_rate: float,
        throttle_burst: int,
        log_retention: logs.RetentionDays,
        cors: CorsPolicy | None = None,
        waf: bool = False,
    ) -> None:
        super().__init__(scope, construct_id)
        self.cors = cors or CorsPolicy()
        access_logs = logs.LogGroup(
            self, "AccessLogs", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.rest_api = apigw.RestApi(
            self,
            "RestApi",
            rest_api_name=f"photogram-{stage}",
            description="Photogram's HTTPS JSON API",
            endpoint_types=[apigw.EndpointType.REGIONAL],
            # Execution logging needs API Gateway's account-wide CloudWatch role. It is
            # kept on `cdk destroy`: other APIs in the account and region rely on it.
            cloud_watch_role=True,
            cloud_watch_role_removal_policy=RemovalPolicy.RETAIN,
            deploy_options=apigw.StageOptions(
                stage_name=stage,
                throttling_rate_limit=throttle_rate,
                throttling_burst_limit=throttle_burst,
                access_log_destination=apigw.LogGroupLogDestination(access_logs),
                access_log_format=apigw.AccessLogFormat.custom(ACCESS_LOG_FORMAT),
                tracing_enabled=True,
                metrics_enabled=True,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                # Full request/response logging would write users' data to the logs.
                data_trace_enabled=False,
            ),
        )
        # The stack outputs the URL as ApiUrl; drop CDK's own, generated-name copy.
        self.rest_api.node.try_remove_child("Endpoint")
        role = self.rest_api.node.find_child("CloudWatchRole")
        push_to_logs = iam.ManagedPolicy.from_aws_managed_policy_name(
            "service-role/AmazonAPIGatewayPushToCloudWatchLogs"
        )
        nag.acknowledge(
            role,
            f"AwsSolutions-IAM4[Policy::{nag.finding_text(self, push_to_logs.managed_policy_arn)}]",
            "The AWS-managed policy made for API Gateway's account-level logging role, "
            "assumable by apigateway.amazonaws.com only; AWS keeps it current.",
        )
        if not waf:
            nag.acknowledge(
                self.rest_api.deployment_stage,
                "AwsSolutions-APIG3",
                "No WAF unless context waf=true: a web ACL costs at least $5/month plus $1 "
                "per rule while idle. The stage is throttled, every route but /health needs "
                "a Cognito token, and the functions limit each account's writes.",
            )
        # Parameters are checked here; bodies by the handlers' pydantic models, which
        # also generate the OpenAPI contract (API Gateway models would be a second,
        # drifting copy of it).
        self.validator = self.rest_api.add_request_validator(
            "ParameterValidator",
            validate_request_parameters=True,
            validate_request_body=False,
        )
        nag.acknowledge(
            self.rest_api,
            "AwsSolutions-APIG2",
            "Request parameters are validated by API Gateway; request bodies are validated "
            "by the handlers against the pydantic models that define the OpenAPI contract, "
            "answering 422 with field errors in Photogram's envelope.",
        )
        for response in ERROR_RESPONSES:
            self.rest_api.add_gateway_response(
                f"{response.code.title().replace('_', '')}Response",
                type=apigw.ResponseType.of(response.type),
                status_code=response.status,
                templates={"application/json": error_template(response)},
                response_headers={
                    **gateway_cors_headers(self.cors),
                    **{name: f"'{value}'" for name, value in response.headers},
                }
                or None,
            )

        # Created only if a route needs it: an authorizer no method uses fails synthesis.
        self.authorizer = (
            apigw.CognitoUserPoolsAuthorizer(
                self,
                "Authorizer",
                cognito_user_pools=[user_pool],
                identity_source=apigw.IdentitySource.header("Authorization"),
            )
            if any(route.authorized for route in routes)
            else None
        )
        self.methods: dict[tuple[str, str], apigw.Method] = {}
        for route in routes:
            self.methods[(route.method, route.path)] = self._method(route, functions)
        if self.cors.origins:
            methods_by_path: dict[str, list[str]] = {}
            for route in routes:
                methods_by_path.setdefault(route.path, []).append(route.method)
            for path, methods in methods_by_path.items():
                self._preflight(path, methods)

    def _preflight(self, path: str, methods: list[str]) -> None:
        """OPTIONS on `path`: answered by API Gateway itself (a mock integration, no
        authorizer, no function), with CORS headers only for an allowed origin."""
        headers = preflight_headers(self.cors, methods)
        integration = apigw.MockIntegration(
            request_templates={"application/json": '{"statusCode": 204}'},
            integration_responses=[
                apigw.IntegrationResponse(
                    status_code="204",
                    response_templates={"application/json": preflight_template(self.cors, headers)},
                )
            ],
        )
        method = self.rest_api.root.resource_for_path(path).add_method(
            "OPTIONS",
            integration,
            authorization_type=apigw.AuthorizationType.NONE,
            method_responses=[
                apigw.MethodResponse(
                    status_code="204",
                    response_parameters={
                        f"method.response.header.{name}": False for name in [*headers, "Vary"]
                    },
                )
            ],
        )
        reason = (
            f"OPTIONS {path} is the CORS preflight: browsers send it without credentials, "
            "and API Gateway answers it itself (a mock integration), reaching no function."
        )
        nag.acknowledge(method, "AwsSolutions-APIG4", reason)
        nag.acknowledge(method, "AwsSolutions-COG4", reason)

    def _method(self, route: Route, functions: dict[str, lambda_.IFunction]) -> apigw.Method:
        try:
            function = functions[route.function]
        except KeyError:
            raise ValueError(
                f"{route.method} {route.path} names function {route.function!r}, "
                "which FUNCTIONS does not declare"
            ) from None
        resource = self.rest_api.root.resource_for_path(route.path)
        integration = apigw.LambdaIntegration(function, proxy=True, allow_test_invoke=False)
        parameters = {f"method.request.path.{name}": True for name in path_parameters(route.path)}
        method = resource.add_method(
            route.method,
            integration,
            authorization_type=(
                apigw.AuthorizationType.COGNITO
                if route.authorized
                else apigw.AuthorizationType.NONE
            ),
            authorizer=self.authorizer if route.authorized else None,
            request_parameters=parameters or None,
            request_validator=self.validator,
        )
        if not route.authorized:
            reason = (
                f"{route.method} {route.path} is public by design: infra/routes.py declares it "
                "authorized=False, and that table is where a public route is reviewed."
            )
            nag.acknowledge(method, "AwsSolutions-APIG4", reason)
            nag.acknowledge(method, "AwsSolutions-COG4", reason)
        return method
