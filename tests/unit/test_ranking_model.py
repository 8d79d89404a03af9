"""The ranking model's artifact and hosting functions: what SageMaker and the local
endpoint load, and `make train` on a small simulation."""

import json
from pathlib import Path

import numpy as np
import pytest

from models.ranking import artifact, inference, train
from models.ranking.evaluate import auc, ndcg_at
from models.ranking.simulate import Config, Dataset, simulate
from photogram.feed.ranking import FEATURE_NAMES

SMALL = Config(users=150, days=4, sessions_per_day=3, seed=3)


@pytest.fixture(scope="module")
def committed():
    with artifact.unpack() as model_dir:
        yield inference.model_fn(str(model_dir)), model_dir


def test_the_committed_artifact_has_sagemakers_layout_and_our_features(committed):
    model, model_dir = committed

    assert (model_dir / "xgboost-model").is_file()
    assert (model_dir / "code" / "inference.py").read_text() == (
        Path(inference.__file__)
    ).read_text()
    card = json.loads((model_dir / "model-card.json").read_text())
    assert card["features"] == list(FEATURE_NAMES) == model.features
    assert set(card["held_out"]) == {"model", "heuristic", "chronological"}


def test_json_and_csv_requests_score_the_same(committed):
    model, _ = committed
    rows = [[0.0, 0.5, 3.0, 1.0, 2.0], [4.0, 2.0, 30.0, 0.0, 0.0]]
    body = json.dumps({"features": list(FEATURE_NAMES), "rows": rows})

    from_json = inference.predict_fn(inference.input_fn(body, "application/json"), model)
    csv = "\n".join(",".join(map(str, r)) for r in rows)
    from_csv = inference.predict_fn(inference.input_fn(csv.encode(), "text/csv"), model)

    assert from_json == pytest.approx(from_csv) and len(from_json) == 2
    assert json.loads(inference.output_fn(from_json, "application/json")[0]) == {
        "scores": from_json
    }
    assert inference.output_fn(from_json, "text/csv")[0].count("\n") == 1
    assert inference.predict_fn(inference.input_fn('{"rows": []}', "application/json"), model) == []


def test_a_request_with_other_features_is_refused(committed):
    model, _ = committed
    body = json.dumps({"features": ["recency_hours", "affinity"], "rows": [[1.0, 2.0]]})

    with pytest.raises(ValueError, match="do not match"):
        inference.predict_fn(inference.input_fn(body, "application/json"), model)
    with pytest.raises(ValueError, match="expected 5 features"):
        inference.predict_fn(inference.input_fn("1,2\n", "text/csv"), model)
    with pytest.raises(ValueError, match="unsupported"):
        inference.input_fn("x", "application/x-npy")


def test_training_a_small_simulation_writes_a_loadable_artifact(tmp_path):
    card = train.main(SMALL, tmp_path)

    assert card["objective"] in train.OBJECTIVES
    assert card["data"]["impressions"] > 1000
    with artifact.unpack(tmp_path / artifact.ARCHIVE_NAME) as model_dir:
        model = inference.model_fn(str(model_dir))
        scores = inference.predict_fn(np.zeros((3, len(FEATURE_NAMES)), np.float32), model)
    assert len(scores) == 3


def test_the_metrics_reward_the_right_order():
    data = Dataset(
        features=np.zeros((4, 5), np.float32),
        relevance=np.array([3, 0, 1, 0]),
        group=np.array([1, 1, 2, 2]),
        viewer=np.array([0, 0, 0, 0]),
        truth=np.zeros(4),
        config=SMALL,
    )
    perfect = np.array([2.0, 1.0, 2.0, 1.0])
    reversed_ = -perfect

    assert ndcg_at(data, perfect) == pytest.approx(1.0)
    assert ndcg_at(data, reversed_) < 0.7
    assert auc(data.relevance, perfect) == pytest.approx(1.0)
    assert auc(data.relevance, reversed_) == pytest.approx(0.0)


def test_the_simulator_is_reproducible():
    a, b = simulate(SMALL), simulate(SMALL)

    assert np.array_equal(a.features, b.features) and np.array_equal(a.relevance, b.relevance)


@pytest.mark.parametrize("feature", list(FEATURE_NAMES))
def test_the_committed_model_moves_each_feature_the_documented_way(committed, feature):
    model, _ = committed
    column = FEATURE_NAMES.index(feature)
    base = np.array([1.0, 1.0, 12.0, 1.0, 1.0], np.float32)
    rows = np.repeat(base[None, :], 6, axis=0)
    rows[:, column] = [0.0, 0.5, 2.0, 8.0, 30.0, 70.0]

    scores = np.array(inference.predict_fn(rows, model))

    steps = np.diff(scores) * train.DIRECTION[feature]
    assert (steps >= 0).all(), (feature, scores)
