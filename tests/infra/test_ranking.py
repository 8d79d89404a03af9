"""The ranking model on SageMaker: deployed by default (`ranking=sagemaker`), the feed
function allowed to invoke that one endpoint; nothing of it with `ranking=heuristic`."""

import json
from pathlib import Path

import pytest
import xgboost

from infra.ranking import XGBOOST_IMAGE, XGBOOST_REGISTRIES
from models.ranking.artifact import ARCHIVE
from tests.infra.conftest import ENVIRONMENTS, synth_in
from tests.infra.synth import Synth, as_list, synthesize
from tests.infra.test_functions import function_of, role_statements

SAGEMAKER_TYPES = (
    "AWS::SageMaker::Model",
    "AWS::SageMaker::EndpointConfig",
    "AWS::SageMaker::Endpoint",
)


@pytest.fixture(scope="module")
def heuristic(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    from infra.stack import add_photogram

    return synthesize(tmp_path_factory.mktemp("heuristic"), add_photogram, ranking="heuristic")


def only(synth: Synth, resource_type: str) -> dict:
    (resource,) = synth.of_type(resource_type).values()
    return resource["Properties"]


def test_the_model_runs_our_inference_code_in_sagemakers_xgboost_image(photogram):
    container = only(photogram, "AWS::SageMaker::Model")["PrimaryContainer"]

    assert XGBOOST_IMAGE in json.dumps(container["Image"])
    assert "XgboostRegistry" in json.dumps(container["Image"])
    assert container["Environment"] == {
        "SAGEMAKER_PROGRAM": "inference.py",
        "SAGEMAKER_SUBMIT_DIRECTORY": "/opt/ml/model/code",
    }
    # The committed model.tar.gz, published as a file asset (its key keeps the .gz).
    url = json.dumps(container["ModelDataUrl"])
    assert "s3://cdk-" in url and url.endswith('.gz"}')


def test_the_image_runs_the_xgboost_the_committed_model_was_saved_by():
    """SageMaker's container loads the model with its own XGBoost: an older one
    cannot read what a newer one saved (1.7 fails on a 3.2 model), so the image's
    version is the training library's, the one recorded in the model card."""
    card = json.loads(Path(ARCHIVE).with_name("model-card.json").read_text())
    image_version = XGBOOST_IMAGE.split(":")[1].split("-")[0]  # "3.2-0" -> "3.2"

    assert card["xgboost"].rsplit(".", 1)[0] == image_version
    assert xgboost.__version__.rsplit(".", 1)[0] == image_version


def test_the_endpoint_is_serverless_with_the_context_sizes(photogram):
    (variant,) = only(photogram, "AWS::SageMaker::EndpointConfig")["ProductionVariants"]

    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 5}
    assert only(photogram, "AWS::SageMaker::Endpoint")["EndpointName"] == "photogram-dev-ranker"


def test_only_the_feed_may_invoke_and_only_this_endpoint(photogram):
    feed = function_of(photogram, "feed")
    variables = feed["Properties"]["Environment"]["Variables"]
    invoke = [s for s in role_statements(photogram, feed) if "sagemaker" in json.dumps(s["Action"])]

    assert variables["PHOTOGRAM_RANKER"] == "sagemaker"
    assert variables["PHOTOGRAM_RANKER_ENDPOINT"] == "photogram-dev-ranker"
    (statement,) = invoke
    assert as_list(statement["Action"]) == ["sagemaker:InvokeEndpoint"]
    (resource,) = as_list(statement["Resource"])
    assert json.dumps(resource).endswith(':endpoint/photogram-dev-ranker"]]}')
    others = [
        name
        for name in photogram.function_ids()
        if name != "feed"
        and "sagemaker" in json.dumps(role_statements(photogram, function_of(photogram, name)))
    ]
    assert others == []


def test_ranking_heuristic_deploys_nothing_of_sagemaker(heuristic):
    for resource_type in SAGEMAKER_TYPES:
        assert heuristic.of_type(resource_type) == {}
    feed = function_of(heuristic, "feed")
    assert "PHOTOGRAM_RANKER_ENDPOINT" not in feed["Properties"]["Environment"]["Variables"]
    assert "sagemaker" not in json.dumps(role_statements(heuristic, feed))
    assert "AWS::SageMaker" not in json.dumps(heuristic.template)


@pytest.mark.parametrize("region", list(ENVIRONMENTS))
def test_a_concrete_region_pulls_the_image_from_that_regions_registry(region, tmp_path_factory):
    image = only(synth_in(tmp_path_factory, region), "AWS::SageMaker::Model")["PrimaryContainer"]

    assert image["Image"] == {
        "Fn::Join": [
            "",
            [
                f"{XGBOOST_REGISTRIES[region]}.dkr.ecr.{region}.",
                {"Ref": "AWS::URLSuffix"},
                f"/{XGBOOST_IMAGE}",
            ],
        ]
    }


def test_a_region_without_the_xgboost_image_is_refused_at_synth(tmp_path):
    import aws_cdk as cdk

    from infra.stack import add_photogram

    with pytest.raises(ValueError, match=r"mx-central-1; deploy there with -c ranking=heuristic"):
        synthesize(
            tmp_path,
            lambda app: add_photogram(
                app, env=cdk.Environment(account="123456789012", region="mx-central-1")
            ),
        )
