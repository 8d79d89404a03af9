"""The local SageMaker runtime: InvokeEndpoint's contract through boto3's own
`sagemaker-runtime` client, serving the committed model, and the feed ranking
through it."""

import json
import os

import boto3
import pytest
from botocore.exceptions import ClientError

from models.ranking import artifact, inference
from photogram.feed.ranking import FEATURE_NAMES
from tests.api.test_fanout import eventually
from tests.api.test_feed import publish, wait_for_timeline

ROWS = [[0.0, 0.5, 3.0, 1.0, 2.0], [4.0, 2.0, 30.0, 0.0, 0.0], [1.0, 9.0, 1.0, 3.0, 5.0]]


@pytest.fixture
def client(runtime):
    return boto3.client(
        "sagemaker-runtime", endpoint_url=os.environ["AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME"]
    )


def expected():
    with artifact.unpack() as model_dir:
        model = inference.model_fn(str(model_dir))
        return inference.predict_fn(
            inference.input_fn(json.dumps({"rows": ROWS}), "application/json"), model
        )


def test_invoke_endpoint_answers_with_the_models_scores(runtime, client):
    response = client.invoke_endpoint(
        EndpointName=runtime.ranker_endpoint.name,
        ContentType="application/json",
        Accept="application/json",
        Body=json.dumps({"features": list(FEATURE_NAMES), "rows": ROWS}),
    )

    assert response["ContentType"] == "application/json"
    assert response["InvokedProductionVariant"] == "AllTraffic"
    assert json.loads(response["Body"].read())["scores"] == pytest.approx(expected())


def test_csv_in_csv_out(runtime, client):
    response = client.invoke_endpoint(
        EndpointName=runtime.ranker_endpoint.name,
        ContentType="text/csv",
        Accept="text/csv",
        Body="\n".join(",".join(map(str, r)) for r in ROWS),
    )

    scores = [float(s) for s in response["Body"].read().decode().split("\n")]
    assert scores == pytest.approx(expected())


def test_unknown_endpoint_and_bad_rows_are_sagemakers_errors(runtime, client):
    with pytest.raises(ClientError) as unknown:
        client.invoke_endpoint(EndpointName="nope", ContentType="text/csv", Body="1,2,3,4,5")
    with pytest.raises(ClientError) as bad:
        client.invoke_endpoint(
            EndpointName=runtime.ranker_endpoint.name, ContentType="text/csv", Body="1,2"
        )

    assert unknown.value.response["Error"]["Code"] == "ValidationError"
    assert bad.value.response["Error"]["Code"] == "ModelError"
    assert bad.value.response["ResponseMetadata"]["HTTPStatusCode"] == 424


def test_the_local_feed_is_ranked_by_the_model_through_the_endpoint(runtime, make_user):
    viewer, author = make_user("viewer"), make_user("author")
    viewer.post(f"/users/{author.handle}/follow")
    posts = [publish(author) for _ in range(3)]
    wait_for_timeline(runtime, viewer.user_id, posts)
    before = runtime.ranker_endpoint.invocations

    ids = [p["post_id"] for p in viewer.get("/feed").json()["items"]]

    assert set(posts) <= set(ids)
    # Counted when the endpoint answers (which may be after a slow call timed out).
    assert eventually(lambda: runtime.ranker_endpoint.invocations == before + 1)
