"""Every key string of the posts domain."""

from __future__ import annotations

import hashlib

POST_SK = "POST"


def post_key(post_id: str) -> tuple[str, str]:
    return f"POST#{post_id}", POST_SK


def author_posts_pk(author_id: str) -> str:
    """GSI1 partition: an author's posts, newest first (the profile grid)."""
    return f"POSTS#{author_id}"


def list_sk(created_at: str, post_id: str) -> str:
    return f"{created_at}#{post_id}"


def hashtag_key(tag: str, created_at: str, post_id: str) -> tuple[str, str]:
    return f"TAG#{tag}", list_sk(created_at, post_id)


def hashtag_pk(tag: str) -> str:
    return f"TAG#{tag}"


def idempotency_key(caller_id: str, key: str) -> tuple[str, str]:
    # Hashed: the client's key is free text and must not shape our partition keys.
    digest = hashlib.sha256(f"{caller_id}\n{key}".encode()).hexdigest()
    return f"IDEMPOTENCY#{digest}", "CREATE_POST"
