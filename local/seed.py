"""Demo data for a running local system: `make seed` or `make dev ARGS=--seed`.

Creates alice, bob, carol (private) and dave through the public API, as the app
would, with follows between them and one pending follow request; then each sets
an avatar and posts photos (uploaded through the presigned POST and the media pipeline, as the phone
does; some at places), and they like and comment on each other's posts, so `GET /feed` has a
ranked feed to show; bob, carol, dave and alice (for her close friend bob) post
stories, so `GET /stories/tray` has rings. Photos come from `--photos DIR` (JPEG,
PNG, WebP, HEIC), else the shared media corpus beside the checkout, else pictures
drawn here.
"""

from __future__ import annotations

import argparse
import io
import itertools
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests

from local.client import (
    CONTENT_TYPES,
    DEMO_PASSWORD,
    email_for,
    id_token,
    upload_photo,
)
from local.config import read_local_json

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "media-corpus"
# Realistic phone photos in the corpus (see its README).
CORPUS_PHOTOS = [
    "jpg/mobile/jolla.jpg",
    "jpg/Canon_40D.jpg",
    "jpg/Nikon_D70.jpg",
    "jpg/Pentax_K10D.jpg",
    "jpg/orientation/landscape_6.jpg",
    "jpg/orientation/portrait_3.jpg",
    "jpg/gps/DSCN0010.jpg",
    "jpg/gps/DSCN0021.jpg",
    "heic/IMG_5195.HEIC",
    "jpg/hdr/iphone_hdr_YES.jpg",
]
CAPTIONS = {
    "alice": ["Tea time #garden #tea", "Found a rabbit hole #travel", "Sunday light #garden"],
    "bob": ["New workshop #diy", "Scaffolding at dawn #city #diy", "Lunch break #food"],
    "carol": ["Flight day #travel #sky", "Quiet morning #coffee"],
    "dave": ["Hello from Jupiter #space #travel", "Pod bay #space", "Dinner #food"],
}
# Where some posts were taken (a name and a position make a place: GET /search/places).
LOCATIONS = {
    "Tea time #garden #tea": {"name": "Café Central", "latitude": 48.2104, "longitude": 16.3655},
    "Sunday light #garden": {"name": "Kew Gardens", "latitude": 51.4787, "longitude": -0.2956},
    "Lunch break #food": {"name": "Café Central", "latitude": 48.2105, "longitude": 16.3657},
    "Quiet morning #coffee": {"name": "Café de Flore", "latitude": 48.8541, "longitude": 2.3326},
}
LIKES = [("alice", "bob"), ("dave", "bob"), ("bob", "alice"), ("dave", "alice")]
COMMENTS = [("alice", "bob", "Looks great @bob!"), ("bob", "alice", "Love this #garden")]

USERS = {
    "alice": {"display_name": "Alice Liddell", "bio": "Down the rabbit hole.", "is_private": False},
    "bob": {"display_name": "Bob Builder", "bio": "Can we fix it?", "is_private": False},
    "carol": {"display_name": "Carol Danvers", "bio": "Private account.", "is_private": True},
    "dave": {"display_name": "Dave Bowman", "bio": "Open the pod bay doors.", "is_private": False},
}
FOLLOWS = [
    ("alice", "bob"),
    ("bob", "alice"),
    ("dave", "alice"),
    ("dave", "bob"),
    ("alice", "carol"),
]
# Stories: (author, audience); alice has bob as a close friend.
STORIES = [
    ("bob", "followers"),
    ("bob", "followers"),
    ("carol", "followers"),
    ("alice", "close_friends"),
    ("dave", "followers"),
]
CLOSE_FRIENDS = [("alice", "bob")]
# carol approves alice; bob's request stays pending.
REQUESTS_APPROVED = [("carol", "alice")]
PENDING = [("bob", "carol")]


