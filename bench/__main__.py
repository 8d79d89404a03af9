"""`make bench`: run every benchmark in turn."""

from bench import api_latency

if __name__ == "__main__":
    api_latency.main()
