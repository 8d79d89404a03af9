"""Every key string of the users domain."""

from __future__ import annotations

PROFILE_SK = "PROFILE"
HANDLE_SK = "HANDLE"


def user_pk(user_id: str) -> str:
    return f"USER#{user_id}"


def profile_key(user_id: str) -> tuple[str, str]:
    return user_pk(user_id), PROFILE_SK


def handle_pk(handle: str) -> str:
    return f"HANDLE#{handle}"


def handle_key(handle: str) -> tuple[str, str]:
    return handle_pk(handle), HANDLE_SK
