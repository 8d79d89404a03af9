"""What a mobile app does against Cognito, for scripts, tests and benchmarks:
sign up (confirming at once, as moto accepts any code) and sign in."""

from __future__ import annotations

from typing import Any

import boto3

DEMO_PASSWORD = "Photogram-demo-1!"  # noqa: S105 (local demo users only)


def cognito(info: dict[str, Any]) -> Any:
    # moto accepts any credentials; these keep a machine with none (or real ones) away from AWS.
    return boto3.client(
        "cognito-idp",
        endpoint_url=info["aws_endpoint_url"],
        region_name=info["region"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106
    )


def email_for(name: str) -> str:
    return name if "@" in name else f"{name}@photogram.test"


def sign_up(info: dict[str, Any], email: str, password: str = DEMO_PASSWORD) -> str:
    """Create and confirm a user; returns its `sub`. Existing users are left alone."""
    client = cognito(info)
    try:
        sub = client.sign_up(
            ClientId=info["user_pool_client_id"],
            Username=email,
            Password=password,
            UserAttributes=[{"Name": "email", "Value": email}],
        )["UserSub"]
    except client.exceptions.UsernameExistsException:
        user = client.admin_get_user(UserPoolId=info["user_pool_id"], Username=email)
        return next(a["Value"] for a in user["UserAttributes"] if a["Name"] == "sub")
    client.admin_confirm_sign_up(UserPoolId=info["user_pool_id"], Username=email)
    return sub


def sign_in(info: dict[str, Any], email: str, password: str = DEMO_PASSWORD) -> dict[str, str]:
    """The tokens from USER_PASSWORD_AUTH: IdToken, AccessToken, RefreshToken."""
    result = cognito(info).initiate_auth(
        ClientId=info["user_pool_client_id"],
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    return result["AuthenticationResult"]


def id_token(info: dict[str, Any], name: str, password: str = DEMO_PASSWORD) -> str:
    email = email_for(name)
    sign_up(info, email, password)
    return sign_in(info, email, password)["IdToken"]


# --- uploading a photo as the app does ---------------------------------------------

FINAL_STATUSES = {"READY", "REJECTED", "FAILED"}
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".heic": "image/heic",
    ".heif": "image/heif",
}


def post_file(upload: dict[str, Any], data: bytes, content_type: str) -> Any:
    """The presigned POST: the form's fields, then the file as the last field."""
    import requests

    form = upload["upload"]
    return requests.post(
        form["url"], data=form["fields"], files={"file": ("upload", data, content_type)}, timeout=60
    )


def wait_for_media(get: Any, media_id: str, deadline_s: float = 60) -> dict[str, Any]:
    """Poll GET /media/{id} (through `get(path)`) until it is READY, REJECTED or FAILED."""
    import time

    deadline = time.monotonic() + deadline_s
    while True:
        body: dict[str, Any] = get(f"/media/{media_id}").json()
        if body.get("status") in FINAL_STATUSES or time.monotonic() > deadline:
            return body
        time.sleep(0.05)


def upload_photo(
    api_url: str, token: str, data: bytes, content_type: str, purpose: str = "post"
) -> dict[str, Any]:
    """The phone's whole upload: POST /media, the presigned POST straight to S3, then
    poll until the pipeline decides. Returns the media item as GET /media/{id} last
    showed it (READY, REJECTED, FAILED, or still processing at the deadline)."""
    import requests

    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    created = session.post(
        api_url + "/media",
        json={"content_type": content_type, "size_bytes": len(data), "purpose": purpose},
        timeout=10,
    )
    if created.status_code != 201:
        raise SystemExit(f"POST /media -> {created.status_code} {created.text}")
    uploaded = post_file(created.json(), data, content_type)
    if uploaded.status_code != 204:
        raise SystemExit(f"upload -> {uploaded.status_code} {uploaded.text}")
    return wait_for_media(
        lambda path: session.get(api_url + path, timeout=10), created.json()["media_id"]
    )
