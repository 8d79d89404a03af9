import io
import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from photogram.feed.ranking import (
    FEATURE_NAMES,
    Features,
    HeuristicRanker,
    SageMakerRanker,
    diversify,
)


def features(**overrides):
    values = {
        "affinity": 1.0,
        "engagement_rate": 1.0,
        "recency_hours": 1.0,
        "content_affinity": 0.0,
        "author_engagement": 1.0,
    }
    return Features(**(values | overrides))


def test_the_heuristic_prefers_closer_fresher_and_more_engaging_posts():
    ranker = HeuristicRanker()

    close, stranger = ranker.score([features(affinity=20), features(affinity=0)])
    fresh, stale = ranker.score([features(recency_hours=1), features(recency_hours=48)])
    hot, cold = ranker.score([features(engagement_rate=50), features(engagement_rate=0)])

    assert close > stranger and fresh > stale and hot > cold


@pytest.fixture
def sagemaker():
    client = boto3.client(
        "sagemaker-runtime",
        region_name="us-east-1",
        aws_access_key_id="x",
        aws_secret_access_key="x",
    )
    with Stubber(client) as stubber:
        yield client, stubber


def test_the_model_scores_are_used_when_it_answers(sagemaker):
    client, stubber = sagemaker
    stubber.add_response(
        "invoke_endpoint",
        {
            "Body": io.BytesIO(json.dumps({"scores": [0.9, 0.1]}).encode()),
            "ContentType": "application/json",
        },
        {
            "EndpointName": "ranker",
            "ContentType": "application/json",
            "Accept": "application/json",
            "Body": ANY,
        },
    )
    ranker = SageMakerRanker(client, "ranker")

    assert ranker.score([features(), features()]) == [0.9, 0.1]
    assert ranker.fallbacks == 0


@pytest.mark.parametrize("error", ["ModelError", "ThrottlingException", "ServiceUnavailable"])
def test_an_endpoint_error_falls_back_to_the_heuristic(sagemaker, error):
    client, stubber = sagemaker
    stubber.add_client_error("invoke_endpoint", service_error_code=error)
    ranker = SageMakerRanker(client, "ranker")
    candidates = [features(affinity=5), features()]

    assert ranker.score(candidates) == HeuristicRanker().score(candidates)
    assert ranker.fallbacks == 1


def test_a_malformed_reply_falls_back(sagemaker):
    client, stubber = sagemaker
    stubber.add_response(
        "invoke_endpoint",
        {"Body": io.BytesIO(b'{"scores": [1]}'), "ContentType": "application/json"},
    )
    ranker = SageMakerRanker(client, "ranker")

    assert len(ranker.score([features(), features()])) == 2
    assert ranker.fallbacks == 1


def test_the_request_names_the_features_in_order(sagemaker):
    client, stubber = sagemaker
    sent = {}
    client.meta.events.register(
        "provide-client-params.sagemaker-runtime.InvokeEndpoint",
        lambda params, **_: sent.update(params),
    )
    stubber.add_response(
        "invoke_endpoint",
        {"Body": io.BytesIO(b'{"scores": [1.0]}'), "ContentType": "application/json"},
    )

    SageMakerRanker(client, "ranker").score([features(affinity=7)])

    body = json.loads(sent["Body"])
    assert body["features"] == list(FEATURE_NAMES) and body["rows"] == [[7.0, 1.0, 1.0, 0.0, 1.0]]


def test_diversify_caps_each_author_per_page_and_avoids_runs():
    ranked = [(f"p{i}", "prolific") for i in range(6)] + [("q1", "b"), ("q2", "c"), ("q3", "b")]

    pages = diversify(ranked, per_author=3, page_size=5)

    first = pages[0]
    assert sum(1 for _, a in first if a == "prolific") <= 3
    assert all(first[i][1] != first[i + 1][1] for i in range(len(first) - 1))
    assert sorted(p for page in pages for p, _ in page) == sorted(p for p, _ in ranked)


def test_diversify_keeps_the_ranking_when_nothing_needs_moving():
    ranked = [("a1", "a"), ("b1", "b"), ("c1", "c"), ("a2", "a")]

    assert diversify(ranked, per_author=3, page_size=10) == [ranked]


def test_the_ranker_is_chosen_by_settings(monkeypatch, fresh_settings):
    from photogram.feed import ranking
    from photogram.settings import settings

    monkeypatch.setenv("PHOTOGRAM_RANKER", "heuristic")
    settings.cache_clear()
    assert isinstance(ranking.ranker(), HeuristicRanker)

    monkeypatch.setenv("PHOTOGRAM_RANKER", "sagemaker")
    monkeypatch.setenv("PHOTOGRAM_RANKER_ENDPOINT", "photogram-ranker")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    settings.cache_clear()
    chosen = ranking.ranker()
    assert isinstance(chosen, SageMakerRanker)
    assert chosen._client.meta.config.read_timeout == 0.15


def test_sagemaker_without_an_endpoint_is_a_configuration_error(monkeypatch, fresh_settings):
    from photogram.feed import ranking
    from photogram.settings import settings

    monkeypatch.setenv("PHOTOGRAM_RANKER", "sagemaker")
    monkeypatch.delenv("PHOTOGRAM_RANKER_ENDPOINT", raising=False)
    settings.cache_clear()

    with pytest.raises(ValueError):
        ranking.ranker()


def test_diversify_looks_ahead_so_a_page_does_not_end_in_a_run():
    ranked = [(f"p{i}", a) for i, a in enumerate("cbcbabaa")]

    (page,) = diversify(ranked, per_author=3, page_size=10)

    authors = [a for _, a in page]
    assert sorted(authors) == sorted("cbcbabaa")
    assert all(authors[n] != authors[n + 1] for n in range(len(authors) - 1)), authors


def test_diversify_avoids_every_avoidable_run_on_random_rankings():
    import math
    import random

    rng = random.Random(3)
    for _ in range(500):
        authors = "abcde"[: rng.randint(2, 5)]
        ranked = [(f"p{i}", rng.choice(authors)) for i in range(rng.randint(1, 40))]

        pages = diversify(ranked, per_author=3, page_size=10)

        assert sorted(p for page in pages for p, _ in page) == sorted(p for p, _ in ranked)
        for page in pages:
            names = [a for _, a in page]
            assert max(names.count(a) for a in names) <= 3
            if max(names.count(a) for a in names) <= math.ceil(len(names) / 2):
                assert all(names[n] != names[n + 1] for n in range(len(names) - 1)), names


def test_a_model_slower_than_the_budget_falls_back(monkeypatch):
    """A real HTTP endpoint that answers after the client's read timeout."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from botocore.config import Config

    answered = threading.Event()

    class Slow(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            answered.wait(5)  # held until the client has given up
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b'{"scores": [1.0]}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    client = boto3.client(
        "sagemaker-runtime",
        region_name="us-east-1",
        endpoint_url=f"http://127.0.0.1:{server.server_address[1]}",
        config=Config(read_timeout=0.15, connect_timeout=0.15, retries={"max_attempts": 0}),
    )
    ranker = SageMakerRanker(client, "ranker")
    try:
        scores = ranker.score([features(affinity=2)])
    finally:
        answered.set()
        server.shutdown()

    assert scores == HeuristicRanker().score([features(affinity=2)])
    assert ranker.fallbacks == 1
