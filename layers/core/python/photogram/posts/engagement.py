"""Likes, saves and comments. Each action and its counter change commit together,
and nobody can act on a post they cannot see."""

from __future__ import annotations

from photogram import db, ids, metrics
from photogram.errors import Forbidden
from photogram.limits import service as limits
from photogram.limits.models import Action
from photogram.pagination import PageRequest, cursors
from photogram.posts import keys, repository
from photogram.posts.errors import comment_not_found
from photogram.posts.models import (
    CommentOut,
    CommentPage,
    CreateCommentIn,
    LikeOut,
    PostPage,
    SaveOut,
)
from photogram.posts.repository import CommentRow, LikeRow, PostRow, SaveRow
from photogram.posts.service import (
    author_out,
    render,
    resolve_mentions,
    visible_authors,
    visible_post,
)
from photogram.social import repository as social_repo
from photogram.social.models import UserListItem, UserPage
from photogram.users import repository as users_repo
from photogram.users import service as users
from photogram.users.errors import profile_required
from photogram.users.repository import ProfileRow


def _exists(key: tuple[str, str]) -> bool:
    return key in db.batch_get([key])


Key = tuple[str, str]


def _mark(
    viewer_id: str,
    post_id: str,
    key: Key,
    row_cls: repository.Marker,
    listed: Key,
    counter: str,
    limited: Action | None = None,
) -> bool:
    """Put my like or save of a post (once) and count it, in one transaction; False if
    it was there already. `listed` is the GSI1 list it joins: (partition, the id after
    the time in its sort key). With `limited`, the transaction also spends one use of
    that rate limit (RateLimited when none is left); a mark already there spends none."""

    def attempt() -> bool:
        if _exists(key):
            return False

        def write(tx: db.TransactWrite) -> None:
            repository.put_mark(tx, row_cls, key, post_id, viewer_id, listed)
            repository.add_count(tx, post_id, viewer_id, counter, 1)
            repository.require_post(tx, post_id)

        if limited is None:
            db.transact(write)
        else:
            limits.transact(viewer_id, limited, write)
        return True

    return db.optimistic(attempt)


def _unmark(
    viewer_id: str, post_id: str, key: Key, row_cls: repository.Marker, counter: str
) -> None:
    """Remove my like or save (idempotent) and uncount it, in one transaction."""

    def attempt() -> None:
        if not _exists(key):
            return

        def write(tx: db.TransactWrite) -> None:
            repository.delete_mark(tx, row_cls, key)
            repository.add_count(tx, post_id, viewer_id, counter, -1)

        db.transact(write)

    db.optimistic(attempt)


def _likes(post_id: str) -> int:
    return repository.counts([post_id])[post_id]["likes"]


def _hidden_engagers(viewer_id: str, post: PostRow, user_ids: list[str]) -> set[str]:
    """Whose likes and comments on the post are not shown to the viewer: users blocked
    either way with the viewer, and with the post's author, so a block also takes
    each side's earlier engagement off the other's posts for everyone (the counts
    stay: docs/decisions.md §32). One read; pages may come back shorter."""
    return social_repo.blocked_with_any({viewer_id, post.author_id}, user_ids)


# --- likes -------------------------------------------------------------------------------


def like(viewer_id: str, post_id: str) -> LikeOut:
    """Like a post I can see; liking twice counts once (and spends one use of my like
    limit). Raises NotFound(post_not_found), RateLimited(rate_limited)."""
    visible_post(viewer_id, post_id)
    listed = (keys.likers_pk(post_id), viewer_id)
    key = keys.like_key(post_id, viewer_id)
    if _mark(viewer_id, post_id, key, LikeRow, listed, "likes", limited="like"):
        metrics.count("Likes")
    return LikeOut(post_id=post_id, liked=True, likes=_likes(post_id))


def unlike(viewer_id: str, post_id: str) -> LikeOut:
    """Take my like back (idempotent). Raises NotFound(post_not_found)."""
    visible_post(viewer_id, post_id)
    _unmark(viewer_id, post_id, keys.like_key(post_id, viewer_id), LikeRow, "likes")
    return LikeOut(post_id=post_id, liked=False, likes=_likes(post_id))


def list_likers(viewer_id: str, post_id: str, page: PageRequest) -> UserPage:
    """Who liked a post I can see, newest first; likes across a block are left out
    (`_hidden_engagers`)."""
    post, _ = visible_post(viewer_id, post_id)
    scope = f"LIKES:{post_id}:{viewer_id}"
    start = cursors().open(page.cursor, scope)
    rows, position = db.query_page(keys.likers_pk(post_id), page.limit, start, on_index=True)
    likes = [r for r in rows if isinstance(r, LikeRow)]
    user_ids = [r.user_id for r in likes]
    profiles = users_repo.get_profiles(user_ids)
    hidden = _hidden_engagers(viewer_id, post, user_ids)
    items = [
        UserListItem(user=users.to_summary(profiles[r.user_id]), since=r.created_at)
        for r in likes
        if r.user_id in profiles and r.user_id not in hidden
    ]
    return UserPage(items=items, next_cursor=cursors().seal(position, scope))


