"""The search-setup function (the custom resource that creates the indexes on AWS):
it waits out the data access policy's delay (403s) for about a minute, and no more."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_handler():
    path = ROOT / "functions" / "search_setup" / "handler.py"
    spec = importlib.util.spec_from_file_location("search_setup_handler", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


handler = load_handler()


class Refused(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(f"status {status_code}")
        self.status_code = status_code


class FakeIndex:
    """Refuses `prepare` with each status in `failures`, then succeeds."""

    def __init__(self, *failures: int) -> None:
        self.failures = list(failures)
        self.prepared = 0

    def prepare(self) -> None:
        if self.failures:
            raise Refused(self.failures.pop(0))
        self.prepared += 1


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def prepare(index, time: FakeTime, **options):
    return handler.prepare_when_allowed(index, clock=time.clock, sleep=time.sleep, **options)


def test_forbidden_while_the_access_policy_takes_effect_is_retried():
    index, time = FakeIndex(403, 403), FakeTime()

    attempts = prepare(index, time, within=60, pause=5)

    assert (attempts, index.prepared, time.slept) == (3, 1, [5, 5])


def test_forbidden_beyond_the_deadline_fails_the_deploy():
    index, time = FakeIndex(*[403] * 20), FakeTime()

    with pytest.raises(Refused):
        prepare(index, time, within=60, pause=5)

    assert index.prepared == 0
    assert time.now <= 60


def test_another_error_is_not_retried():
    index, time = FakeIndex(400), FakeTime()

    with pytest.raises(Refused):
        prepare(index, time, within=60, pause=5)

    assert time.slept == []


def test_delete_touches_no_index(monkeypatch):
    called = []
    monkeypatch.setattr(handler, "search_index", lambda: called.append("index"))
    event = {"RequestType": "Delete", "PhysicalResourceId": "photogram-search-indexes"}

    response = handler.lambda_handler.__wrapped__(event, None)

    assert response == {"PhysicalResourceId": "photogram-search-indexes"}
    assert called == []


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, {"reset": True, "segment": 0, "total_segments": 1}),
        (
            {"reset": False, "segment": 3, "total_segments": 4},
            {"reset": False, "segment": 3, "total_segments": 4},
        ),
    ],
)
def test_a_reindex_request_takes_its_options_or_the_defaults(options, expected):
    assert handler.rebuild_options(options) == expected


@pytest.mark.parametrize(
    "options",
    [
        None,
        {"resets": True},
        {"reset": "yes"},
        {"segment": True},
        {"segment": 4, "total_segments": 4},
        {"segment": -1},
        {"total_segments": 0},
        {"total_segments": 1001},
    ],
)
def test_a_reindex_request_with_bad_options_is_refused_before_anything_is_dropped(options):
    with pytest.raises(ValueError):
        handler.rebuild_options(options)
