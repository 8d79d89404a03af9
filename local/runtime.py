"""The whole system in one process: moto, the declared resources, the functions and
the API Gateway stand-in. Used by `make dev`, the tests and the benchmarks."""

from __future__ import annotations

import json
import logging
import os
import re
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

from local import config as local_config
from local.config import LocalConfig

# Credentials moto accepts; nothing here ever reaches AWS.
_FAKE_AWS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
}

logger = logging.getLogger("photogram.local")
# The local clock control (GET / POST), beside the API; `python -m local.clock`.
CLOCK_PATH = "/_local/clock"
REINDEX_PATH = "/_local/reindex"


def _json(body: dict[str, Any], status: int) -> Response:
    return Response(json.dumps(body), status=status, content_type="application/json")


class PortInUse(SystemExit):
    pass


class GatewayRequestHandler(WSGIRequestHandler):
    """The HTTP server's own refusals, made before the gateway sees a request (a request
    line over 64 KB, too many or too long headers, a malformed request line), in the
    envelope every other answer has rather than http.server's HTML page."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        status = HTTPStatus(code)
        error = {"code": re.sub(r"\W+", "_", status.phrase.lower()), "message": status.phrase + "."}
        body = json.dumps({"error": error}).encode()
        self.log_error("code %d, message %s", code, message)
        self.send_response(code, status.phrase)
        self.send_header("Connection", "close")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if getattr(self, "command", "") != "HEAD":
            self.wfile.write(body)


def _bind(host: str, port: int, app: Any) -> BaseWSGIServer:
    try:
        return make_server(host, port, app, threaded=True, request_handler=GatewayRequestHandler)
    except OSError as exc:
        raise PortInUse(
            f"Port {port} on {host} is in use (is `make dev` already running?). "
            f"Stop the other process or choose another port: PHOTOGRAM_API_PORT={port + 1} make dev"
        ) from exc


def _quiet_logs() -> None:
    for name in ("werkzeug", "botocore", "boto3", "urllib3", "moto"):
        logging.getLogger(name).setLevel(logging.ERROR)
    # moto's States engine logs every failed state (with its whole parse tree) at ERROR;
    # a failing step is already logged by the step itself.
    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)


@dataclass
class LocalRuntime:
    config: LocalConfig = field(default_factory=LocalConfig.from_env)
    state_file: Path | None = local_config.LOCAL_JSON
    access_log: bool = False
    info: dict[str, Any] = field(default_factory=dict)
    ready_seconds: float = 0.0
    # How far `POST /_local/clock` has moved the domain clock ahead of real time.
    clock_offset: timedelta = timedelta(0)

    def start(self) -> LocalRuntime:
        started = time.perf_counter()
        _quiet_logs()
        # The gateway is bound first so a busy port fails before anything else starts.
        gateway_holder: dict[str, Any] = {}

        def late_app(environ: dict[str, Any], start_response: Any) -> Any:
            return gateway_holder["app"](environ, start_response)

        self._api_server = _bind(self.config.api_host, self.config.api_port, late_app)
        api_port = self._api_server.server_address[1]

        for key, value in _FAKE_AWS.items():
            os.environ.setdefault(key, value)
        os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = self.config.region

        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )

        from infra.resources import RESOURCES
        from local import cognito, moto_patches
        from local.s3_post import PostPolicyGate

        moto_patches.apply()
        # Cognito as the apps need it: SRP that checks the password, refresh and revoke.
        cognito.apply()
        # moto's own server app, behind the S3 POST-policy checks moto leaves out.
        moto_app = PostPolicyGate(
            DomainDispatcherApplication(create_backend_app),
            buckets={b.local_name for b in RESOURCES.buckets},
            secrets={_FAKE_AWS["AWS_ACCESS_KEY_ID"]: _FAKE_AWS["AWS_SECRET_ACCESS_KEY"]},
        )
        self._moto = make_server(
            "127.0.0.1",
            self.config.moto_port,
            moto_app,
            threaded=True,
            request_handler=MotoRequestHandler,
        )
        self._moto_thread = threading.Thread(target=self._moto.serve_forever, daemon=True)
        self._moto_thread.start()
        endpoint = f"http://127.0.0.1:{self._moto.server_address[1]}"
        os.environ["AWS_ENDPOINT_URL"] = endpoint

        from local.resources import create_all

        cors = self.config.cors()
        created = create_all(endpoint, self.config.region, cors=cors)

        from infra import environment as env_names
        from local import lambdas
        from local.live import LIVE_STAGE, MANAGEMENT_PREFIX
        from local.sagemaker import LocalEndpoint
        from local.search import LocalSearch

        self.ranker_endpoint = LocalEndpoint()
        self.search = LocalSearch.start()
        api_base = f"http://{self.config.api_host}:{api_port}"
        self.user_pool_env = {
            env_names.USER_POOL_ID_ENV_VAR: created.user_pool_id,
            env_names.USER_POOL_CLIENT_ID_ENV_VAR: created.user_pool_client_id,
            env_names.USER_POOL_REGION_ENV_VAR: self.config.region,
            "PHOTOGRAM_JWKS_URL": f"{endpoint}/{created.user_pool_id}/.well-known/jwks.json",
        }
        # The management API of the live gateway, served by the API server below.
        self.live_endpoint = f"{api_base}{MANAGEMENT_PREFIX}{LIVE_STAGE}"
        os.environ.update(
            lambdas.function_environment(
                created.function_env(),
                self.config.log_level,
                cdn_base_url=f"{api_base}/cdn",
                search=self.search.env,
                user_pool=self.user_pool_env,
                live_endpoint=self.live_endpoint,
            )
        )
        # The feed ranks with the trained model through the local SageMaker runtime.
        os.environ.update(
            {
                # As CDK sets them (infra/stack.py), from the same declaration.
                **cors.function_env(),
                "PHOTOGRAM_RANKER": "sagemaker",
                "PHOTOGRAM_RANKER_ENDPOINT": self.ranker_endpoint.name,
                "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": f"http://127.0.0.1:{api_port}",
            }
        )
        from photogram.settings import settings

        settings.cache_clear()
        self.search.prepare()

        from infra.resources import MEDIA
        from local import cdn
        from local.auth import CognitoAuthorizer
        from local.http import GatewayApp

        authorizer = CognitoAuthorizer(
            jwks_url=f"{endpoint}/{created.user_pool_id}/.well-known/jwks.json",
            region=self.config.region,
            user_pool_id=created.user_pool_id,
            client_id=created.user_pool_client_id,
        )
        self.pools = lambdas.pools(self.config.region, self.config.max_instances)
        for pool in self.pools.values():
            pool.prewarm()
        from local.live import LiveGateway

        self.live = LiveGateway(
            pools=self.pools,
            region=self.config.region,
            host=self.config.api_host,
            port=self.config.live_port,
            stage=LIVE_STAGE,
        ).start()
        gateway_holder["app"] = GatewayApp(
            pools=self.pools,
            authorizer=authorizer,
            cors=cors,
            extra=self._docs_routes()
            | {
                cdn.PREFIX: cdn.handler(
                    self._s3(endpoint), MEDIA.local_name, cors, created.cdn_public_keys
                )
            },
            admin={CLOCK_PATH: self._clock_route, REINDEX_PATH: self._reindex_route},
            services={MANAGEMENT_PREFIX: self.live.management},
            endpoint=self.ranker_endpoint,
            log=(lambda line: print(line, flush=True)) if self.access_log else None,
        )
        from infra.routes import FUNCTIONS
        from local.streams import StreamPoller

        self.streams = StreamPoller(
            endpoint=endpoint,
            region=self.config.region,
            stream_arn=created.table_stream_arn,
            consumers=[
                (self.pools[f.name], f.stream_batch_size) for f in FUNCTIONS if f.stream_batch_size
            ],
        )
        self.streams.start()
        from infra.resources import TABLE
        from local.ttl import TtlSweeper

        self.ttl = TtlSweeper(
            table_name=created.table_name, region=self.config.region, attribute=TABLE.ttl_attribute
        )
        self.ttl.start()
        from local.workflows import Workflows

        self.workflows = Workflows(endpoint=endpoint, region=self.config.region, pools=self.pools)
        self.workflows.start()
        self._api_thread = threading.Thread(target=self._api_server.serve_forever, daemon=True)
        self._api_thread.start()

        api_url = f"http://{self.config.api_host}:{api_port}"
        self.info = {
            "api_url": api_url,
            "docs_url": f"{api_url}/docs",
            "openapi_url": f"{api_url}/openapi.json",
            "aws_endpoint_url": endpoint,
            "region": self.config.region,
            "user_pool_id": created.user_pool_id,
            "user_pool_client_id": created.user_pool_client_id,
            "table_name": created.table_name,
            "table_stream_arn": created.table_stream_arn,
            "cors_origins": list(cors.origins),
            "search": {"engine": self.search.engine, "at": self.search.url},
            "search_env": self.search.env,
            "live_url": self.live.url,
            "live_endpoint": self.live_endpoint,
            "user_pool_env": self.user_pool_env,
            "pid": os.getpid(),
        }
        if self.state_file is not None:
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.info, indent=2) + "\n")
            tmp.replace(self.state_file)
        self.ready_seconds = time.perf_counter() - started
        # Load the ranking model now, after "ready", so the first feed does not wait.
        threading.Thread(target=self.ranker_endpoint.warm, daemon=True).start()
        return self

    def _s3(self, endpoint: str) -> Any:
        import boto3

        return boto3.client("s3", endpoint_url=endpoint, region_name=self.config.region)

    def _reindex_route(self, request: Request) -> Response:
        """POST: rebuild the search indexes from the table (`make reindex`), as the
        search-setup function does on AWS; what was written."""
        if request.method != "POST":
            return _json({"error": {"code": "method_not_allowed", "message": "POST"}}, 405)
        from photogram.adapters.search import search_enabled
        from photogram.search import reindex

        if not search_enabled():
            return _json({"error": {"code": "search_unavailable", "message": "search is off"}}, 503)
        self.streams.wait_idle()
        started = time.perf_counter()
        written = reindex.rebuild()
        return _json({"written": written, "seconds": round(time.perf_counter() - started, 3)}, 200)

    def _clock_route(self, request: Request) -> Response:
        """GET: the domain clock. POST {"advance_seconds": n}: move it forward (never
        back), then sweep expired items at once, as DynamoDB's TTL eventually would."""
        from photogram import clock

        if request.method == "POST":
            body = request.get_json(silent=True) or {}
            seconds = body.get("advance_seconds") if isinstance(body, dict) else None
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds <= 0:
                return _json(
                    {"error": {"code": "invalid_request", "message": "advance_seconds > 0"}}, 400
                )
            self.clock_offset += timedelta(seconds=seconds)
            clock.shift(self.clock_offset)
            self.ttl.sweep()
        elif request.method != "GET":
            return _json({"error": {"code": "method_not_allowed", "message": "GET or POST"}}, 405)
        return _json({"now": clock.iso(), "offset_seconds": self.clock_offset.total_seconds()}, 200)

    def _docs_routes(self) -> dict[str, Any]:
        cache: dict[str, str] = {}

        def spec_json() -> str:
            if "spec" not in cache:
                from local.openapi import as_json, build

                cache["spec"] = as_json(build())
            return cache["spec"]

        def openapi(_: Request) -> Response:
            return Response(spec_json(), content_type="application/json")

        def docs(_: Request) -> Response:
            from local.openapi import swagger_page

            return Response(swagger_page(spec_json()), content_type="text/html; charset=utf-8")

        return {"/openapi.json": openapi, "/docs": docs}

    def stop(self) -> None:
        # First: nothing should find this process through the state file any more.
        if self.state_file is not None and self.state_file.exists():
            try:
                if json.loads(self.state_file.read_text()).get("pid") == os.getpid():
                    self.state_file.unlink()
            except (OSError, ValueError):
                pass
        steps = (
            ("workflows", self.workflows.stop),
            ("stream poller", self.streams.stop),
            ("TTL sweeper", self.ttl.stop),
            ("live gateway", self.live.stop),
            ("API server", self._api_server.shutdown),
            ("API server", self._api_server.server_close),
            ("moto", self._moto.shutdown),
            ("moto", self._moto.server_close),
            ("search engine", self.search.stop),
        )
        for name, step in steps:
            started = time.perf_counter()
            step()
            if time.perf_counter() - started > 2:
                logger.warning("stopping the %s took %.1f s", name, time.perf_counter() - started)

    def __enter__(self) -> LocalRuntime:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) != 0
