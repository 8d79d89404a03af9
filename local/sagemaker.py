"""A SageMaker-runtime-compatible endpoint for the feed's ranking model, because
moto's `InvokeEndpoint` answers canned results: `POST /endpoints/{name}/invocations`
on the local API's port, with InvokeEndpoint's request and response, serving the
same `model.tar.gz` through the same `models/ranking/inference.py` that SageMaker's
container runs. The feed calls it with the same boto3 client code as on AWS; only
the endpoint URL (`AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`) differs.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from pathlib import Path
from typing import Any

from werkzeug.wrappers import Request, Response

from models.ranking.artifact import ARCHIVE, unpack

ENDPOINT_NAME = "photogram-ranker"
PATH = re.compile(r"^/endpoints/(?P<name>[^/]+)/invocations$")


def _error(status: int, kind: str, message: str, **extra: Any) -> Response:
    return Response(
        json.dumps({"message": message, **extra}),
        status=status,
        content_type="application/json",
        headers={"x-amzn-ErrorType": kind},
    )


class LocalEndpoint:
    """One endpoint serving one artifact, loaded on first use (as a SageMaker
    endpoint loads its model), then kept."""

    def __init__(self, name: str = ENDPOINT_NAME, artifact: Path = ARCHIVE) -> None:
        self.name, self.artifact = name, artifact
        self._model: Any = None
        self._lock = threading.Lock()
        # Keeps the unpacked artifact for the process's life, as an endpoint does.
        self._unpacked = contextlib.ExitStack()
        self.invocations = 0

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                from models.ranking import inference

                model_dir = self._unpacked.enter_context(unpack(self.artifact))
                self._model = inference.model_fn(str(model_dir))
            return self._model

    def warm(self) -> None:
        """Load the model ahead of the first invocation (a failure shows there)."""
        try:
            self._load()
        except Exception:
            return

    def matches(self, request: Request) -> bool:
        return request.method == "POST" and PATH.match(request.path) is not None

    def __call__(self, request: Request) -> Response:
        from models.ranking import inference

        match = PATH.match(request.path)
        if match is None or match["name"] != self.name:
            name = match["name"] if match else "?"
            return _error(400, "ValidationError", f"Endpoint {name} not found.")
        try:
            model = self._load()
            data = inference.input_fn(request.get_data(), request.content_type or "")
            prediction = inference.predict_fn(data, model)
            body, content_type = inference.output_fn(
                prediction, request.headers.get("Accept", "application/json")
            )
        except (ValueError, KeyError, TypeError) as error:
            # What SageMaker answers when the model's code refuses a request.
            return _error(
                424,
                "ModelError",
                f"Received client error (400) from primary: {error}",
                OriginalStatusCode=400,
            )
        self.invocations += 1
        return Response(
            body,
            content_type=content_type,
            headers={"x-Amzn-Invoked-Production-Variant": "AllTraffic"},
        )
