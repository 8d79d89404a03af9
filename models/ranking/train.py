"""Train the feed's ranking model on the simulator and package it for SageMaker.

    make train     -> models/ranking/artifacts/model.tar.gz and model-card.json

Gradient-boosted trees (XGBoost) on the features of `photogram.feed.ranking`. Two
objectives are trained on the training viewers, LambdaMART (`rank:ndcg`, grouped by
feed session) and pointwise logistic loss; the one with the better NDCG@10 on
validation viewers is kept. Held-out viewers (one in five) are never trained on:
`make eval` reports on them.

model.tar.gz has SageMaker's layout: `xgboost-model` (the booster, JSON),
`model-card.json`, and `code/inference.py` (the hosting functions).
"""

from __future__ import annotations

import json
import shutil
import tarfile
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

from models.ranking import evaluate, inference
from models.ranking.artifact import ARCHIVE_NAME, ARTIFACTS, unpack
from models.ranking.simulate import Config, Dataset, simulate
from photogram.feed.ranking import FEATURE_NAMES

HERE = Path(__file__).resolve().parent
ROUNDS = 150
# More affinity, engagement, topic interest or author engagement never lowers a
# score, and age never raises it: the model cannot learn to punish what a viewer
# likes (and ranks as the features say in every corner of the data).
DIRECTION = {
    "affinity": 1,
    "engagement_rate": 1,
    "recency_hours": -1,
    "content_affinity": 1,
    "author_engagement": 1,
}
PARAMS: dict[str, Any] = {
    "max_depth": 3,
    "eta": 0.08,
    "subsample": 0.8,
    "colsample_bytree": 1.0,
    "min_child_weight": 5,
    "tree_method": "hist",
    "monotone_constraints": "(" + ",".join(str(DIRECTION[n]) for n in FEATURE_NAMES) + ")",
    "nthread": 2,
    "seed": 7,
}
OBJECTIVES = {
    "rank:ndcg": {
        "objective": "rank:ndcg",
        "eval_metric": "ndcg@10",
        "lambdarank_pair_method": "topk",
    },
    "binary:logistic": {"objective": "binary:logistic", "eval_metric": "auc"},
}


def _matrix(data: Dataset, objective: str) -> xgb.DMatrix:
    order = np.argsort(data.group, kind="stable")
    labels = data.relevance[order] if objective.startswith("rank") else data.relevance[order] > 0
    return xgb.DMatrix(
        data.features[order],
        label=labels.astype(np.float32),
        qid=data.group[order],
        feature_names=list(FEATURE_NAMES),
    )


def fit(train: Dataset, objective: str) -> xgb.Booster:
    params = {**PARAMS, **OBJECTIVES[objective]}
    return xgb.train(params, _matrix(train, objective), num_boost_round=ROUNDS)


def _ndcg(booster: xgb.Booster, data: Dataset) -> float:
    return evaluate.ndcg_at(data, booster.inplace_predict(data.features))


def write_artifact(booster: xgb.Booster, card: dict[str, Any], target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        booster.save_model(str(root / "model.json"))
        (root / "model.json").rename(root / inference.MODEL_FILE)
        (root / inference.CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
        (root / "code").mkdir()
        shutil.copy(HERE / "inference.py", root / "code" / "inference.py")
        archive = target / ARCHIVE_NAME
        with tarfile.open(archive, "w:gz") as tar:
            for name in (inference.MODEL_FILE, inference.CARD_FILE, "code"):
                # Fixed metadata, so the same model gives the same bytes.
                tar.add(root / name, arcname=name, filter=_normalized)
    (target / inference.CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
    return archive


def _normalized(info: tarfile.TarInfo) -> tarfile.TarInfo:
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    return info


def main(config: Config = Config(), target: Path = ARTIFACTS) -> dict[str, Any]:  # noqa: B008
    started = time.perf_counter()
    data = simulate(config)
    simulated = time.perf_counter() - started
    train_all = data.subset(~evaluate.held_out(data.viewer))
    validation = train_all.subset(train_all.viewer % 5 == 1)
    train = train_all.subset(train_all.viewer % 5 != 1)
    candidates = {name: fit(train, name) for name in OBJECTIVES}
    scores = {name: _ndcg(b, validation) for name, b in candidates.items()}
    chosen = max(scores, key=lambda name: scores[name])
    booster = fit(train_all, chosen)
    card: dict[str, Any] = {
        "model": "photogram feed ranker",
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "xgboost": xgb.__version__,
        "features": list(FEATURE_NAMES),
        "objective": chosen,
        "validation_ndcg@10": {k: round(v, 4) for k, v in scores.items()},
        "params": {**PARAMS, **OBJECTIVES[chosen], "rounds": ROUNDS},
        "data": {
            "simulator": {k: getattr(config, k) for k in config.__dataclass_fields__},
            "impressions": len(data.relevance),
            "training_impressions": len(train_all.relevance),
            "engagement_rate": round(float((data.relevance > 0).mean()), 4),
        },
    }
    archive = write_artifact(booster, card, target)
    with unpack(archive) as model_dir:
        card["held_out"] = {
            k: {m: round(v, 4) for m, v in r.items()}
            for k, r in evaluate.table(data, model_dir).items()
        }
    write_artifact(booster, card, target)
    seconds = time.perf_counter() - started
    print(
        f"trained {chosen} on {len(train_all.relevance):,} impressions "
        f"(validation NDCG@10: {scores}) in {seconds:.1f} s "
        f"(simulation {simulated:.1f} s) -> {archive}"
    )
    evaluate.print_table(card["held_out"])
    return card


if __name__ == "__main__":
    main()