# --- saves --------------------------------------------------------------------------------


def save(viewer_id: str, post_id: str) -> SaveOut:
    """Save a post I can see to my private collection (idempotent)."""
    visible_post(viewer_id, post_id)
    listed = (keys.saved_pk(viewer_id), post_id)
    _mark(viewer_id, post_id, keys.save_key(viewer_id, post_id), SaveRow, listed, "saves")
    return SaveOut(post_id=post_id, saved=True)


def unsave(viewer_id: str, post_id: str) -> SaveOut:
    """Remove a post from my saved collection (idempotent; works even if I can no longer see it)."""
    _unmark(viewer_id, post_id, keys.save_key(viewer_id, post_id), SaveRow, "saves")
    return SaveOut(post_id=post_id, saved=False)


def list_saved(viewer_id: str, page: PageRequest) -> PostPage:
    """My saved posts, newest save first; posts I can no longer see are left out."""
    scope = f"SAVED:{viewer_id}"
    start = cursors().open(page.cursor, scope)
    rows, position = db.query_page(keys.saved_pk(viewer_id), page.limit, start, on_index=True)
    saves = [r for r in rows if isinstance(r, SaveRow)]
    posts = repository.get_many([s.post_id for s in saves])
    authors = visible_authors(viewer_id, {p.author_id for p in posts.values()})
    visible = [
        (posts[s.post_id], authors[posts[s.post_id].author_id])
        for s in saves
        if s.post_id in posts and posts[s.post_id].author_id in authors
    ]
    return PostPage(items=render(viewer_id, visible), next_cursor=cursors().seal(position, scope))


# --- comments -------------------------------------------------------------------------------


def add_comment(viewer_id: str, post_id: str, request: CreateCommentIn) -> CommentOut:
    """Comment on a post I can see, or reply to one of its top-level comments.
    Raises NotFound, Forbidden(profile_required, reply_depth), RateLimited(rate_limited)."""
    visible_post(viewer_id, post_id)
    author = users_repo.get_profile(viewer_id)
    if author is None:
        raise profile_required()
    parent_author = None
    if request.reply_to is not None:
        parent = _comment(post_id, request.reply_to)
        if parent.reply_to is not None:
            raise Forbidden("reply_depth", "Replies go one level deep: reply to the top comment.")
        parent_author = parent.author_id
    row = repository.new_comment(
        post_id,
        ids.new_id(),
        viewer_id,
        request.text,
        resolve_mentions(viewer_id, request.text),
        request.reply_to,
        parent_author,
    )

    def write(tx: db.TransactWrite) -> None:
        repository.put_comment(tx, row)
        repository.add_count(tx, post_id, viewer_id, "comments", 1)
        repository.require_post(tx, post_id)

    limits.transact(viewer_id, "comment", write)
    metrics.count("Comments")
    return _comment_out(row, author)


def _comment(post_id: str, comment_id: str) -> CommentRow:
    comment = repository.get_comment(post_id, comment_id)
    if comment is None:
        raise comment_not_found()
    return comment


def _comment_out(row: CommentRow, author: ProfileRow) -> CommentOut:
    return CommentOut(
        comment_id=row.comment_id,
        post_id=row.post_id,
        author=author_out(author),
        text=row.text,
        mentions=[m["handle"] for m in row.mentions or []],
        reply_to=row.reply_to,
        created_at=row.created_at,
    )


def list_comments(viewer_id: str, post_id: str, page: PageRequest) -> CommentPage:
    """A post's comments, oldest first; comments across a block are left out
    (`_hidden_engagers`)."""
    post, _ = visible_post(viewer_id, post_id)
    scope = f"COMMENTS:{post_id}:{viewer_id}"
    start = cursors().open(page.cursor, scope)
    rows, position = repository.comments_page(post_id, page.limit, start)
    author_ids = list({r.author_id for r in rows})
    profiles = users_repo.get_profiles(author_ids)
    hidden = _hidden_engagers(viewer_id, post, author_ids)
    items = [
        _comment_out(r, profiles[r.author_id])
        for r in rows
        if r.author_id in profiles and r.author_id not in hidden
    ]
    return CommentPage(items=items, next_cursor=cursors().seal(position, scope))


def delete_comment(viewer_id: str, post_id: str, comment_id: str) -> None:
    """Delete a comment: its author or the post's author may. Raises NotFound, Forbidden."""
    post, _ = visible_post(viewer_id, post_id)
    row = _comment(post_id, comment_id)
    if viewer_id not in (row.author_id, post.author_id):
        raise Forbidden("not_allowed", "Only the comment's or the post's author can delete it.")

    def write(tx: db.TransactWrite) -> None:
        repository.delete_comment(tx, row)
        repository.add_count(tx, post_id, row.author_id, "comments", -1)

    try:
        db.transact(write)
    except db.TransactWriteError as error:
        if db.is_retryable(error):
            return  # deleted by someone else meanwhile: the outcome is the same
        raise
