"""`make bench`: run every benchmark in turn."""

from bench import api_latency, media_bench

if __name__ == "__main__":
    api_latency.main()
    media_bench.main()
