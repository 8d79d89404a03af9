"""The local stand-in for API Gateway's WebSocket API (moto has only its control plane:
its `post_to_connection` accepts any id and keeps the bytes, docs/decisions.md §41).

- A WebSocket server on the `websockets` package, in a thread with its own event
  loop, on its own port. The handshake runs the declared $connect authorizer
  (infra/routes.py SOCKET_AUTHORIZER) with API Gateway's REQUEST authorizer event
  (401 when it refuses), then the $connect route; a non-2xx answer refuses the
  handshake with that status, as API Gateway does.
- Each client message is routed by its JSON `action` (SOCKET_ROUTE_SELECTION) to the
  declared route, else `$default`; a close runs `$disconnect`. Every event has API
  Gateway's shape, with the authorizer's context in it.
- The management API (`POST/GET/DELETE /{stage}/@connections/{id}`), served by the
  local HTTP gateway under MANAGEMENT_PREFIX, so handlers send with
  `boto3.client("apigatewaymanagementapi", endpoint_url=...)` unchanged. An unknown,
  closed or still-handshaking connection answers 410 GoneException, as on AWS.
- API Gateway's limits: messages over 128 KB close the connection (1009), 10 minutes
  without a client message or 2 hours in all close it (1001).
"""

from __future__ import annotations

import asyncio
import base64
import json
import logging
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request as WsRequest
from websockets.http11 import Response as WsResponse
from werkzeug.wrappers import Request, Response

from infra.routes import (
    SOCKET_AUTHORIZER,
    SOCKET_IDLE_SECONDS,
    SOCKET_LIFETIME_SECONDS,
    SOCKET_MESSAGE_MAX_BYTES,
    SOCKET_ROUTES,
)
from local.lambdas import ACCOUNT_ID, FunctionPool
from local.runtime import PortInUse

logger = logging.getLogger("photogram.local")
MANAGEMENT_PREFIX = "/_live/"
LIVE_STAGE = "local"
API_ID = "localws"
# How long a management POST waits for the socket to take the message.
SEND_WAIT_SECONDS = 2.0


@dataclass(frozen=True)
class Limits:
    message_max_bytes: int = SOCKET_MESSAGE_MAX_BYTES
    idle_seconds: float = SOCKET_IDLE_SECONDS
    lifetime_seconds: float = SOCKET_LIFETIME_SECONDS
    # How often the limits are checked.
    check_seconds: float = 1.0


@dataclass
class Connection:
    connection_id: str
    socket: ServerConnection | None
    authorizer: dict[str, Any]
    source_ip: str
    user_agent: str
    connected_at: float = field(default_factory=time.time)
    last_active_at: float = field(default_factory=time.time)
    opened: float = field(default_factory=time.monotonic)
    active: float = field(default_factory=time.monotonic)


def _connection_id() -> str:
    # API Gateway's ids are 16 characters of base64 (10 random bytes).
    return base64.urlsafe_b64encode(secrets.token_bytes(10)).decode()


