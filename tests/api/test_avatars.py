"""Avatars: my own READY avatar upload, shown wherever I appear; replacing one
deletes the old; nobody can wear someone else's picture."""

import io

import requests
from PIL import Image

from tests.api.test_feed import publish, wait_for_timeline
from tests.support import error_code, upload


def picture(colour=(200, 40, 40)):
    out = io.BytesIO()
    Image.new("RGB", (400, 400), colour).save(out, "JPEG")
    return out.getvalue()


def avatar_media(client, colour=(200, 40, 40)):
    media = upload(client, picture(colour), "image/jpeg", purpose="avatar")
    assert media["status"] == "READY", media
    return media["media_id"]


def test_my_avatar_shows_on_my_profile_posts_and_in_feeds(runtime, make_user):
    author, viewer = make_user("author"), make_user("viewer")
    viewer.post(f"/users/{author.handle}/follow")
    media_id = avatar_media(author)

    me = author.put("/me", json={"avatar_media_id": media_id})

    assert me.status_code == 200, me.text
    avatar = me.json()["avatar"]
    assert set(avatar) == {"thumbnail", "small", "blur_placeholder"}
    with Image.open(io.BytesIO(requests.get(avatar["thumbnail"], timeout=10).content)) as image:
        assert max(image.size) == 150
    assert viewer.get(f"/users/{author.handle}").json()["avatar"] == avatar
    post_id = publish(author)
    wait_for_timeline(runtime, viewer.user_id, [post_id])
    item = next(p for p in viewer.get("/feed").json()["items"] if p["post_id"] == post_id)
    assert item["author"]["avatar"] == avatar
    follower = viewer.get(f"/users/{viewer.handle}/following").json()["items"][0]["user"]
    assert follower["avatar"] == avatar


def test_a_new_avatar_replaces_and_deletes_the_old_and_empty_removes_it(make_user):
    user = make_user("user")
    first = avatar_media(user)
    old = user.put("/me", json={"avatar_media_id": first}).json()["avatar"]
    second = avatar_media(user, (10, 200, 10))

    new = user.put("/me", json={"avatar_media_id": second}).json()["avatar"]

    assert new != old
    assert user.get(f"/media/{first}").status_code == 404
    # As CloudFront answers for a missing object behind an S3 origin access control.
    assert requests.get(old["thumbnail"], timeout=10).status_code in (403, 404)
    assert user.put("/me", json={"avatar_media_id": second}).json()["avatar"] == new
    assert user.put("/me", json={"avatar_media_id": ""}).json()["avatar"] is None
    assert user.get(f"/media/{second}").status_code == 404


def test_only_my_own_ready_avatar_uploads_can_be_worn(make_user):
    user, other = make_user("user"), make_user("other")
    theirs = avatar_media(other)
    post_media = upload(user, picture(), "image/jpeg")["media_id"]
    mine = avatar_media(user)
    user.put("/me", json={"avatar_media_id": mine})

    stolen = user.put("/me", json={"avatar_media_id": theirs})
    wrong = user.put("/me", json={"avatar_media_id": post_media})
    taken = other.put("/me", json={"avatar_media_id": mine})

    assert (stolen.status_code, error_code(stolen)) == (404, "media_not_found")
    assert (wrong.status_code, error_code(wrong)) == (400, "media_wrong_purpose")
    assert (taken.status_code, error_code(taken)) == (404, "media_not_found")
    assert other.get("/me").json()["avatar"] is None
    assert user.get("/me").json()["avatar"]["thumbnail"]
