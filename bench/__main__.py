"""`make bench`: every benchmark, each in its own interpreter (each starts its own
local runtime, and a Lambda-like process binds its AWS clients once)."""

import subprocess
import sys

BENCHMARKS = (
    "bench.api_latency",
    "bench.cold_start",
    "bench.media_bench",
    "bench.feed_bench",
    "bench.stories_bench",
    "bench.cost_bench",
    "bench.ranking_bench",
    "bench.search_bench",
    "bench.live_bench",
    "bench.messages_bench",
)

if __name__ == "__main__":
    failed = [name for name in BENCHMARKS if subprocess.call([sys.executable, "-m", name]) != 0]
    sys.exit(1 if failed else 0)
