"""Powertools keeps per-invocation state where one process shares it. On AWS that is
harmless: an instance runs one invocation at a time. The local runtime runs function
instances as threads of one process, so overlapping requests would share it too.
`apply()` makes it per thread, which is what it is on AWS (per process, one
invocation at a time):

- The request being resolved, in class attributes of `BaseRouter` (`current_event`,
  `lambda_context`; aws-lambda-powertools 3.x, api_gateway.py): a handler would see
  the other caller's identity and body. Seen in CI as one like in 200 counted for
  the wrong user.
- The metric set, in class attributes of `Metrics` (`_metrics`, `_dimensions`,
  `_metadata`, `_default_dimensions`; metrics/metrics.py), which every `Metrics()`
  and its `AmazonCloudWatchEMFProvider` hold by reference, so any instance's flush
  prints and clears what all of them added: one request's likes would be printed
  with another function's `service`, or lost.
- The service name, read from POWERTOOLS_SERVICE_NAME when a provider is built: the
  environment is the process's, so locally it names whichever function was loaded
  last. `serving(name)` names the function a thread is running, for metrics.
"""

from __future__ import annotations

import threading
from abc import ABCMeta
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter
from aws_lambda_powertools.metrics import Metrics
from aws_lambda_powertools.metrics.base import MetricManager
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import (
    AmazonCloudWatchEMFProvider,
)

_PER_THREAD = ("current_event", "lambda_context")
# The attributes through which a `Metrics` object's provider reaches the shared sets.
# Only the provider's: `Metrics.__init__` hands its own references to the provider,
# and they must stay the shared dicts for the provider's reads to be redirected.
_METRIC_SETS = ("metric_set", "dimension_set", "metadata_set", "default_dimensions")
_slots = threading.local()


def _per_thread(name: str) -> property:
    def get(_owner: Any) -> Any:
        try:
            return getattr(_slots, name)
        except AttributeError:
            raise AttributeError(name) from None

    def set_(_owner: Any, value: Any) -> None:
        setattr(_slots, name, value)

    return property(get, set_)


class _PerThreadRouterMeta(ABCMeta):
    """`BaseRouter.current_event = x` goes through a metaclass property, so class-level
    writes land in the thread's slot too, not in the shared class dict."""


for _name in _PER_THREAD:
    setattr(_PerThreadRouterMeta, _name, _per_thread(_name))


def _shared_sets() -> dict[int, tuple[str, dict[str, Any]]]:
    """The class-level dicts of `Metrics`, by identity (they are never replaced)."""
    shared = {
        "metrics": Metrics._metrics,
        "dimensions": Metrics._dimensions,
        "metadata": Metrics._metadata,
        "default_dimensions": Metrics._default_dimensions,
    }
    return {id(value): (key, value) for key, value in shared.items()}


def _per_thread_set(name: str, shared: dict[int, tuple[str, dict[str, Any]]]) -> property:
    """An instance attribute that, where it holds one of the shared dicts, reads as the
    calling thread's own dict in its place. Stored in the instance's own `__dict__`
    under the same name, so instances built before `apply()` are covered too."""

    def get(instance: Any) -> Any:
        try:
            value = instance.__dict__[name]
        except KeyError:
            raise AttributeError(name) from None
        found = shared.get(id(value))
        if found is None or found[1] is not value:
            return value
        sets: dict[str, dict[str, Any]] = _slots.__dict__.setdefault("metric_sets", {})
        return sets.setdefault(found[0], {})

    def set_(instance: Any, value: Any) -> None:
        instance.__dict__[name] = value

    return property(get, set_)


def _serving_service() -> property:
    def get(instance: Any) -> Any:
        return getattr(_slots, "service", None) or instance.__dict__.get("service")

    def set_(instance: Any, value: Any) -> None:
        instance.__dict__["service"] = value

    return property(get, set_)


@contextmanager
def serving(service: str) -> Iterator[None]:
    """Metrics emitted by this thread meanwhile carry `service` (the function's name,
    POWERTOOLS_SERVICE_NAME on AWS)."""
    previous = getattr(_slots, "service", None)
    _slots.service = service
    try:
        yield
    finally:
        _slots.service = previous


def apply() -> None:
    if type(BaseRouter) is _PerThreadRouterMeta:
        return
    for name in _PER_THREAD:
        # Instance reads and writes (`app.current_event`) find this data descriptor.
        type.__setattr__(BaseRouter, name, _per_thread(name))
    BaseRouter.__class__ = _PerThreadRouterMeta  # type: ignore[method-assign,assignment]
    shared = _shared_sets()
    for name in _METRIC_SETS:
        setattr(AmazonCloudWatchEMFProvider, name, _per_thread_set(name, shared))
    # SingleMetric (single_metric) builds on MetricManager; EphemeralMetrics is the provider.
    for provider in (AmazonCloudWatchEMFProvider, MetricManager):
        type.__setattr__(provider, "service", _serving_service())
