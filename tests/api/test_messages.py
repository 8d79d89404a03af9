"""Direct messages: conversations, sending, history, requests, read marks, removal."""

import pytest
import requests

from tests.support import LiveSocket, error_code, photo, publish, upload


@pytest.fixture
def settle(runtime):
    """Wait until the stream consumer has seen everything written so far."""

    def wait() -> None:
        assert runtime.streams.wait_idle(60)

    return wait


def start(client, *others, **fields):
    response = client.post(
        "/conversations", json={"member_handles": [o.handle for o in others], **fields}
    )
    assert response.status_code in (200, 201), response.text
    return response.json()


def say(client, conversation_id, text, **headers):
    response = client.post(
        f"/conversations/{conversation_id}/messages", json={"text": text}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def texts(client, conversation_id, **params):
    response = client.get(f"/conversations/{conversation_id}/messages", params=params)
    assert response.status_code == 200, response.text
    return [m["text"] for m in response.json()["items"]]


def folder(client, name="inbox"):
    response = client.get("/me/conversations", params={"folder": name})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def test_a_message_reaches_the_other_members_socket_and_history(make_user, info):
    alice, bob = make_user("alice"), make_user("bob")
    conversation = start(alice, bob)

    with LiveSocket(info, bob.token) as socket:
        sent = say(alice, conversation["conversation_id"], "hi bob")
        pushed = socket.next_of("message")

    assert pushed["message"] == sent
    assert texts(bob, conversation["conversation_id"]) == ["hi bob"]


def test_one_conversation_per_pair_whoever_starts_it(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    first = alice.post("/conversations", json={"member_handles": [bob.handle]})

    second = bob.post("/conversations", json={"member_handles": [alice.handle]})

    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["conversation_id"] == second.json()["conversation_id"]


def test_a_stranger_lands_in_requests_until_accepted(make_user, settle):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    say(alice, conversation_id, "hello stranger")
    settle()
    assert [c["conversation_id"] for c in folder(bob, "requests")] == [conversation_id]
    assert folder(bob) == []

    accepted = bob.post(f"/conversations/{conversation_id}/accept")

    assert accepted.status_code == 200 and accepted.json()["folder"] == "inbox"
    settle()
    (entry,) = folder(bob)
    assert entry["unread_count"] == 1
    assert entry["last_message"]["snippet"] == "hello stranger"
    assert folder(bob, "requests") == []


def test_a_retried_send_is_one_message(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]

    first = say(alice, conversation_id, "once", **{"Idempotency-Key": "k1"})
    again = say(alice, conversation_id, "once", **{"Idempotency-Key": "k1"})

    assert first["message_id"] == again["message_id"]
    assert texts(alice, conversation_id) == ["once"]


def test_read_marks_clear_unread_and_show_to_members(make_user, settle):
    alice, bob = make_user("alice"), make_user("bob")
    bob.post(f"/users/{alice.handle}/follow")
    conversation_id = start(alice, bob)["conversation_id"]
    sent = [say(alice, conversation_id, f"m{i}") for i in range(3)]
    settle()
    assert folder(bob)[0]["unread_count"] == 3

    response = bob.post(
        f"/conversations/{conversation_id}/read", json={"up_to_message_id": sent[1]["message_id"]}
    )

    assert response.status_code == 200
    settle()
    assert folder(bob)[0]["unread_count"] == 1
    members = alice.get(f"/conversations/{conversation_id}").json()["members"]
    marks = {m["user"]["handle"]: m["read_up_to"] for m in members}
    assert marks[bob.handle] == sent[1]["message_id"]


def test_a_shared_private_post_is_unavailable_to_a_non_follower(make_user):
    carol = make_user("carol", is_private=True)
    alice, bob = make_user("alice"), make_user("bob")
    carol.post(f"/users/{alice.handle}/follow")
    assert alice.post(f"/users/{carol.handle}/follow").status_code == 200
    carol.post(f"/me/follow-requests/{alice.handle}/approve")
    post_id = publish(carol, "private")
    conversation_id = start(alice, bob)["conversation_id"]

    sent = alice.post(f"/conversations/{conversation_id}/messages", json={"post_id": post_id})

    assert sent.status_code == 201, sent.text
    assert sent.json()["shared_post"]["is_available"] is True
    (seen,) = bob.get(f"/conversations/{conversation_id}/messages").json()["items"]
    assert seen["shared_post"] == {"post_id": post_id, "post": None, "is_available": False}


def test_a_removed_message_shows_as_removed(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    sent = say(alice, conversation_id, "oops")

    path = f"/conversations/{conversation_id}/messages/{sent['message_id']}"

    refused = bob.delete(path)
    response = alice.delete(path)

    assert refused.status_code == 403 and error_code(refused) == "not_sender"
    assert response.status_code == 204
    (seen,) = bob.get(f"/conversations/{conversation_id}/messages").json()["items"]
    assert seen["is_removed"] is True and seen["text"] is None and seen["kind"] == "removed"


def test_a_stranger_cannot_read_a_conversation(make_user):
    alice, bob, mallory = make_user("alice"), make_user("bob"), make_user("mallory")
    conversation_id = start(alice, bob)["conversation_id"]
    say(alice, conversation_id, "secret")

    response = mallory.get(f"/conversations/{conversation_id}/messages")

    assert response.status_code == 404 and error_code(response) == "conversation_not_found"


def test_a_photo_message_is_served_to_members_by_signed_url(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    media = upload(alice, photo(), "image/jpeg", purpose="message")
    alice.post(f"/conversations/{conversation_id}/messages", json={"media_id": media["media_id"]})

    (seen,) = bob.get(f"/conversations/{conversation_id}/messages").json()["items"]

    url = seen["media"]["variants"]["small"]["url"]
    assert seen["kind"] == "media" and "/media/private/" in url
    assert requests.get(url, timeout=10).status_code == 200
    assert requests.get(url.split("?")[0], timeout=10).status_code == 403


def test_a_post_photo_cannot_be_sent_as_a_message(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    media = upload(alice, photo(), "image/jpeg")

    response = alice.post(
        f"/conversations/{conversation_id}/messages", json={"media_id": media["media_id"]}
    )

    assert response.status_code == 400 and error_code(response) == "media_wrong_purpose"


def test_removing_a_photo_message_deletes_its_files(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    media = upload(alice, photo(), "image/jpeg", purpose="message")
    sent = alice.post(
        f"/conversations/{conversation_id}/messages", json={"media_id": media["media_id"]}
    ).json()

    alice.delete(f"/conversations/{conversation_id}/messages/{sent['message_id']}")

    assert requests.get(sent["media"]["variants"]["small"]["url"], timeout=10).status_code == 403


def test_unread_counts_stay_exact_through_redelivery_reads_and_removals(make_user, settle):
    from photogram.messages import consumer

    alice, bob = make_user("alice"), make_user("bob")
    bob.post(f"/users/{alice.handle}/follow")
    conversation_id = start(alice, bob)["conversation_id"]
    sent = [say(alice, conversation_id, f"m{i}") for i in range(4)]
    settle()
    consumer.refresh(conversation_id)  # the same batch, delivered again
    counts = [folder(bob)[0]["unread_count"]]
    bob.post(
        f"/conversations/{conversation_id}/read", json={"up_to_message_id": sent[1]["message_id"]}
    )
    settle()
    counts.append(folder(bob)[0]["unread_count"])

    alice.delete(f"/conversations/{conversation_id}/messages/{sent[3]['message_id']}")

    settle()
    (entry,) = folder(bob)
    assert counts == [4, 2]
    assert entry["unread_count"] == 1
    assert entry["last_message"]["kind"] == "removed"