def _request_time(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%d/%b/%Y:%H:%M:%S +0000")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


class LiveGateway:
    def __init__(
        self,
        *,
        pools: dict[str, FunctionPool],
        region: str,
        host: str = "127.0.0.1",
        port: int = 0,
        stage: str = LIVE_STAGE,
        limits: Limits = Limits(),
    ) -> None:
        self._pools, self.region, self.host, self.stage = pools, region, host, stage
        self.limits = limits
        self._routes = {r.key: r.function for r in SOCKET_ROUTES}
        self._actions = {key for key in self._routes if not key.startswith("$")}
        self._connections: dict[str, Connection] = {}
        # Connections whose handshake has not finished: the management API answers 410.
        self._pending: dict[int, Connection] = {}
        self._lock = threading.Lock()
        self._port = port
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="live-gateway", daemon=True)
        self._server: Server | None = None
        self.port = 0

    # --- lifecycle --------------------------------------------------------------------

    def start(self) -> LiveGateway:
        self._thread.start()
        if not self._ready.wait(10) or self._server is None:
            raise PortInUse(
                f"The live gateway could not listen on {self.host}:{self._port} (is `make dev` "
                f"already running?). Choose another port: PHOTOGRAM_LIVE_PORT={self._port + 1}"
            )
        return self

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}"

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._open())
        except OSError:
            logger.exception("the live gateway could not listen")
            return
        self._ready.set()
        self._loop.run_forever()

    async def _open(self) -> None:
        self._server = await serve(
            self._serve,
            self.host,
            self._port,
            process_request=self._handshake,
            max_size=self.limits.message_max_bytes,
            # API Gateway sends no keepalive pings: clients keep a connection alive with
            # their own messages, and so must they here.
            ping_interval=None,
            compression=None,
            server_header=None,
            # API Gateway's integration timeout bounds the authorizer and $connect (29 s).
            open_timeout=29,
        )
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        self._watcher = self._loop.create_task(self._watch_limits())

    def stop(self) -> None:
        if self._server is None:
            return

        async def close() -> None:
            assert self._server is not None
            self._watcher.cancel()
            self._server.close()
            await self._server.wait_closed()

        try:
            asyncio.run_coroutine_threadsafe(close(), self._loop).result(5)
        except (TimeoutError, RuntimeError):
            logger.warning("the live gateway did not close in time")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    # --- events in API Gateway's shapes -------------------------------------------------

    def _context(
        self, connection: Connection, route_key: str, event_type: str, **extra: Any
    ) -> dict[str, Any]:
        now = time.time()
        context = {
            "routeKey": route_key,
            "eventType": event_type,
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": _request_time(now),
            "messageDirection": "IN",
            "stage": self.stage,
            "connectedAt": int(connection.connected_at * 1000),
            "requestTimeEpoch": int(now * 1000),
            "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
            "requestId": str(uuid.uuid4()),
            "domainName": f"{self.host}:{self.port}",
            "connectionId": connection.connection_id,
            "apiId": API_ID,
            **extra,
        }
        if connection.authorizer:
            context["authorizer"] = connection.authorizer
        return context

    def _method_arn(self) -> str:
        return f"arn:aws:execute-api:{self.region}:{ACCOUNT_ID}:{API_ID}/{self.stage}/$connect"

    def authorizer_event(
        self, connection: Connection, headers: dict[str, str], query: dict[str, list[str]]
    ) -> dict[str, Any]:
        """A REQUEST authorizer's event on $connect."""
        return {
            "type": "REQUEST",
            "methodArn": self._method_arn(),
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in query.items()},
            "multiValueQueryStringParameters": query,
            "stageVariables": {},
            "requestContext": self._context(connection, "$connect", "CONNECT"),
        }

    def connect_event(
        self, connection: Connection, headers: dict[str, str], query: dict[str, list[str]]
    ) -> dict[str, Any]:
        return {
            "headers": headers,
            "multiValueHeaders": {k: [v] for k, v in headers.items()},
            "queryStringParameters": {k: v[-1] for k, v in query.items()},
            "multiValueQueryStringParameters": query,
            "requestContext": self._context(connection, "$connect", "CONNECT"),
            "isBase64Encoded": False,
        }

    def message_event(
        self, connection: Connection, route: str, body: str, *, encoded: bool = False
    ) -> dict[str, Any]:
        return {
            "requestContext": self._context(
                connection, route, "MESSAGE", messageId=str(uuid.uuid4())
            ),
            "body": body,
            "isBase64Encoded": encoded,
        }

    def disconnect_event(self, connection: Connection, code: int, reason: str) -> dict[str, Any]:
        return {
            "headers": {},
            "requestContext": self._context(
                connection,
                "$disconnect",
                "DISCONNECT",
                disconnectStatusCode=code,
                disconnectReason=reason,
            ),
            "isBase64Encoded": False,
        }

    async def _invoke(self, function: str, event: dict[str, Any]) -> Any:
        return await self._loop.run_in_executor(None, self._pools[function].invoke, event)

    # --- the handshake: authorizer, then $connect ---------------------------------------

    async def _handshake(self, socket: ServerConnection, request: WsRequest) -> WsResponse | None:
        query = parse_qs(urlsplit(request.path).query)
        headers = dict(request.headers.raw_items())
        remote = socket.remote_address
        connection = Connection(
            connection_id=_connection_id(),
            socket=None,
            authorizer={},
            source_ip=str(remote[0]) if remote else "127.0.0.1",
            user_agent=request.headers.get("User-Agent", ""),
        )
        authorizer_event = self.authorizer_event(connection, headers, query)
        started = time.perf_counter()
        try:
            decision = await self._invoke(SOCKET_AUTHORIZER, authorizer_event)
        except Exception as error:  # the authorizer refused (it raises "Unauthorized")
            status = 401 if str(error) == "Unauthorized" else 500
            return self._refuse(socket, status, "Unauthorized" if status == 401 else "Internal")
        if not _allows(decision):
            return self._refuse(socket, 403, "Forbidden")
        connection.authorizer = {
            **{k: v for k, v in (decision.get("context") or {}).items()},
            "principalId": decision["principalId"],
            "integrationLatency": int((time.perf_counter() - started) * 1000),
        }
        connect_event = self.connect_event(connection, headers, query)
        with self._lock:
            self._pending[id(socket)] = connection
        try:
            answer = await self._invoke(self._routes["$connect"], connect_event) or {}
        except Exception:  # the integration failed: API Gateway refuses the handshake
            logger.exception("$connect failed")
            answer = {"statusCode": 500}
        status = int(answer.get("statusCode", 200))
        if not 200 <= status < 300:
            with self._lock:
                self._pending.pop(id(socket), None)
            response = socket.respond(status, str(answer.get("body") or ""))
            response.headers["Content-Type"] = "application/json"
            return response
        return None

    def _refuse(self, socket: ServerConnection, status: int, message: str) -> WsResponse:
        response = socket.respond(status, json.dumps({"message": message}))
        response.headers["Content-Type"] = "application/json"
        if status == 401:
            response.headers["x-amzn-ErrorType"] = "UnauthorizedException"
        return response

    # --- an open connection ------------------------------------------------------------

    async def _serve(self, socket: ServerConnection) -> None:
        with self._lock:
            connection = self._pending.pop(id(socket))
            connection.socket = socket
            self._connections[connection.connection_id] = connection
        try:
            async for message in socket:
                connection.active = time.monotonic()
                connection.last_active_at = time.time()
                await self._on_message(connection, message)
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._connections.pop(connection.connection_id, None)
            event = self.disconnect_event(
                connection, socket.close_code or 1006, socket.close_reason or ""
            )
            try:
                await self._invoke(self._routes["$disconnect"], event)
            except Exception:  # best-effort, as on AWS: the item's TTL or a 410 cleans up
                logger.exception("$disconnect failed")

    async def _on_message(self, connection: Connection, message: str | bytes) -> None:
        route = "$default"
        if isinstance(message, str):
            body, encoded = message, False
            try:
                parsed = json.loads(message)
            except ValueError:
                parsed = None
            action = parsed.get("action") if isinstance(parsed, dict) else None
            if isinstance(action, str) and action in self._actions:
                route = action
        else:
            body, encoded = base64.b64encode(message).decode(), True
        event = self.message_event(connection, route, body, encoded=encoded)
        try:
            await self._invoke(self._routes[route], event)
        except Exception:  # the integration failed; API Gateway keeps the connection open
            logger.exception("route %s failed", route)

    async def _watch_limits(self) -> None:
        while True:
            await asyncio.sleep(self.limits.check_seconds)
            now = time.monotonic()
            with self._lock:
                open_now = list(self._connections.values())
            for connection in open_now:
                idle = now - connection.active > self.limits.idle_seconds
                old = now - connection.opened > self.limits.lifetime_seconds
                if (idle or old) and connection.socket is not None:
                    # API Gateway's close for both: 1001 "Going away".
                    self._loop.create_task(connection.socket.close(1001, "Going away"))

    # --- the management API ----------------------------------------------------------

    def _find(self, connection_id: str) -> Connection | None:
        with self._lock:
            return self._connections.get(connection_id)

    def management(self, request: Request) -> Response:
        """`/_live/{stage}/@connections/{connection_id}`: POST sends the body as one
        message, GET describes the connection, DELETE closes it."""
        parts = request.path.removeprefix(MANAGEMENT_PREFIX).split("/")
        if len(parts) != 3 or parts[0] != self.stage or parts[1] != "@connections":
            return _aws_error(404, "NotFoundException", "No such resource.")
        connection = self._find(parts[2])
        if connection is None or connection.socket is None:
            return _aws_error(410, "GoneException", "The connection is not open.")
        socket = connection.socket
        if request.method == "POST":
            data = request.get_data()
            if len(data) > self.limits.message_max_bytes:
                return _aws_error(413, "PayloadTooLargeException", "The message is over 128 KB.")
            try:
                frame: str | bytes = data.decode()
            except UnicodeDecodeError:
                frame = data
            sending = asyncio.run_coroutine_threadsafe(socket.send(frame), self._loop)
            try:
                sending.result(SEND_WAIT_SECONDS)
            except ConnectionClosed:
                return _aws_error(410, "GoneException", "The connection is not open.")
            except TimeoutError:
                # A client that stops reading: API Gateway accepts the message at once
                # and delivers it when it can; so does this (the send stays queued).
                pass
            return Response(status=200)
        if request.method == "GET":
            # The wire names of API Gateway's GetConnection (botocore's service model).
            body = {
                "connectedAt": _iso(connection.connected_at),
                "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent},
                "lastActiveAt": _iso(connection.last_active_at),
            }
            return Response(json.dumps(body), status=200, content_type="application/json")
        if request.method == "DELETE":
            # Answered at once, as API Gateway does; the close handshake follows.
            asyncio.run_coroutine_threadsafe(socket.close(1000, "Closed by the server"), self._loop)
            return Response(status=204)
        return _aws_error(405, "MethodNotAllowed", "POST, GET or DELETE.")


def _allows(decision: Any) -> bool:
    if not isinstance(decision, dict) or "principalId" not in decision:
        return False
    statements = (decision.get("policyDocument") or {}).get("Statement") or []
    return any(s.get("Effect") == "Allow" for s in statements) and not any(
        s.get("Effect") == "Deny" for s in statements
    )


def _aws_error(status: int, error_type: str, message: str) -> Response:
    # botocore reads the error code of a rest-json service from this header.
    return Response(
        json.dumps({"message": message}),
        status=status,
        content_type="application/json",
        headers={"x-amzn-ErrorType": error_type},
    )
