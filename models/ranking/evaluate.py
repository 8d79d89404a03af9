"""Offline evaluation on held-out viewers: NDCG@10 (graded: save 3, comment 2,
like 1) per feed session, and AUC over impressions, for the trained model, the
heuristic ranker and reverse-chronological order.

    python -m models.ranking.evaluate
    make eval        (bench/ranking_bench.py: this, plus the local endpoint's latency;
                      also part of `make bench`)
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.stats import rankdata

from models.ranking import inference
from models.ranking.artifact import unpack
from models.ranking.simulate import Config, Dataset, simulate
from photogram.feed.ranking import FEATURE_NAMES, Features, HeuristicRanker

RECENCY = FEATURE_NAMES.index("recency_hours")


def held_out(viewers: np.ndarray) -> np.ndarray:
    """One viewer in five is never trained on (by id, so it is stable)."""
    return viewers % 5 == 0


def ndcg_at(data: Dataset, scores: np.ndarray, k: int = 10) -> float:
    """Mean NDCG@k over sessions with at least one engagement."""
    values = []
    order = np.argsort(data.group, kind="stable")
    groups, starts = np.unique(data.group[order], return_index=True)
    bounds = [*starts[1:], len(order)]
    for start, end in zip(starts, bounds, strict=True):
        rows = order[start:end]
        rel = data.relevance[rows]
        if rel.max() == 0:
            continue
        ranked = rel[np.argsort(-scores[rows], kind="stable")][:k]
        ideal = np.sort(rel)[::-1][:k]
        discount = 1.0 / np.log2(np.arange(2, len(ranked) + 2))
        dcg = float(((2.0**ranked - 1) * discount[: len(ranked)]).sum())
        idcg = float(((2.0**ideal - 1) * discount[: len(ideal)]).sum())
        values.append(dcg / idcg)
    del groups
    return float(np.mean(values)) if values else math.nan


def auc(labels: np.ndarray, scores: np.ndarray) -> float:
    positive = labels > 0
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    ranks = rankdata(scores)
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def rankers(model_path: Path) -> dict[str, Callable[[np.ndarray], np.ndarray]]:
    model = inference.model_fn(str(model_path))

    def heuristic(x: np.ndarray) -> np.ndarray:
        return np.asarray(HeuristicRanker().score([Features(*map(float, r)) for r in x]))

    return {
        "model": lambda x: np.asarray(inference.predict_fn(x, model)),
        "heuristic": heuristic,
        "chronological": lambda x: -x[:, RECENCY],
    }


def table(data: Dataset, model_dir: Path) -> dict[str, dict[str, float]]:
    test = data.subset(held_out(data.viewer))
    results = {}
    for name, score in rankers(model_dir).items():
        s = score(test.features)
        results[name] = {"ndcg@10": ndcg_at(test, s), "auc": auc(test.relevance, s)}
    return results


def print_table(results: dict[str, dict[str, float]]) -> None:
    chrono = results["chronological"]["ndcg@10"]
    print(f"  {'ranker':<14} {'NDCG@10':>8} {'AUC':>7}  NDCG vs chronological")
    for name, r in results.items():
        print(f"  {name:<14} {r['ndcg@10']:8.4f} {r['auc']:7.4f}  {r['ndcg@10'] / chrono:.2f}x")


def main(then: Callable[[np.ndarray], None] | None = None) -> None:
    """Print the table and the in-process scoring latency; `then` gets the same
    500-candidate batch (bench/ranking_bench.py times it through the endpoint)."""
    started = time.perf_counter()
    data = simulate(Config())
    with unpack() as model_dir:
        results = table(data, model_dir)
        print(
            f"ranking model (models/ranking/evaluate.py): {len(data.relevance):,} impressions, "
            f"held-out viewers {int(held_out(data.viewer).sum()):,} rows"
        )
        print_table(results)
        model = inference.model_fn(str(model_dir))
        batch = data.features[:500]
        samples = []
        for _ in range(200):
            t = time.perf_counter()
            inference.predict_fn(batch, model)
            samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        print(
            f"  in-process scoring, 500 candidates: p50 {samples[100]:.2f} ms, "
            f"p95 {samples[189]:.2f} ms (target <= 20 ms)"
        )
        if then is not None:
            then(batch)
    print(f"  ({time.perf_counter() - started:.1f} s)")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
