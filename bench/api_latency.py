"""API latency of the local runtime, its start-up time, and handler import times.

    make bench            (or: .venv/bin/python -m bench)

1. Starts `make dev` on a free port and times it to ready (the API answers /health).
2. Against that running runtime, over HTTP with a real token: 500 x GET /me and
   500 x GET /users/{handle}, p50 and p99. Baseline, same run: the same handler
   invoked in-process with a hand-made event (no HTTP, no token check), so the
   ratio shows what the HTTP adapter and the authorizer add.
3. Imports each handler module in a fresh interpreter (a cold-start proxy).
Targets (issue 3): p50 <= 15 ms, p99 <= 60 ms, ready <= 5 s, import <= 200 ms.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

from bench.stats import measure
from infra.routes import FUNCTIONS
from local.client import id_token

ROOT = Path(__file__).resolve().parent.parent
N = 500


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_dev(state_file: Path) -> tuple[subprocess.Popen[bytes], float]:
    port = free_port()
    started = time.perf_counter()
    process = subprocess.Popen(
        [
            "make",
            "--no-print-directory",
            "dev",
            f"ARGS=--quiet --port {port} --state-file {state_file}",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = started + 60
    while time.perf_counter() < deadline:
        if state_file.exists():
            try:
                url = json.loads(state_file.read_text())["api_url"]
                if requests.get(f"{url}/health", timeout=1).status_code == 200:
                    return process, time.perf_counter() - started
            except (ValueError, KeyError, requests.ConnectionError):
                pass
        if process.poll() is not None:
            raise SystemExit("make dev exited before it was ready")
        time.sleep(0.01)
    raise SystemExit("make dev was not ready within 60 s")


def import_ms(function: str) -> float:
    code = (
        "import importlib.util, time\n"
        f"path = {str(ROOT / 'functions' / function / 'handler.py')!r}\n"
        "t = time.perf_counter()\n"
        "spec = importlib.util.spec_from_file_location('handler', path)\n"
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)\n"
        "print((time.perf_counter() - t) * 1000)\n"
    )
    env = dict(os.environ, PYTHONPATH=f"{ROOT}:{ROOT / 'layers/core/python'}")
    runs = [
        float(subprocess.check_output([sys.executable, "-c", code], env=env, cwd=ROOT))
        for _ in range(3)
    ]
    return min(runs)


def in_process_baseline(info: dict[str, Any], user_id: str, handle: str) -> tuple[float, float]:
    """The same handlers called directly with a proxy event, in this process."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": info["aws_endpoint_url"],
            "AWS_DEFAULT_REGION": info["region"],
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PHOTOGRAM_TABLE_NAME": info["table_name"],
            "PHOTOGRAM_CURSOR_SECRET_ID": "photogram/cursor-key",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
            "POWERTOOLS_LOG_LEVEL": "WARNING",
        }
    )
    from infra.routes import function
    from local.lambdas import FunctionPool

    pool = FunctionPool(function("users"), info["region"], 1)
    claims = {"sub": user_id, "token_use": "id"}

    def event(path: str, resource: str, params: dict[str, str] | None) -> dict[str, Any]:
        return {
            "resource": resource,
            "path": path,
            "httpMethod": "GET",
            "headers": {},
            "multiValueHeaders": {},
            "queryStringParameters": None,
            "pathParameters": params,
            "requestContext": {"requestId": "bench", "authorizer": {"claims": claims}},
            "body": None,
            "isBase64Encoded": False,
        }

    me = event("/me", "/me", None)
    other = event(f"/users/{handle}", "/users/{handle}", {"handle": handle})
    return measure(lambda: pool.invoke(me), N).p50, measure(lambda: pool.invoke(other), N).p50


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        state_file = Path(folder) / "local.json"
        process, ready_s = start_dev(state_file)
        try:
            info = json.loads(state_file.read_text())
            url = info["api_url"]
            session = requests.Session()
            tokens = {name: id_token(info, f"bench-{name}-{os.getpid()}") for name in ("a", "b")}
            ids = {}
            for name, token in tokens.items():
                handle = f"bench_{name}_{os.getpid()}"
                response = session.put(
                    f"{url}/me",
                    json={"handle": handle},
                    headers={"Authorization": f"Bearer {token}"},
                )
                response.raise_for_status()
                ids[name] = (response.json()["user_id"], handle)
            auth = {"Authorization": f"Bearer {tokens['a']}"}
            other_handle = ids["b"][1]

            def get(path: str) -> None:
                response = session.get(url + path, headers=auth, timeout=5)
                assert response.status_code == 200, response.text

            me = measure(lambda: get("/me"), N)
            other = measure(lambda: get(f"/users/{other_handle}"), N)
            base_me, base_other = in_process_baseline(info, ids["a"][0], other_handle)
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=20)
    folders = sorted({spec.folder_name for spec in FUNCTIONS})
    imports = {folder: import_ms(folder) for folder in folders}

    print(
        f"api_latency: {N} requests each over HTTP to the local runtime "
        "(targets p50<=15, p99<=60 ms)"
    )
    for label, timing, base in (
        ("GET /me", me, base_me),
        ("GET /users/{handle}", other, base_other),
    ):
        print(
            f"  {label:<22} p50 {timing.p50:6.2f} ms  p99 {timing.p99:6.2f} ms   "
            f"in-process handler p50 {base:5.2f} ms "
            f"(HTTP + authorizer add {timing.p50 / base:.2f}x)"
        )
    print(f"  make dev -> ready      {ready_s:6.2f} s (target <= 5 s)")
    for name, ms in imports.items():
        print(f"  import functions/{name}/handler.py  {ms:6.1f} ms (target <= 200 ms)")


if __name__ == "__main__":
    main()
