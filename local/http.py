"""The local API Gateway: route table → REST proxy event → handler → HTTP response.

For each request it does what API Gateway does in front of Photogram's functions:
finds the route (the same table CDK deploys), runs the Cognito authorizer on
authorized routes, builds the REST API proxy event (v1) with the authorizer
claims, invokes the function, and turns its result into the HTTP response.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from werkzeug.datastructures import Headers
from werkzeug.exceptions import ClientDisconnected
from werkzeug.wrappers import Request, Response

from infra.cors import EXPOSE_HEADERS, CorsPolicy
from infra.routes import ROUTES, Route
from local.auth import CognitoAuthorizer
from local.lambdas import ACCOUNT_ID, FunctionPool
from photogram.errors import PhotogramError

logger = logging.getLogger("photogram.local")
STAGE = "local"
# API Gateway's own payload limit.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
_TEXT_TYPES = ("application/json", "text/", "application/x-www-form-urlencoded")


def envelope(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response:
    body = json.dumps({"error": {"code": code, "message": message}})
    return Response(body, status=status, headers=headers, content_type="application/json")


@dataclass(frozen=True)
class CompiledRoute:
    route: Route
    pattern: re.Pattern[str]


def compile_routes(routes: Iterable[Route]) -> list[CompiledRoute]:
    compiled = []
    for route in routes:
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(route.path))
        compiled.append(CompiledRoute(route, re.compile(f"^{regex}$")))
    return compiled


def _multi(
    pairs: Iterable[tuple[str, str]],
) -> tuple[dict[str, str] | None, dict[str, list[str]] | None]:
    single: dict[str, str] = {}
    multi: dict[str, list[str]] = {}
    for key, value in pairs:
        single[key] = value
        multi.setdefault(key, []).append(value)
    return (single or None), (multi or None)


def proxy_event(
    request: Request,
    route: Route,
    path_params: dict[str, str],
    claims: dict[str, str] | None,
    request_id: str,
) -> dict[str, Any]:
    """The API Gateway REST proxy event (payload v1) for `request`."""
    headers, multi_headers = _multi(request.headers.items())
    query, multi_query = _multi(request.args.items(multi=True))
    raw = request.get_data(cache=True)
    content_type = request.headers.get("Content-Type", "")
    body: str | None = None
    is_base64 = False
    if raw:
        try:
            if not any(t in content_type for t in _TEXT_TYPES) and content_type:
                raise UnicodeDecodeError("binary", b"", 0, 1, "binary content type")
            body = raw.decode("utf-8")
        except UnicodeDecodeError:
            body, is_base64 = base64.b64encode(raw).decode(), True
    now = datetime.now(UTC)
    context: dict[str, Any] = {
        "accountId": ACCOUNT_ID,
        "apiId": "local",
        "domainName": request.host,
        "extendedRequestId": request_id,
        "httpMethod": request.method,
        "identity": {
            "sourceIp": request.remote_addr or "127.0.0.1",
            "userAgent": request.user_agent.string,
        },
        "path": f"/{STAGE}{request.path}",
        "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
        "requestId": request_id,
        "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "requestTimeEpoch": int(now.timestamp() * 1000),
        "resourceId": route.path,
        "resourcePath": route.path,
        "stage": STAGE,
    }
    if claims is not None:
        context["authorizer"] = {"claims": claims}
    return {
        "resource": route.path,
        "path": request.path,
        "httpMethod": request.method,
        "headers": headers,
        "multiValueHeaders": multi_headers,
        "queryStringParameters": query,
        "multiValueQueryStringParameters": multi_query,
        "pathParameters": path_params or None,
        "stageVariables": None,
        "requestContext": context,
        "body": body,
        "isBase64Encoded": is_base64,
    }


class FunctionResponse(Response):
    """A function's own answer, as opposed to one the gateway made."""


def to_response(result: dict[str, Any]) -> Response:
    headers = Headers()
    for key, value in (result.get("headers") or {}).items():
        headers[key] = value
    for key, values in (result.get("multiValueHeaders") or {}).items():
        headers.remove(key)
        for value in values:
            headers.add(key, value)
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    return FunctionResponse(data, status=int(result.get("statusCode", 200)), headers=headers)


