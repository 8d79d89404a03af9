"""Every key string of the users domain."""

from __future__ import annotations

from photogram.keys import Key, user_pk

PROFILE_SK = "PROFILE"
HANDLE_SK = "HANDLE"


def profile_key(user_id: str) -> Key:
    return user_pk(user_id), PROFILE_SK


def handle_pk(handle: str) -> str:
    return f"HANDLE#{handle}"


def handle_key(handle: str) -> Key:
    return handle_pk(handle), HANDLE_SK
