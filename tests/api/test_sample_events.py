"""The sample events in events/ are current, and each one replayed straight into its
function (as `sam local invoke` or the Lambda console would) gets a real answer."""

import json

import pytest

from infra.routes import ROUTES
from local.sample_events import EVENTS, build, build_socket, event_name


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_the_committed_sample_event_is_current(route):
    path = EVENTS / route.function / f"{event_name(route)}.json"

    assert json.loads(path.read_text()) == build(route), "run: python -m local.sample_events"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_each_sample_event_gets_an_answer_in_the_envelope(runtime, route):
    event = json.loads((EVENTS / route.function / f"{event_name(route)}.json").read_text())

    result = runtime.pools[route.function].invoke(event)

    assert result["statusCode"] < 500, result
    if result["statusCode"] >= 400:
        assert set(json.loads(result["body"])["error"]) >= {"code", "message"}


def test_the_committed_socket_events_are_current():
    for (function, name), event in build_socket().items():
        path = EVENTS / function / f"{name}.json"

        assert json.loads(path.read_text()) == event, "run: python -m local.sample_events"


def test_each_socket_event_gets_an_answer(runtime):
    answers = {
        name: runtime.pools["live"].invoke(
            json.loads((EVENTS / "live" / f"{name}.json").read_text())
        )
        for name in ("connect", "ping", "default", "disconnect")
    }

    assert {name: a["statusCode"] for name, a in answers.items()} == dict.fromkeys(answers, 200)
