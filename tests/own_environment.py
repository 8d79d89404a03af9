"""`python -m tests.own_environment` (run by tests/local/test_function_environments.py):
replay each function's events through its handler with `os.environ` holding that
function's environment only, and write what went wrong as JSON.

A process of its own: the local runtime's threads (stream poller, workflows) share
the test process's `os.environ` and settings, so swapping them there would change
what those threads see, and what they read would be counted as the function's. Here
each function starts as from a cold start: the environment replaced, every
`photogram` module imported again (so `settings()`, the adapters' clients and the
table binding are made anew), boto3's default session and Powertools' parameter
providers dropped.

Input (stdin): [{"name", "env", "watch", "events"}]; `watch` lists the settings CDK
gives other functions but not this one: reading one is a gap even though it has a
default ("" for a bucket name). Output (the file named by the one argument; stdout
is the functions' logs): {name: {"missing":
[env var], "invalid": [message], "read_ungiven": [env var], "failures": [message],
"answers": n}}.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

PREFIX = "PHOTOGRAM_"
_LOADER: list[Any] = []


def _fresh_process_state() -> None:
    """What a cold start would not have: this process's earlier functions' modules,
    clients and caches."""
    for name in [n for n in sys.modules if n == "photogram" or n.startswith("photogram.")]:
        del sys.modules[name]
    for name in [n for n in sys.modules if n.startswith("photogram_fn_")]:
        del sys.modules[name]
    import boto3
    import botocore.session

    # A new session resolves credentials, region and endpoints from this environment;
    # it shares the first one's loader, which only caches botocore's service models.
    session = botocore.session.get_session()
    if _LOADER:
        session.register_component("data_loader", _LOADER[0])
    else:
        _LOADER.append(session.get_component("data_loader"))
    boto3.DEFAULT_SESSION = boto3.Session(botocore_session=session)
    from aws_lambda_powertools.utilities.parameters import base

    base.DEFAULT_PROVIDERS.clear()
    base.clear_caches()


def _record_settings(found: dict[str, Any], watch: set[str]) -> None:
    """Wrap the fresh `photogram.settings` before any other module imports from it:
    a failed validation and every read of a watched setting are recorded."""
    import pydantic

    import photogram.settings as module

    read_ungiven: list[str] = found["read_ungiven"]

    class Settings(module.Settings):
        def __getattribute__(self, name: str) -> Any:
            if name in watch and name not in read_ungiven:
                read_ungiven.append(name)
            return super().__getattribute__(name)

    build = module.settings.__wrapped__

    @functools.cache
    def settings() -> Any:
        try:
            return build()
        except pydantic.ValidationError as error:
            for problem in error.errors():
                env_var = PREFIX + "_".join(str(part) for part in problem["loc"]).upper()
                if problem["type"] == "missing":
                    found["missing"].append(env_var)
                else:
                    found["invalid"].append(f"{env_var}: {problem['msg']}")
            raise

    module.Settings = Settings  # type: ignore[misc]
    module.settings = settings


def replay(function: dict[str, Any]) -> dict[str, Any]:
    from infra.routes import function as spec_of

    started = time.perf_counter()
    found: dict[str, Any] = {
        "missing": [],
        "invalid": [],
        "read_ungiven": [],
        "failures": [],
        "answers": 0,
    }
    os.environ.clear()
    os.environ.update(function["env"])
    _fresh_process_state()
    watch = {env_var.removeprefix(PREFIX).lower() for env_var in function["watch"]}
    _record_settings(found, watch)

    from local.lambdas import FunctionPool

    pool = FunctionPool(spec_of(function["name"]), os.environ["AWS_REGION"], max_instances=1)
    for label, event in function["events"]:
        try:
            result = pool.invoke(event)
        except Exception as error:
            first = traceback.format_exception_only(error)[-1].strip().splitlines()[0]
            found["failures"].append(f"{label}: raised {first}")
            continue
        if isinstance(result, dict) and result.get("statusCode", 0) >= 500:
            found["failures"].append(f"{label}: answered {result['statusCode']} {result['body']}")
            continue
        found["answers"] += 1
    found["read_ungiven"] = sorted(PREFIX + name.upper() for name in found["read_ungiven"])
    found["seconds"] = round(time.perf_counter() - started, 2)
    return found


def main() -> None:
    functions = json.load(sys.stdin)
    results = {function["name"]: replay(function) for function in functions}
    Path(sys.argv[1]).write_text(json.dumps(results))


if __name__ == "__main__":
    main()
