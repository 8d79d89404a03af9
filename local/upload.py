"""`python -m local.upload alice photo.jpg`: upload a photo as the app would (POST
/media, the presigned POST straight to S3, then poll until processed) and print the
media item with its CDN URLs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import requests

from local.client import CONTENT_TYPES, id_token, post_file, wait_for_media
from local.config import read_local_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("user", help="a name (alice -> alice@photogram.test) or an email")
    parser.add_argument("photo", type=Path)
    parser.add_argument("--purpose", default="post", choices=["post", "story", "avatar"])
    args = parser.parse_args()
    info = read_local_json()
    data = args.photo.read_bytes()
    content_type = CONTENT_TYPES.get(args.photo.suffix.lower(), "image/jpeg")
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {id_token(info, args.user)}"
    created = session.post(
        info["api_url"] + "/media",
        json={"content_type": content_type, "size_bytes": len(data), "purpose": args.purpose},
        timeout=10,
    )
    if created.status_code != 201:
        raise SystemExit(f"POST /media -> {created.status_code} {created.text}")
    uploaded = post_file(created.json(), data, content_type)
    if uploaded.status_code != 204:
        raise SystemExit(f"upload -> {uploaded.status_code} {uploaded.text}")
    media = wait_for_media(
        lambda path: session.get(info["api_url"] + path, timeout=10), created.json()["media_id"]
    )
    print(json.dumps(media, indent=2))


if __name__ == "__main__":
    main()