def _call(info: dict[str, Any], token: str, method: str, path: str, body: Any = None) -> Any:
    response = requests.request(
        method,
        info["api_url"] + path,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    if response.status_code >= 400:
        raise SystemExit(f"{method} {path} -> {response.status_code} {response.text}")
    return response.json()


def photos(folder: Path | None) -> Iterator[tuple[bytes, str, str]]:
    """(bytes, content type, where from), endlessly: the folder's images, the corpus's
    phone photos, or drawn pictures when neither is there."""
    # Not tests/fixtures: those are drawn too, but small (at most 800 px), some of them
    # hostile; 1600x1200 is nearer what a phone uploads, for the demo and for the
    # moderation tests' resized copies (tests/pipeline/test_uploads.py).
    if folder is not None:
        files = sorted(p for p in folder.iterdir() if p.suffix.lower() in CONTENT_TYPES)
    else:
        files = [CORPUS / p for p in CORPUS_PHOTOS if (CORPUS / p).is_file()]
    if files:
        for path in itertools.cycle(files):
            yield path.read_bytes(), CONTENT_TYPES[path.suffix.lower()], path.name
    from PIL import Image, ImageDraw

    rng = random.Random(7)  # noqa: S311 - pictures, not secrets
    for n in itertools.count():
        image = Image.new("RGB", (1600, 1200), (rng.randrange(256), 90, rng.randrange(256)))
        draw = ImageDraw.Draw(image)
        for _ in range(12):
            x, y, r = rng.randrange(1600), rng.randrange(1200), rng.randrange(40, 300)
            fill = (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
        out = io.BytesIO()
        image.save(out, "JPEG", quality=88)
        yield out.getvalue(), "image/jpeg", f"drawn-{n}.jpg"


def ready_media(
    info: dict[str, Any], token: str, data: bytes, content_type: str, purpose: str
) -> str:
    """Upload a photo as the app does; its media id once READY."""
    media = upload_photo(info["api_url"], token, data, content_type, purpose)
    if media.get("status") != "READY":
        raise SystemExit(f"media {media.get('media_id')} ended {media.get('status')}: {media}")
    return str(media["media_id"])


def publish(info: dict[str, Any], token: str, data: bytes, content_type: str, caption: str) -> str:
    """Upload a photo and post it (at its place, if LOCATIONS has one); the post id."""
    media_id = ready_media(info, token, data, content_type, "post")
    body: dict[str, Any] = {"media_ids": [media_id], "caption": caption}
    if caption in LOCATIONS:
        body["location"] = LOCATIONS[caption]
    return str(_call(info, token, "POST", "/posts", body)["post_id"])


def seed(info: dict[str, Any], folder: Path | None = None) -> dict[str, str]:
    tokens = {name: id_token(info, name) for name in USERS}
    for name, profile in USERS.items():
        _call(info, tokens[name], "PUT", "/me", {"handle": name, **profile})
    for follower, followee in FOLLOWS + PENDING:
        _call(info, tokens[follower], "POST", f"/users/{followee}/follow")
    for owner, requester in REQUESTS_APPROVED:
        _call(info, tokens[owner], "POST", f"/me/follow-requests/{requester}/approve")
    source = photos(folder)
    sources = set()
    for name in USERS:
        data, content_type, origin = next(source)
        sources.add(origin)
        avatar = ready_media(info, tokens[name], data, content_type, "avatar")
        _call(info, tokens[name], "PUT", "/me", {"avatar_media_id": avatar})
    posts: dict[str, list[str]] = {}
    for name, captions in CAPTIONS.items():
        for caption in captions:
            data, content_type, origin = next(source)
            sources.add(origin)
            posts.setdefault(name, []).append(
                publish(info, tokens[name], data, content_type, caption)
            )
    for liker, author in LIKES:
        for post_id in posts[author]:
            _call(info, tokens[liker], "PUT", f"/posts/{post_id}/like")
    for commenter, author, text in COMMENTS:
        _call(
            info, tokens[commenter], "POST", f"/posts/{posts[author][0]}/comments", {"text": text}
        )
    for owner, friend in CLOSE_FRIENDS:
        _call(info, tokens[owner], "PUT", f"/me/close-friends/{friend}")
    for author, audience in STORIES:
        data, content_type, origin = next(source)
        media_id = ready_media(info, tokens[author], data, content_type, "story")
        _call(
            info, tokens[author], "POST", "/stories", {"media_id": media_id, "audience": audience}
        )
    total = sum(len(p) for p in posts.values())
    print(
        f"Seeded {total} posts from {len(sources)} photos ({', '.join(sorted(sources)[:3])}, ...)"
    )
    print("Seeded demo users (password for all: " + DEMO_PASSWORD + "):")
    for name in USERS:
        print(f"  {name:<6} {email_for(name)}")
    print("  bob has asked to follow carol (private): approve as carol with")
    print("  POST /me/follow-requests/bob/approve")
    print("  alice's home feed: GET /feed with alice's token (python -m local.token alice)")
    print(f"  {len(STORIES)} stories: GET /stories/tray as alice; they expire in 24 h,")
    print("  or now with `make clock ARGS=+25h` (moves the local clock)")
    print("  search: GET /search?q=al (users, hashtags, places), /search/places?q=cafe")
    return tokens


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--photos", type=Path, help="a folder of photos to post")
    args = parser.parse_args()
    seed(read_local_json(), args.photos)
