"""SageMaker hosting functions for the feed's ranking model: the same file serves in
SageMaker's XGBoost container (as `code/inference.py` in model.tar.gz) and in the
local SageMaker-compatible endpoint.

Request (JSON): {"features": [names...], "rows": [[...], ...]} with the names in
`FEATURE_NAMES` order (the feed sends exactly that), or CSV: one row per line, the
same column order, no header. Response (JSON): {"scores": [...]}, one per row, higher
ranks first.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import xgboost as xgb

MODEL_FILE = "xgboost-model"
CARD_FILE = "model-card.json"


class Model:
    def __init__(self, booster: xgb.Booster, features: list[str]) -> None:
        self.booster, self.features = booster, features


def model_fn(model_dir: str) -> Model:
    directory = Path(model_dir)
    booster = xgb.Booster()
    # A buffer, not a path: SageMaker's file name has no extension to tell the format.
    booster.load_model(bytearray((directory / MODEL_FILE).read_bytes()))
    booster.set_param({"nthread": 1})
    card = json.loads((directory / CARD_FILE).read_text())
    return Model(booster, list(card["features"]))


def _matrix(rows: list[Any]) -> np.ndarray:
    if not rows:
        return np.zeros((0, 0), dtype=np.float32)
    return np.asarray(rows, dtype=np.float32).reshape(len(rows), -1)


def input_fn(body: bytes | str, content_type: str) -> tuple[np.ndarray, list[str] | None]:
    text = body.decode() if isinstance(body, bytes) else body
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/json":
        payload = json.loads(text)
        rows = payload["rows"] if isinstance(payload, dict) else payload
        names = payload.get("features") if isinstance(payload, dict) else None
        return _matrix(rows), names
    if kind == "text/csv":
        rows = [list(map(float, r)) for r in csv.reader(io.StringIO(text)) if r]
        return _matrix(rows), None
    raise ValueError(f"unsupported content type: {content_type}")


def predict_fn(data: Any, model: Model) -> list[float]:
    rows, names = data if isinstance(data, tuple) else (data, None)
    if names is not None and list(names) != model.features:
        raise ValueError(f"features {names} do not match the model's {model.features}")
    if rows.shape[0] == 0:
        return []
    if rows.shape[1] != len(model.features):
        raise ValueError(f"expected {len(model.features)} features, got {rows.shape[1]}")
    return [float(s) for s in model.booster.inplace_predict(rows)]


def output_fn(prediction: list[float], accept: str) -> tuple[str, str]:
    kind = (accept or "application/json").split(";")[0].strip().lower()
    if kind in ("application/json", "*/*"):
        return json.dumps({"scores": prediction}), "application/json"
    if kind == "text/csv":
        return "\n".join(str(s) for s in prediction), "text/csv"
    raise ValueError(f"unsupported accept type: {accept}")
