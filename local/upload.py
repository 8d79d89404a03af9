"""`python -m local.upload alice photo.jpg`: upload a photo as the app would (POST
/media, the presigned POST straight to S3, then poll until processed) and print the
media item with its CDN URLs."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from local.client import CONTENT_TYPES, id_token, upload_photo
from local.config import read_local_json


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("user", help="a name (alice -> alice@photogram.test) or an email")
    parser.add_argument("photo", type=Path)
    parser.add_argument("--purpose", default="post", choices=["post", "story", "avatar", "message"])
    args = parser.parse_args()
    info = read_local_json()
    data = args.photo.read_bytes()
    content_type = CONTENT_TYPES.get(args.photo.suffix.lower(), "image/jpeg")
    token = id_token(info, args.user)
    media = upload_photo(info["api_url"], token, data, content_type, args.purpose)
    print(json.dumps(media, indent=2))


if __name__ == "__main__":
    main()
