"""The ranking model: models/ranking/evaluate.py's offline table and in-process
scoring latency, then the same 500-candidate batch through boto3's
`sagemaker-runtime` client to the local endpoint (local/sagemaker.py, served as
the local runtime serves it), p50/p95.

    make eval        (also part of `make bench`)

The endpoint half lives here, not in models/: the model's code never imports the
local runtime (docs/decisions.md §34).
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

import boto3
import numpy as np
from werkzeug.serving import make_server
from werkzeug.wrappers import Request

from local.sagemaker import LocalEndpoint
from models.ranking import evaluate
from photogram.feed.ranking import FEATURE_NAMES


def endpoint_latency(batch: np.ndarray, calls: int = 200) -> None:
    """`batch` through InvokeEndpoint over HTTP to the local endpoint, p50/p95."""
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no access log per call
    endpoint = LocalEndpoint()

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        return endpoint(Request(environ))(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = boto3.client(
        "sagemaker-runtime",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{server.server_port}",
        aws_access_key_id="local",
        aws_secret_access_key="local",  # noqa: S106 - a local endpoint, not AWS
    )
    body = json.dumps({"features": list(FEATURE_NAMES), "rows": batch.tolist()})
    samples = []
    try:
        for _ in range(calls + 10):
            t = time.perf_counter()
            client.invoke_endpoint(
                EndpointName=endpoint.name, ContentType="application/json", Body=body
            )["Body"].read()
            samples.append((time.perf_counter() - t) * 1000)
    finally:
        server.shutdown()
    samples = sorted(samples[10:])
    print(
        f"  local endpoint (InvokeEndpoint over HTTP), 500 candidates: "
        f"p50 {samples[len(samples) // 2]:.2f} ms, p95 {samples[int(len(samples) * 0.95)]:.2f} ms"
    )


if __name__ == "__main__":
    evaluate.main(then=endpoint_latency)
