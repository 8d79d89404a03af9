"""The Tracer each function makes patches botocore alone (photogram/tracing.py).
Run in a fresh interpreter with Lambda's environment: Powertools traces only in
Lambda, and patches once per process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, sys
from photogram import tracing
tracer = tracing.tracer()
from aws_xray_sdk.core import patcher
print(json.dumps({
    "patched": sorted(patcher._PATCHED_MODULES),
    "imported": sorted(m for m in ("requests", "sqlite3", "boto3") if m in sys.modules),
}))
"""


def test_only_botocore_is_patched_and_nothing_else_is_imported_for_it():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POWERTOOLS_", "AWS_"))}
    env.update(
        PYTHONPATH=f"{ROOT}:{ROOT / 'layers/core/python'}",
        AWS_LAMBDA_FUNCTION_NAME="photogram-test",
        LAMBDA_TASK_ROOT=str(ROOT),  # Powertools: tracing is on in Lambda only
        AWS_REGION="us-east-1",
    )
    out = subprocess.check_output([sys.executable, "-c", PROBE], env=env, cwd=ROOT)

    assert json.loads(out) == {"patched": ["botocore"], "imported": []}
