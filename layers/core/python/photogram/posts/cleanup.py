"""After a post is deleted: its likes and comments go too (a stream consumer, so the
delete itself stays one small transaction however popular the post was). Saves stay
in their owners' lists until read: `GET /me/saved` leaves out posts that are gone."""

from __future__ import annotations

from photogram import changes
from photogram.posts import repository


@changes.consumes("post")
def on_post(change: changes.Change) -> None:
    if change.event == "REMOVE":
        repository.delete_engagement(str(change.item["post_id"]))
