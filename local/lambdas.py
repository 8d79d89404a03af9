"""Run the Lambda handlers in-process as Lambda would: one request per instance at a
time, more instances (each a fresh import, a cold start) when requests overlap."""

from __future__ import annotations

import importlib.util
import os
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from infra import environment
from infra.resources import RESOURCES, Resources
from infra.routes import FUNCTIONS, FunctionSpec
from local import powertools_patches

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_ID = "123456789012"


def function_arn(region: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{ACCOUNT_ID}:function:photogram-{name}"


@dataclass
class LambdaContext:
    """The attributes of the Lambda context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    deadline: float
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


class FunctionPool:
    """Warm instances of one function. An instance is a separate import of its
    handler module, so module-level state (the resolver, caches) is never shared by
    two requests in flight, as on Lambda. Powertools' class-level request state is
    and metric state are made per thread (local/powertools_patches.py) for the same
    reason."""

    def __init__(self, spec: FunctionSpec, region: str, max_instances: int) -> None:
        powertools_patches.apply()
        self.spec = spec
        self.region = region
        self._idle: list[ModuleType] = []
        self._count = 0
        self._max = max_instances
        self._lock = threading.Condition()
        self.cold_starts = 0

    def _load(self) -> ModuleType:
        path = ROOT / "functions" / self.spec.folder_name / "handler.py"
        name = f"photogram_fn_{self.spec.name.replace('-', '_')}_{self._count}"
        module_spec = importlib.util.spec_from_file_location(name, path)
        if module_spec is None or module_spec.loader is None:
            raise ImportError(path)
        module = importlib.util.module_from_spec(module_spec)
        # Powertools reads its service name when the handler module builds its Logger.
        os.environ["POWERTOOLS_SERVICE_NAME"] = self.spec.name
        module_spec.loader.exec_module(module)
        self.cold_starts += 1
        return module

    def _acquire(self) -> ModuleType:
        with self._lock:
            while not self._idle and self._count >= self._max:
                self._lock.wait()
            if self._idle:
                return self._idle.pop()
            self._count += 1
        try:
            return self._load()
        except BaseException:
            with self._lock:
                self._count -= 1
                self._lock.notify()
            raise

    def prewarm(self) -> None:
        """Load one instance now, so the first request is not a cold start."""
        self._release(self._acquire())

    def _release(self, module: ModuleType) -> None:
        with self._lock:
            self._idle.append(module)
            self._lock.notify()

    def invoke(self, event: dict[str, Any]) -> Any:
        module = self._acquire()
        try:
            handler: Callable[[dict[str, Any], Any], Any] = getattr(module, self.spec.entry)
            context = LambdaContext(
                function_name=f"photogram-{self.spec.name}",
                memory_limit_in_mb=self.spec.memory_mb,
                invoked_function_arn=function_arn(self.region, self.spec.name),
                aws_request_id=str(uuid.uuid4()),
                deadline=time.monotonic() + self.spec.timeout_seconds,
                log_group_name=f"/aws/lambda/photogram-{self.spec.name}",
            )
            # Its metrics carry this function's name, as POWERTOOLS_SERVICE_NAME does on AWS.
            with powertools_patches.serving(self.spec.name):
                return handler(event, context)
        finally:
            self._release(module)


# What the local runtime adds to every function's environment: moto's S3 on an IP needs
# path-style URLs, and there is no X-Ray daemon. Metrics stay on: their EMF lines go to
# stdout, as they go to the function's log on AWS.
LOCAL_ENVIRONMENT = {
    "PHOTOGRAM_S3_ADDRESSING_STYLE": "path",
    "POWERTOOLS_TRACE_DISABLED": "true",
    "POWERTOOLS_METRICS_DISABLED": "false",
}
# In place of infra/environment.py's AWS_ENVIRONMENT (the same functions and names):
# moto has no Rekognition, so moderation is against the perceptual-hash blocklist.
LOCAL_OVERRIDES: dict[str, dict[str, str]] = {
    "media-moderate": {"PHOTOGRAM_MODERATOR": "blocklist"},
}


def deployed(
    resource_env: dict[str, str],
    cdn_base_url: str,
    resources: Resources = RESOURCES,
    search: dict[str, str] | None = None,
    user_pool: dict[str, str] | None = None,
    live_endpoint: str | None = None,
) -> environment.Deployed:
    """moto's names for the declared resources, from `Created.function_env()`, the
    local search engine's settings (local/search.py), moto's user pool and the local
    live gateway's management endpoint (local/live.py)."""
    return environment.Deployed(
        table=(resources.table.env_var, resource_env[resources.table.env_var]),
        secrets={s.env_var: resource_env[s.env_var] for s in resources.secrets},
        buckets={b.logical_id: (b.env_var, resource_env[b.env_var]) for b in resources.buckets},
        cdn_base_url=cdn_base_url,
        search=search or {},
        user_pool=user_pool or {},
        live_endpoint=live_endpoint,
    )


def environment_of(
    spec: FunctionSpec, names: environment.Deployed, log_level: str = "WARNING"
) -> dict[str, str]:
    """One function's environment locally: what CDK gives it (built by the same code),
    with moto's names, LOCAL_OVERRIDES and LOCAL_ENVIRONMENT."""
    env = environment.function_environment(
        spec, names, overrides=LOCAL_OVERRIDES, log_level=log_level
    )
    env.update(LOCAL_ENVIRONMENT)
    return env


def function_environment(
    resource_env: dict[str, str],
    log_level: str,
    cdn_base_url: str,
    search: dict[str, str] | None = None,
    user_pool: dict[str, str] | None = None,
    live_endpoint: str | None = None,
) -> dict[str, str]:
    """The local process's environment: every function's own (`environment_of`), all
    together, since one process hosts them all (each instance sets its own
    POWERTOOLS_SERVICE_NAME when it loads), and `resource_env`. A function that reads
    a setting it was not given works here: tests/local/test_function_environments.py
    replays each one under its own environment only."""
    names = deployed(
        resource_env, cdn_base_url, search=search, user_pool=user_pool, live_endpoint=live_endpoint
    )
    env = dict(resource_env)
    given: dict[str, tuple[str, str]] = {}
    for spec in FUNCTIONS:
        for key, value in environment_of(spec, names, log_level).items():
            if key == "POWERTOOLS_SERVICE_NAME":
                continue
            if key in given and given[key][1] != value:
                raise ValueError(
                    f"{key} is {given[key][1]!r} for {given[key][0]} but {value!r} for "
                    f"{spec.name}: one local process cannot give both"
                )
            given[key] = (spec.name, value)
            env[key] = value
    return env


def pools(region: str, max_instances: int = 8) -> dict[str, FunctionPool]:
    return {spec.name: FunctionPool(spec, region, max_instances) for spec in FUNCTIONS}
