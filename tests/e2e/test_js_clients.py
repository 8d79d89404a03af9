"""The JavaScript libraries the apps sign in with, run through Node against the local
Cognito and API: sign-up, confirm, SRP sign-in (a wrong password refused), refresh,
GET /me with the id token, sign-out that revokes, and a refresh after it refused.

The libraries are installed once with npm into a cache folder outside the repository,
named by a hash of the package list, and reused by every run and every checkout.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from local.client import DEMO_PASSWORD
from tests.support import unique_handle

pytestmark = pytest.mark.js

PACKAGES = ("amazon-cognito-identity-js@6.3.21", "aws-amplify@6.22.1")
SCRIPTS = Path(__file__).parent / "js"
INSTALLED = ".photogram-installed.json"


def cache_folder() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256("".join(f"{p}\n" for p in PACKAGES).encode()).hexdigest()[:16]
    return base / "photogram" / "js-clients" / digest


def install(folder: Path) -> None:
    """npm install into a private folder, then rename it into place, so two test
    workers installing at once cannot leave a half-filled folder behind."""
    if folder.exists():
        # Only a finished install is renamed into place, with its marker.
        shutil.rmtree(folder)
    staging = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    (staging / "package.json").write_text('{"name": "photogram-js-clients", "private": true}\n')
    started = time.perf_counter()
    done = subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", *PACKAGES],
        cwd=staging,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, f"npm install failed:\n{done.stdout}\n{done.stderr}"
    marker = {"packages": PACKAGES, "install_seconds": round(time.perf_counter() - started, 1)}
    (staging / INSTALLED).write_text(json.dumps(marker) + "\n")
    try:
        staging.rename(folder)
    except OSError:
        # Another worker finished first; its copy is as good.
        shutil.rmtree(staging, ignore_errors=True)


@pytest.fixture(scope="session")
def js_modules() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are not on PATH: the JavaScript client test needs them")
    folder = cache_folder()
    if not (folder / INSTALLED).exists():
        install(folder)
    return folder


def run(script: str, info: dict[str, Any], js_modules: Path) -> dict[str, Any]:
    handle = unique_handle("js")
    given = {
        "endpoint": info["aws_endpoint_url"],
        "userPoolId": info["user_pool_id"],
        "clientId": info["user_pool_client_id"],
        "apiUrl": info["api_url"],
        "email": f"{handle}@photogram.test",
        "password": DEMO_PASSWORD,
        "handle": handle,
    }
    done = subprocess.run(
        ["node", str(SCRIPTS / script), json.dumps(given)],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, PHOTOGRAM_JS_MODULES=str(js_modules)),
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def test_amazon_cognito_identity_js_signs_in_refreshes_and_revokes(info, js_modules):
    results = run("cognito_identity_js.mjs", info, js_modules)

    assert results == {
        "sign_up": "ok",
        "confirm": "ok",
        "wrong_password": "NotAuthorizedException",
        "sign_in": "ok",
        "put_me": 200,
        "get_me": 200,
        "refresh": "ok",
        "get_me_after_refresh": 200,
        "revoke": "ok",
        "refresh_after_revoke": "NotAuthorizedException",
        "get_tokens_after_revoke": "NotAuthorizedException",
        "sign_in_two_devices": "ok",
        "global_sign_out": "ok",
        "refresh_after_global_sign_out": "NotAuthorizedException",
    }


def test_amplify_v6_signs_in_refreshes_and_revokes(info, js_modules):
    results = run("amplify.mjs", info, js_modules)

    assert results == {
        "sign_up": "ok",
        "confirm": "ok",
        "wrong_password": "NotAuthorizedException",
        "sign_in": "ok",
        "put_me": 200,
        "get_me": 200,
        "refresh": "ok",
        "get_me_after_refresh": 200,
        "sign_out": "ok",
        "get_tokens_after_sign_out": "NotAuthorizedException",
        "sign_in_again": "ok",
        "global_sign_out": "ok",
        "get_tokens_after_global_sign_out": "NotAuthorizedException",
    }
