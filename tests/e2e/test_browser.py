"""A web client on another origin, in a real browser (headless Chromium): it signs in
with Cognito, calls the API, reads an error, uploads a photo by the presigned POST
and waits for the pipeline, every cross-origin call under the browser's own CORS
rules. The same page served from an origin that is not allowed cannot read the API.

Skipped where no Chromium is installed (`apt-get install chromium`)."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from local.client import DEMO_PASSWORD, email_for, sign_up
from tests.support import unique_handle

PAGE = Path(__file__).with_name("browser") / "app.html"
BROWSER = next(
    (
        found
        for name in ("chromium", "chromium-browser", "google-chrome")
        if (found := shutil.which(name))
    ),
    None,
)

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        BROWSER is None, reason="no Chromium on this machine: apt-get install chromium"
    ),
]


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class PageServer:
    """Serves the page and its config on `host`, and receives the page's report."""

    def __init__(self, host: str, config: dict[str, Any]) -> None:
        self.reported = threading.Event()
        self.report: dict[str, Any] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/config.json":
                    self._send(json.dumps(config).encode(), "application/json")
                else:
                    self._send(PAGE.read_bytes(), "text/html; charset=utf-8")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                outer.report = json.loads(self.rfile.read(length))
                outer.reported.set()
                self._send(b"{}", "application/json")

            def _send(self, body: bytes, content_type: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        address = host.strip("[]")
        server_class = _IPv6Server if ":" in address else ThreadingHTTPServer
        self.server = server_class((address, 0), Handler)
        self.url = f"http://{host}:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_page(info: dict[str, Any], host: str, tmp_path: Path, deadline_s: float = 60) -> dict:
    name = unique_handle("web")
    email = email_for(name)
    sign_up(info, email)
    config = {
        "api_url": info["api_url"],
        "cognito_endpoint": info["aws_endpoint_url"],
        "client_id": info["user_pool_client_id"],
        "email": email,
        "password": DEMO_PASSWORD,
        "handle": name,
    }
    page = PageServer(host, config)
    browser = subprocess.Popen(
        [
            str(BROWSER),
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            page.url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert page.reported.wait(deadline_s), "the page reported nothing"
        return page.report
    finally:
        browser.kill()
        browser.wait()
        page.close()


def test_a_page_on_an_allowed_origin_signs_in_calls_the_api_and_uploads(info, tmp_path):
    report = run_page(info, "localhost", tmp_path)
    steps = report["steps"]

    assert report["origin"].startswith("http://localhost:")
    assert steps["sign_in"]["value"]["status"] == 200
    assert steps["put_me"]["value"]["status"] == 200
    assert steps["get_me"]["value"]["body"]["handle"]
    assert steps["error"]["value"]["status"] == 404
    assert steps["error"]["value"]["body"]["error"]["code"] == "user_not_found"
    assert steps["upload"]["value"]["status"] == 204
    assert steps["upload"]["value"]["etag"]
    assert steps["media"]["value"]["status"] == "READY"


def test_a_page_on_another_origin_cannot_read_the_api(info, tmp_path):
    report = run_page(info, "[::1]", tmp_path)
    steps = report["steps"]

    assert steps["sign_in"]["ok"] is True  # Cognito answers any origin, as AWS does
    assert steps["put_me"] == {"ok": False, "error": "TypeError: Failed to fetch"}
