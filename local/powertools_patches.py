"""Powertools keeps the request being resolved in class attributes of `BaseRouter`
(`current_event`, `lambda_context`; aws-lambda-powertools 3.37, api_gateway.py), so
every resolver in a process shares them. On AWS that is harmless: an instance runs
one invocation at a time. The local runtime runs function instances as threads of
one process, so two overlapping requests could read each other's event: a handler
would see the other caller's identity and body. Seen in CI as one like in 200
counted for the wrong user.

`apply()` makes both attributes per thread, which is what they are on AWS (per
process, one invocation at a time): reads and writes through the class and through
any resolver instance go to the calling thread's own slot.
"""

from __future__ import annotations

import threading
from abc import ABCMeta
from typing import Any

from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

_PER_THREAD = ("current_event", "lambda_context")
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


def apply() -> None:
    if type(BaseRouter) is _PerThreadRouterMeta:
        return
    for name in _PER_THREAD:
        # Instance reads and writes (`app.current_event`) find this data descriptor.
        type.__setattr__(BaseRouter, name, _per_thread(name))
    BaseRouter.__class__ = _PerThreadRouterMeta  # type: ignore[method-assign,assignment]
