"""Posts and engagement as business rules: what a write counts, what it keeps once,
and who may act, asked of the services directly."""

from __future__ import annotations

import pytest

from photogram import db
from photogram.errors import Conflict, NotFound
from photogram.media import repository as media_repo
from photogram.pagination import PageRequest
from photogram.posts import engagement, repository
from photogram.posts import service as posts
from photogram.posts.models import CreateCommentIn, CreatePostIn, UpdatePostIn
from photogram.users import repository as users_repo
from photogram.users import service as users
from photogram.users.models import ProfileIn
from tests.support import unique_handle


def post_of(author_id, ready_media, caption="", **options):
    request = CreatePostIn(media_ids=[ready_media(author_id)], caption=caption)
    return posts.create_post(author_id, request, **options)


def likes(post_id):
    return repository.counts([post_id])[post_id]["likes"]


def post_count(user_id):
    return int(users.require_profile(user_id).post_count)


def test_like_twice_counts_once(person, ready_media):
    author, fan = person("author").user_id, person("fan").user_id
    post = post_of(author, ready_media)

    engagement.like(fan, post.post_id)
    engagement.like(fan, post.post_id)
    assert likes(post.post_id) == 1

    engagement.unlike(fan, post.post_id)
    engagement.unlike(fan, post.post_id)
    assert likes(post.post_id) == 0


def test_a_post_counts_on_its_authors_profile_until_it_is_deleted(person, ready_media):
    author, tag = person("author").user_id, unique_handle("tag")
    post = post_of(author, ready_media, caption=f"#{tag}")
    assert post_count(author) == 1

    posts.delete_post(author, post.post_id)

    assert post_count(author) == 0
    assert repository.get(post.post_id) is None
    assert media_repo.get(post.media[0].media_id) is None
    page = posts.list_hashtag_posts(author, tag, PageRequest(limit=10))
    assert page.items == []


def test_a_retried_create_with_the_same_key_is_one_post(person, ready_media):
    author = person("author").user_id
    request = CreatePostIn(media_ids=[ready_media(author)], caption="once")

    first = posts.create_post(author, request, idempotency_key="k-1")
    again = posts.create_post(author, request, idempotency_key="k-1")

    assert again.post_id == first.post_id
    assert post_count(author) == 1


def test_a_key_used_for_another_request_is_refused(person, ready_media):
    author = person("author").user_id
    post_of(author, ready_media, idempotency_key="k-2")

    with pytest.raises(Conflict) as refused:
        post_of(author, ready_media, caption="different", idempotency_key="k-2")

    assert refused.value.code == "idempotency_key_reused"
    assert post_count(author) == 1


def test_media_is_published_once(person, ready_media):
    author = person("author").user_id
    media_id = ready_media(author)
    posts.create_post(author, CreatePostIn(media_ids=[media_id]))

    with pytest.raises(Conflict) as refused:
        posts.create_post(author, CreatePostIn(media_ids=[media_id]))

    assert refused.value.code == "media_in_use"
    assert post_count(author) == 1


def test_a_new_caption_moves_the_post_between_hashtags(person, ready_media):
    author = person("author").user_id
    old_tag, new_tag = unique_handle("old"), unique_handle("new")
    post = post_of(author, ready_media, caption=f"#{old_tag}")

    posts.update_post(author, post.post_id, UpdatePostIn(caption=f"now #{new_tag}"))

    def tagged(tag):
        page = posts.list_hashtag_posts(author, tag, PageRequest(limit=10))
        return [p.post_id for p in page.items]

    assert tagged(old_tag) == [] and tagged(new_tag) == [post.post_id]


def test_a_comment_counts_until_it_is_deleted(person, ready_media):
    author, fan = person("author").user_id, person("fan").user_id
    post = post_of(author, ready_media)

    comment = engagement.add_comment(fan, post.post_id, CreateCommentIn(text="nice"))
    assert repository.counts([post.post_id])[post.post_id]["comments"] == 1

    engagement.delete_comment(author, post.post_id, comment.comment_id)
    assert repository.counts([post.post_id])[post.post_id]["comments"] == 0


def test_nobody_likes_a_post_they_may_not_see(person, ready_media):
    author, stranger = person("author", is_private=True).user_id, person("stranger").user_id
    post = post_of(author, ready_media)

    with pytest.raises(NotFound):
        engagement.like(stranger, post.post_id)

    assert likes(post.post_id) == 0


def test_a_changed_handle_frees_the_old_one(person):
    first, second = person("first"), person("second")

    users.put_me(first.user_id, ProfileIn(handle=unique_handle("renamed")))
    users.put_me(second.user_id, ProfileIn(handle=first.handle))

    assert users_repo.user_id_for(first.handle) == second.user_id


def test_a_new_avatar_deletes_the_old_avatars_media_item(person, ready_media):
    user = person("user").user_id
    old, new = ready_media(user, "avatar"), ready_media(user, "avatar")
    users.put_me(user, ProfileIn(avatar_media_id=old))

    users.put_me(user, ProfileIn(avatar_media_id=new))

    assert media_repo.get(old) is None
    claimed = media_repo.get(new)
    assert claimed is not None and claimed.attached_to == f"{media_repo.PROFILE_HOLDER}{user}"
    assert users.require_profile(user).avatar["media_id"] == new


def test_a_profile_change_made_from_a_stale_read_is_refused(person):
    user = person("user").user_id
    stale = users.require_profile(user)
    users.put_me(user, ProfileIn(handle=unique_handle("moved")))

    with pytest.raises(db.TransactWriteError):
        db.transact(
            lambda tx: users_repo.change_profile(
                tx, stale, updated_at="2026-12-02T00:00:00Z", fields={"bio": "late"}
            )
        )

    assert users.require_profile(user).bio == ""