class GatewayApp:
    """The WSGI application standing in for API Gateway (plus /docs locally)."""

    def __init__(
        self,
        *,
        pools: dict[str, FunctionPool],
        authorizer: CognitoAuthorizer,
        cors: CorsPolicy | None = None,
        extra: dict[str, Callable[[Request], Response]] | None = None,
        admin: dict[str, Callable[[Request], Response]] | None = None,
        services: dict[str, Callable[[Request], Response]] | None = None,
        endpoint: Any = None,
        log: Callable[[str], None] | None = None,
    ) -> None:
        self._routes = compile_routes(ROUTES)
        self._pools = pools
        self._authorizer = authorizer
        self._cors = cors or CorsPolicy()
        self._extra = extra or {}
        # Local-only controls (any method, exact path), such as the clock.
        self._admin = admin or {}
        # AWS APIs reached with IAM, not the app's tokens, by path prefix (any method):
        # the live connections' management API (local/live.py).
        self._services = services or {}
        # The local SageMaker runtime (local/sagemaker.py): not behind the authorizer,
        # as SageMaker's own endpoint is reached with IAM, not the app's tokens.
        self._endpoint = endpoint
        self._log = log

    def _match(self, path: str, method: str) -> tuple[Route | None, dict[str, str], list[str]]:
        allowed: list[str] = []
        for compiled in self._routes:
            found = compiled.pattern.match(path)
            if not found:
                continue
            if compiled.route.method == method:
                # request.path is decoded once already, as API Gateway decodes it.
                params = dict(found.groupdict())
                return compiled.route, params, []
            allowed.append(compiled.route.method)
        return None, {}, allowed

    def dispatch(self, request: Request) -> Response:
        if self._endpoint is not None and self._endpoint.matches(request):
            return cast(Response, self._endpoint(request))
        if request.path in self._admin:
            return self._admin[request.path](request)
        for prefix, serve_service in self._services.items():
            if request.path.startswith(prefix):
                return serve_service(request)
        if request.method in ("GET", "HEAD"):
            for path, serve in self._extra.items():
                if request.path == path or (path.endswith("/") and request.path.startswith(path)):
                    return serve(request)
        route, params, allowed = self._match(request.path, request.method)
        if route is None and allowed and request.method == "OPTIONS" and self._cors.origins:
            return self._preflight(request, allowed)
        try:
            response = self._dispatch_route(request, route, params, allowed)
        except Exception:  # the gateway answers 500 when the integration fails
            logger.exception("integration failed: %s %s", request.method, request.path)
            response = envelope(500, "internal", "Something went wrong on our side.")
        if not isinstance(response, FunctionResponse):
            # API Gateway's gateway responses carry CORS headers (infra/api.py); a
            # function's own answers carry those it added itself (photogram.api).
            origin = request.headers.get("Origin")
            response.headers.update(self._cors.response_headers(origin, EXPOSE_HEADERS))
        return response

    def _preflight(self, request: Request, methods: list[str]) -> Response:
        """API Gateway's OPTIONS method on every resource: a mock integration that
        answers 204, with CORS headers only for an allowed origin."""
        origin = request.headers.get("Origin")
        headers = {"Vary": "Origin"}
        if self._cors.allows(origin):
            headers = self._cors.preflight_headers(str(origin), methods)
        return Response(status=204, headers=headers)

    def _dispatch_route(
        self, request: Request, route: Route | None, params: dict[str, str], allowed: list[str]
    ) -> Response:
        if route is None:
            if allowed:
                return envelope(
                    405,
                    "method_not_allowed",
                    f"{request.method} is not allowed here.",
                    headers={"Allow": ", ".join(sorted(set(allowed)))},
                )
            return envelope(
                404, "route_not_found", f"No route for {request.method} {request.path}."
            )
        if (request.content_length or 0) > MAX_PAYLOAD_BYTES:
            return envelope(413, "payload_too_large", "The request body is too large.")
        # A chunked body has no Content-Length: read one byte past the cap to tell.
        request.max_content_length = MAX_PAYLOAD_BYTES + 1
        try:
            data = request.get_data(cache=True)
        except (ClientDisconnected, OSError):  # cut short, or a malformed chunk header
            return envelope(400, "bad_request", "The request body could not be read.")
        if len(data) > MAX_PAYLOAD_BYTES:
            return envelope(413, "payload_too_large", "The request body is too large.")
        claims = None
        if route.authorized:
            try:
                claims = self._authorizer.authorize(request.headers.get("Authorization"))
            except PhotogramError as error:
                return envelope(error.status, error.code, error.message)
        request_id = str(uuid.uuid4())
        event = proxy_event(request, route, params, claims, request_id)
        result = self._pools[route.function].invoke(event)
        response = to_response(result)
        response.headers.setdefault("x-amzn-RequestId", request_id)
        return response

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        started = time.perf_counter()
        request = Request(environ)
        response = self.dispatch(request)
        if self._log:
            took = (time.perf_counter() - started) * 1000
            path = request.full_path.rstrip("?")
            self._log(f"{request.method} {path} {response.status_code} {took:.1f} ms")
        return response(environ, start_response)
