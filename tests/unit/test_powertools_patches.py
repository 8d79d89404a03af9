"""Two overlapping requests in one process each see their own event and flush their
own metrics, as two Lambda instances would (Powertools keeps both in state the
whole process shares; local/powertools_patches.py)."""

import json
import threading
from concurrent.futures import ThreadPoolExecutor

from aws_lambda_powertools import Metrics
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from local import powertools_patches
from photogram import metrics as business


def event(user: str) -> dict:
    return {
        "httpMethod": "GET",
        "path": "/whoami",
        "resource": "/whoami",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "body": None,
        "isBase64Encoded": False,
        "requestContext": {"requestId": user, "authorizer": {"claims": {"sub": user}}},
    }


def test_overlapping_requests_keep_their_own_caller():
    powertools_patches.apply()
    first_inside, second_resolved = threading.Event(), threading.Event()

    def instance(wait_for_other: bool) -> APIGatewayRestResolver:
        # One resolver per function instance, as the local runtime imports them.
        app = APIGatewayRestResolver()

        @app.get("/whoami")
        def whoami():
            if wait_for_other:
                first_inside.set()
                assert second_resolved.wait(5)
            return {"sub": app.current_event.request_context.authorizer.claims["sub"]}

        return app

    first, second = instance(True), instance(False)

    def run_second():
        assert first_inside.wait(5)
        response = second.resolve(event("bob"), LambdaContext())
        second_resolved.set()
        return response

    with ThreadPoolExecutor(2) as pool:
        alice = pool.submit(first.resolve, event("alice"), LambdaContext())
        bob = pool.submit(run_second)
        assert '"sub":"alice"' in alice.result()["body"]
        assert '"sub":"bob"' in bob.result()["body"]


def emf_documents(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"_aws"')]


def test_overlapping_invocations_flush_their_own_metrics(monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    powertools_patches.apply()
    # Two function instances' handler modules, imported before they serve requests in
    # other threads, each with its own Metrics object; both objects hold Powertools'
    # one class-level metric set.
    posts, other = Metrics(), Metrics()
    likes_added, comments_flushed = threading.Event(), threading.Event()

    def posts_instance() -> None:
        with powertools_patches.serving("posts"):
            posts.add_metric(name="Likes", unit=MetricUnit.Count, value=1)
            likes_added.set()
            assert comments_flushed.wait(5)
            posts.flush_metrics()

    def other_instance() -> None:
        assert likes_added.wait(5)
        with powertools_patches.serving("comments"):
            other.add_metric(name="Comments", unit=MetricUnit.Count, value=1)
            other.flush_metrics()
        comments_flushed.set()

    with ThreadPoolExecutor(2) as pool:
        for future in [pool.submit(posts_instance), pool.submit(other_instance)]:
            future.result()

    documents = emf_documents(capsys.readouterr().out)
    assert [(d["service"], d.get("Likes"), d.get("Comments")) for d in documents] == [
        ("comments", None, [1.0]),
        ("posts", [1.0], None),
    ]


def test_a_thread_serving_a_function_names_it_on_dimensioned_metrics(monkeypatch, capsys):
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "loaded-last")
    powertools_patches.apply()

    with powertools_patches.serving("feed"):
        business.count("RankerFallbacks", cause="timeout")

    (document,) = emf_documents(capsys.readouterr().out)
    assert document["service"] == "feed" and document["cause"] == "timeout"
    assert document["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [
        ["service"],
        ["service", "cause"],
    ]
