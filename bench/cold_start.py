"""Cold starts: how long each function's handler module takes to import, against
what any Powertools function pays before its first line of code.

    .venv/bin/python -m bench.cold_start        (part of `make bench`)

Each import runs in a fresh interpreter with the environment a Lambda function
has at init (LAMBDA_TASK_ROOT set, so Powertools' Tracer is on and patches
botocore as it does on AWS; no PHOTOGRAM_* settings, which are read on first use).
The baseline is `import botocore, aws_lambda_powertools.event_handler`, measured in
the same rounds: each round imports the baseline and every handler once, in turn,
so a busy machine slows them alike. Reported: the median of ROUNDS, and the min.

Targets (issue 13): each handler <= 200 ms, and <= 1.5x the baseline.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 9
TARGET_MS = 200.0
TARGET_RATIO = 1.5
BASELINE = "import botocore, aws_lambda_powertools.event_handler"

TIMED = "import time\nt = time.perf_counter()\n{body}\nprint((time.perf_counter() - t) * 1000)\n"
HANDLER = (
    "import importlib.util\n"
    "spec = importlib.util.spec_from_file_location('handler', {path!r})\n"
    "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)"
)


def lambda_env(function: str) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PYTHONPATH=f"{ROOT}:{ROOT / 'layers/core/python'}",
        PYTHONDONTWRITEBYTECODE="1",
        AWS_LAMBDA_FUNCTION_NAME=f"photogram-{function}",
        LAMBDA_TASK_ROOT=str(ROOT),  # what Powertools reads: tracing is on, as in Lambda
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        POWERTOOLS_SERVICE_NAME=function,
        POWERTOOLS_METRICS_NAMESPACE="Photogram",
    )
    return env


def timed_ms(body: str, function: str) -> float:
    code = TIMED.format(body=body)
    out = subprocess.check_output([sys.executable, "-c", code], env=lambda_env(function), cwd=ROOT)
    return float(out.decode().strip().splitlines()[-1])


def main() -> None:
    functions = sorted(p.parent.name for p in (ROOT / "functions").glob("*/handler.py"))
    bodies = {"(baseline)": BASELINE} | {
        f: HANDLER.format(path=str(ROOT / "functions" / f / "handler.py")) for f in functions
    }
    runs: dict[str, list[float]] = {name: [] for name in bodies}
    for _ in range(ROUNDS):
        for name, body in bodies.items():
            runs[name].append(timed_ms(body, name.strip("()")))
    base = statistics.median(runs["(baseline)"])
    print(
        f"cold_start: handler imports in a fresh interpreter, median (min) of {ROUNDS} "
        f"(targets <= {TARGET_MS:.0f} ms and <= {TARGET_RATIO}x the baseline)"
    )
    print(f"  {BASELINE:<52} {base:6.1f} ms ({min(runs['(baseline)']):6.1f})")
    for name in functions:
        median = statistics.median(runs[name])
        ratio = median / base
        verdict = "ok" if median <= TARGET_MS and ratio <= TARGET_RATIO else "OVER"
        print(
            f"  import functions/{name}/handler.py{'':<{26 - len(name)}} {median:6.1f} ms "
            f"({min(runs[name]):6.1f})  {ratio:4.2f}x  {verdict}"
        )


if __name__ == "__main__":
    main()
