"""Profile use cases: create or change my profile, read profiles."""

from __future__ import annotations

from pynamodb.expressions.update import Action

from photogram import clock, db
from photogram.errors import Conflict, NotFound, PhotogramError
from photogram.users import repository as repo
from photogram.users.models import Counts, ProfileIn, ProfileOut, UserSummary
from photogram.users.repository import ProfileRow


class HandleRequired(PhotogramError):
    status = 422

    def __init__(self) -> None:
        super().__init__(
            "handle_required",
            "Choose a handle to create your profile.",
            details=[{"field": "handle", "message": "required when creating a profile"}],
        )


def profile_not_found() -> NotFound:
    return NotFound("profile_not_found", "You have no profile yet: PUT /me with a handle.")


def user_not_found() -> NotFound:
    return NotFound("user_not_found", "No such user.")


def to_out(row: ProfileRow) -> ProfileOut:
    return ProfileOut(
        user_id=row.user_id,
        handle=row.handle,
        display_name=row.display_name,
        bio=row.bio,
        is_private=row.is_private,
        counts=Counts(
            followers=int(row.follower_count),
            following=int(row.following_count),
            posts=int(row.post_count),
        ),
        created_at=row.created_at,
    )


def to_summary(row: ProfileRow) -> UserSummary:
    return UserSummary(
        user_id=row.user_id,
        handle=row.handle,
        display_name=row.display_name,
        is_private=row.is_private,
    )


def get_me(user_id: str) -> ProfileOut:
    """My profile. Raises NotFound(profile_not_found) before I have created one."""
    row = repo.get_profile(user_id)
    if row is None:
        raise profile_not_found()
    return to_out(row)


def require_profile(user_id: str) -> ProfileRow:
    row = repo.get_profile(user_id)
    if row is None:
        raise profile_not_found()
    return row


def find_by_handle(handle: str) -> ProfileRow:
    """The profile holding `handle`. Raises NotFound(user_not_found)."""
    user_id = repo.user_id_for(handle.lower())
    row = repo.get_profile(user_id) if user_id else None
    if row is None:
        raise user_not_found()
    return row


def _handle_taken() -> Conflict:
    return Conflict("handle_taken", "That handle is in use.")


def put_me(user_id: str, change: ProfileIn) -> ProfileOut:
    """Create my profile (handle required) or change the fields given.

    Raises HandleRequired, Conflict(handle_taken). A handle is claimed in the same
    transaction that writes the profile, so two users racing for one handle get
    exactly one winner.
    """

    def attempt() -> ProfileRow:
        current = repo.get_profile(user_id)
        if current is None:
            return _create(user_id, change)
        return _update(current, change)

    return to_out(db.optimistic(attempt))


def _apply(row: ProfileRow, change: ProfileIn) -> None:
    for field in ("display_name", "bio", "is_private"):
        value = getattr(change, field)
        if value is not None:
            setattr(row, field, value)


def _create(user_id: str, change: ProfileIn) -> ProfileRow:
    if change.handle is None:
        raise HandleRequired()
    holder = repo.user_id_for(change.handle)
    if holder is not None and holder != user_id:
        raise _handle_taken()
    row = repo.new_profile(user_id, change.handle)
    _apply(row, change)

    def write(tx: db.TransactWrite) -> None:
        tx.save(row, condition=ProfileRow.PK.does_not_exist())
        repo.claim_handle(tx, user_id, change.handle)  # type: ignore[arg-type]

    db.transact(write)
    return row


def _update(current: ProfileRow, change: ProfileIn) -> ProfileRow:
    new_handle = change.handle if change.handle not in (None, current.handle) else None
    if new_handle is not None:
        holder = repo.user_id_for(new_handle)
        if holder is not None and holder != current.user_id:
            raise _handle_taken()
    now = clock.iso()
    actions: list[Action] = [ProfileRow.updated_at.set(now)]
    for field in ("display_name", "bio", "is_private"):
        value = getattr(change, field)
        if value is not None:
            actions.append(getattr(ProfileRow, field).set(value))
    if new_handle is not None:
        actions.append(ProfileRow.handle.set(new_handle))

    def write(tx: db.TransactWrite) -> None:
        # The handle condition makes a concurrent rename of this profile retry.
        tx.update(current, actions, condition=ProfileRow.handle == current.handle)
        if new_handle is not None:
            repo.claim_handle(tx, current.user_id, new_handle)
            repo.release_handle(tx, current.user_id, current.handle)

    db.transact(write)
    _apply(current, change)
    current.updated_at = now
    if new_handle is not None:
        current.handle = new_handle
    return current
