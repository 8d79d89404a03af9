"""`python -m local` (what `make dev` runs): start everything, print where it is, run
until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from local.config import LOCAL_JSON, LocalConfig
from local.runtime import LocalRuntime, PortInUse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local", description=__doc__)
    parser.add_argument("--port", type=int, help="API port (default PHOTOGRAM_API_PORT or 8000)")
    parser.add_argument("--seed", action="store_true", help="create demo users with follows")
    parser.add_argument("--quiet", action="store_true", help="no access log")
    parser.add_argument(
        "--state-file", type=Path, default=LOCAL_JSON, help="where to publish the URLs for clients"
    )
    args = parser.parse_args(argv)

    runtime = LocalRuntime(
        config=LocalConfig.from_env(api_port=args.port),
        state_file=args.state_file,
        access_log=not args.quiet,
    )
    # Installed first, so a Ctrl-C at any moment after this is a clean stop.
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
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
        f"  AWS (moto) {info['aws_endpoint_url']}   region {info['region']}\n"
        f"  User pool {info['user_pool_id']}   app client {info['user_pool_client_id']}\n"
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

        # A thread, so Ctrl-C during seeding still stops at once.
        threading.Thread(target=seed, args=(info,), daemon=True).start()
    stop.wait()
    print("\nStopping…", flush=True)
    runtime.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
