"""Cold starts: how long each function's handler module takes to import, against
what any Powertools function pays before its first line of code.

    .venv/bin/python -m bench.cold_start            (part of `make bench`)
    .venv/bin/python -m bench.cold_start ../older   (and another checkout's handlers,
                                                     in the same rounds, to compare)

Each import runs in a fresh interpreter with the environment a Lambda function
has at init (LAMBDA_TASK_ROOT set, so Powertools' Tracer is on and patches
botocore as it does on AWS; no PHOTOGRAM_* settings, which are read on first use).
The baseline is `import botocore, aws_lambda_powertools.event_handler`, measured in
the same rounds: each round imports the baseline and every handler once, in turn,
so a busy machine slows them alike. Reported: the median of ROUNDS, and the min.

Also timed: the same handlers with no byte code anywhere (an empty
PYTHONPYCACHEPREFIX), as a layer built without the runtime's Python runs on AWS,
where /opt is read-only and nothing compiled is kept (infra/layers.py).

Targets (issue 13): each handler <= 200 ms, and <= 1.5x the baseline.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROUNDS = 7
TARGET_MS = 200.0
TARGET_RATIO = 1.5
SOURCE_ONLY = "no byte code"
BASELINE = "import botocore, aws_lambda_powertools.event_handler"

TIMED = "import time\nt = time.perf_counter()\n{body}\nprint((time.perf_counter() - t) * 1000)\n"
HANDLER = (
    "import importlib.util\n"
    "spec = importlib.util.spec_from_file_location('handler', {path!r})\n"
    "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module)"
)


def lambda_env(function: str, root: Path = ROOT) -> dict[str, str]:
    keep = ("PATH", "HOME", "LANG", "TMPDIR")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        PYTHONPATH=f"{root}:{root / 'layers/core/python'}",
        PYTHONDONTWRITEBYTECODE="1",
        AWS_LAMBDA_FUNCTION_NAME=f"photogram-{function}",
        LAMBDA_TASK_ROOT=str(root),  # what Powertools reads: tracing is on, as in Lambda
        AWS_REGION="us-east-1",
        AWS_DEFAULT_REGION="us-east-1",
        POWERTOOLS_SERVICE_NAME=function,
        POWERTOOLS_METRICS_NAMESPACE="Photogram",
    )
    return env


def timed_ms(body: str, function: str, root: Path, compiled: bool = True) -> float:
    code = TIMED.format(body=body)
    env = lambda_env(function, root)
    if not compiled:
        with tempfile.TemporaryDirectory() as empty:
            env["PYTHONPYCACHEPREFIX"] = empty
            out = subprocess.check_output([sys.executable, "-c", code], env=env, cwd=root)
            return float(out.decode().strip().splitlines()[-1])
    out = subprocess.check_output([sys.executable, "-c", code], env=env, cwd=root)
    return float(out.decode().strip().splitlines()[-1])


def handlers(root: Path) -> dict[str, str]:
    return {
        p.parent.name: HANDLER.format(path=str(p))
        for p in sorted((root / "functions").glob("*/handler.py"))
    }


def main() -> None:
    roots = {"": ROOT} | ({"before": Path(sys.argv[1]).resolve()} if len(sys.argv) > 1 else {})
    work = [("(baseline)", "", BASELINE, ROOT)]
    for label, root in roots.items():
        work += [(name, label, body, root) for name, body in handlers(root).items()]
    work += [(name, SOURCE_ONLY, body, ROOT) for name, body in handlers(ROOT).items()]
    runs: dict[tuple[str, str], list[float]] = {(name, label): [] for name, label, _, _ in work}
    for _ in range(ROUNDS):
        for name, label, body, root in work:
            compiled = label != SOURCE_ONLY
            runs[(name, label)].append(timed_ms(body, name.strip("()"), root, compiled))
    base = statistics.median(runs[("(baseline)", "")])
    print(
        f"cold_start: handler imports in a fresh interpreter, median (min) of {ROUNDS} "
        f"(targets <= {TARGET_MS:.0f} ms and <= {TARGET_RATIO}x the baseline)"
    )
    print(f"  {BASELINE:<58} {base:6.1f} ms ({min(runs[('(baseline)', '')]):6.1f})")
    for name, label, _, _ in work[1:]:
        times = runs[(name, label)]
        median = statistics.median(times)
        ratio = median / base
        verdict = "ok" if median <= TARGET_MS and ratio <= TARGET_RATIO else "over"
        where = f"{label}: " if label else ""
        title = f"{where}functions/{name}/handler.py"
        print(f"  {title:<58} {median:6.1f} ms ({min(times):6.1f})  {ratio:4.2f}x  {verdict}")


if __name__ == "__main__":
    main()
