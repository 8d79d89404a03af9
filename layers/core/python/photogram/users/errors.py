"""The users domain's errors, named once (the codes clients branch on)."""

from __future__ import annotations

from photogram.errors import Conflict, Forbidden, NotFound


def profile_not_found() -> NotFound:
    return NotFound("profile_not_found", "You have no profile yet: PUT /me with a handle.")


def user_not_found() -> NotFound:
    return NotFound("user_not_found", "No such user.")


def profile_required() -> Forbidden:
    """For a signed-in caller who has not created a profile yet."""
    return Forbidden("profile_required", "Create your profile (PUT /me) first.")


def handle_taken() -> Conflict:
    return Conflict("handle_taken", "That handle is in use.")
