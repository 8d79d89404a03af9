"""`python -m local` (what `make dev` runs): start everything, print where it is, run
until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from pathlib import Path

from local.config import LOCAL_JSON, LocalConfig
from local.runtime import LocalRuntime, PortInUse

STOP_DEADLINE_S = 10.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--port", type=int, help="API port (default PHOTOGRAM_API_PORT or 8000)")
    parser.add_argument(
        "--live-port",
        type=int,
        help="live connections' WebSocket port (default PHOTOGRAM_LIVE_PORT or 8001; 0: any)",
    )
    parser.add_argument("--seed", action="store_true", help="create demo users with follows")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    parser.add_argument(
        "--state-file", type=Path, default=LOCAL_JSON, help="where to publish the URLs for clients"
    )
    args = parser.parse_args(argv)

    runtime = LocalRuntime(
        config=LocalConfig.from_env(api_port=args.port, live_port=args.live_port),
        state_file=args.state_file,
        access_log=not args.quiet,
    )
    # Installed first, so a Ctrl-C at any moment after this is a clean stop. The
    # handler only appends: a handler that takes a lock (Event.set does) can deadlock
    # when the signal lands while the main thread holds that lock.
    signals: list[int] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda signum, _: signals.append(signum))
    try:
        runtime.start()
    except PortInUse as error:
        print(error, file=sys.stderr)
        return 1
    info = runtime.info
    print(
        f"Photogram is running (ready in {runtime.ready_seconds:.2f} s)\n"
        f"  API       {info['api_url']}\n"
        f"  Docs      {info['docs_url']}\n"
        f"  Live      {info['live_url']}/?token=<id token>   (WebSocket)\n"
        f"  AWS (moto) {info['aws_endpoint_url']}   region {info['region']}\n"
        f"  User pool {info['user_pool_id']}   app client {info['user_pool_client_id']}\n"
        f"  CORS      {', '.join(info['cors_origins']) or 'no browser origin'}"
        " (PHOTOGRAM_CORS_ORIGINS)\n"
        f"  Search    {info['search']['engine']} {info['search']['at'] or ''}"
        " (PHOTOGRAM_LOCAL_SEARCH=osmem|sqlite|off)\n"
        f"  Written to {args.state_file}\n\n"
        f"Get a token and call the API:\n"
        f"  TOKEN=$(.venv/bin/python -m local.token alice)\n"
        f'  curl -s -X PUT {info["api_url"]}/me -H "Authorization: Bearer $TOKEN" '
        f"-H 'Content-Type: application/json' -d '{{\"handle\": \"alice\"}}'\n"
        f"Ctrl-C stops it.",
        flush=True,
    )
    if args.seed:
        from local.seed import seed

        def seeding() -> None:
            try:
                seed(info)
            except (Exception, SystemExit) as error:
                if not signals:
                    print(f"Seeding failed: {error}", file=sys.stderr, flush=True)

        # A thread, so Ctrl-C during seeding still stops at once.
        threading.Thread(target=seeding, daemon=True).start()
    while not signals:
        time.sleep(0.1)
    print("\nStopping…", flush=True)
    # Whatever is in flight (an upload mid-pipeline, a seeding request), Ctrl-C
    # returns within STOP_DEADLINE_S; the state file is gone first of all.
    stopping = threading.Thread(target=runtime.stop, daemon=True)
    stopping.start()
    stopping.join(STOP_DEADLINE_S)
    if stopping.is_alive():
        print(f"Stopped after {STOP_DEADLINE_S:.0f} s, leaving work in flight.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
