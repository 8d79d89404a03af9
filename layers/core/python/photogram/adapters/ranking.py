"""The ranking model behind a SageMaker endpoint (`InvokeEndpoint`), on AWS and
locally (the local runtime serves the same artifact behind a SageMaker-compatible
endpoint). The feed chooses it or its heuristic (photogram.feed.ranking.ranker).
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any, Protocol

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    ReadTimeoutError,
)

from photogram import metrics


class Scorer(Protocol):
    def score(self, candidates: Sequence[Any]) -> list[float]: ...


class SageMakerRanker:
    """The trained model behind a SageMaker endpoint (`InvokeEndpoint`, JSON rows in,
    scores out). Any error or a reply slower than the client's read timeout falls
    back to the heuristic, so the feed is always served; `fallbacks` counts them."""

    def __init__(
        self, client: Any, endpoint: str, feature_names: Sequence[str], *, fallback: Scorer
    ) -> None:
        self._client, self._endpoint = client, endpoint
        self._features, self._fallback = list(feature_names), fallback
        self.fallbacks = 0
        self.last_latency_ms = 0.0

    def score(self, candidates: Sequence[Any]) -> list[float]:
        if not candidates:
            return []
        started = time.perf_counter()
        try:
            response = self._client.invoke_endpoint(
                EndpointName=self._endpoint,
                ContentType="application/json",
                Accept="application/json",
                Body=json.dumps(
                    {"features": self._features, "rows": [c.row() for c in candidates]}
                ),
            )
            scores = json.loads(response["Body"].read())["scores"]
            if len(scores) != len(candidates):
                raise ValueError("the model returned a different number of scores")
            return [float(s) for s in scores]
        except (BotoCoreError, ClientError, ValueError, KeyError, TypeError) as error:
            self.fallbacks += 1
            timed_out = isinstance(error, ConnectTimeoutError | ReadTimeoutError)
            metrics.count("RankerFallbacks", cause="timeout" if timed_out else "error")
            return self._fallback.score(candidates)
        finally:
            self.last_latency_ms = (time.perf_counter() - started) * 1000


def sagemaker_runtime(timeout_ms: int) -> Any:
    """A client with a strict timeout and no retries, since the heuristic answers
    instead. The feed makes one per cold start (`photogram.feed.ranking.ranker`), so
    every re-rank of a warm function reuses its connection pool."""
    import boto3
    from botocore.config import Config

    timeout_s = timeout_ms / 1000
    return boto3.client(
        "sagemaker-runtime",
        config=Config(
            connect_timeout=timeout_s, read_timeout=timeout_s, retries={"max_attempts": 0}
        ),
    )
