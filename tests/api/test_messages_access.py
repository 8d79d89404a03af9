"""Direct messages: who may reach a conversation (every route, every kind of outsider),
cursors and bounds, ordering under concurrent senders, catching up after being
offline, requests, blocks, group administration, the socket's typing and read, the
send rate limit and removal."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from local.client import id_token
from photogram import clock
from photogram.messages import repository
from photogram.settings import settings
from tests.api.test_messages import folder, say, start, texts
from tests.support import Client, LiveSocket, error_code, unique_handle


@pytest.fixture
def settle(runtime):
    """Wait until the stream consumer has seen everything written so far."""

    def wait() -> None:
        assert runtime.streams.wait_idle(60)

    return wait


def new_user(info: dict[str, Any], name: str = "user") -> Client:
    """A signed-in user with a public profile, for module-scoped fixtures (conftest's
    `make_user` is per test)."""
    client = Client(info["api_url"], token=id_token(info, f"{unique_handle(name)}@photogram.test"))
    handle = unique_handle(name)
    response = client.put("/me", json={"handle": handle, "is_private": False})
    assert response.status_code == 200, response.text
    client.handle, client.user_id = handle, response.json()["user_id"]
    return client


def new_users(info: dict[str, Any], *names: str) -> list[Client]:
    """`new_user` for each name, made side by side."""
    with ThreadPoolExecutor(8) as pool:
        return list(pool.map(lambda name: new_user(info, name), names))


def block(client: Client, other: Client) -> None:
    response = client.post(f"/users/{other.handle}/block")
    assert response.status_code == 200, response.text


def follow(client: Client, other: Client) -> None:
    response = client.post(f"/users/{other.handle}/follow")
    assert response.status_code == 200, response.text


def history(client: Client, conversation_id: str, **params: Any) -> dict[str, Any]:
    response = client.get(f"/conversations/{conversation_id}/messages", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def message_ids(client: Client, conversation_id: str, **params: Any) -> list[str]:
    return [m["message_id"] for m in history(client, conversation_id, **params)["items"]]


def conversation(client: Client, conversation_id: str) -> dict[str, Any]:
    response = client.get(f"/conversations/{conversation_id}")
    assert response.status_code == 200, response.text
    return response.json()


def read_marks(client: Client, conversation_id: str) -> dict[str, str | None]:
    members = conversation(client, conversation_id)["members"]
    return {m["user"]["handle"]: m["read_up_to"] for m in members}


def stored(conversation_id: str) -> dict[str, Any]:
    """A conversation as the table holds it: its meta, members and messages."""
    meta, members = repository.conversation(conversation_id)
    rows, _ = repository.messages(conversation_id, after="", before=None, limit=100)
    return {
        "meta": meta and meta.attribute_values,
        "members": sorted(str(m.attribute_values) for m in members),
        "messages": [r.attribute_values for r in rows],
    }


def pushed_messages(socket: LiveSocket, until_id: str, timeout: float = 20) -> list[dict]:
    """The messages pushed to `socket` up to and including the one with `until_id`."""
    seen = []
    while True:
        frame = socket.next_of("message", timeout=timeout)
        seen.append(frame["message"])
        if frame["message"]["message_id"] == until_id:
            return seen


# --- every route, every outsider ---------------------------------------------------------


@pytest.fixture(scope="module")
def world(runtime, info):
    """A group and two 1:1 conversations across blocks, with their outsiders, made
    once for the whole matrix (no cell may change them)."""
    owner, member, removed, left, stranger, newcomer = new_users(
        info, "owner", "member", "removed", "left", "stranger", "newcomer"
    )
    group_id = start(owner, member, removed, left, title="the group")["conversation_id"]
    say(owner, group_id, "hello group")
    removed_message = say(removed, group_id, "mine, before I was removed")["message_id"]
    left_message = say(left, group_id, "mine, before I left")["message_id"]
    response = owner.delete(f"/conversations/{group_id}/members/{removed.handle}")
    assert response.status_code == 204, response.text
    response = left.post(f"/conversations/{group_id}/leave")
    assert response.status_code == 204, response.text

    # The blocked one and the blocker, each with a message of their own in their 1:1.
    blocker1, blocked1, blocker2, blocked2, elsewhere, friend = new_users(
        info, "blocker1", "blocked1", "blocker2", "blocked2", "elsewhere", "friend"
    )
    pair1 = start(blocker1, blocked1)["conversation_id"]
    blocked_message = say(blocked1, pair1, "from the one about to be blocked")["message_id"]
    block(blocker1, blocked1)
    pair2 = start(blocker2, blocked2)["conversation_id"]
    blocker_message = say(blocker2, pair2, "from the one about to block")["message_id"]
    block(blocker2, blocked2)

    own_id = start(elsewhere, friend)["conversation_id"]
    own_message = say(elsewhere, own_id, "in my own conversation")["message_id"]

    group_target = {"id": group_id, "message_id": removed_message, "handle": member.handle}
    world = {
        "owner": owner,
        "newcomer": newcomer,
        "group_id": group_id,
        "own_id": own_id,
        "own_message": own_message,
        "elsewhere": elsewhere,
        "attackers": {
            "non_member": (stranger, group_target),
            "removed_member": (removed, group_target),
            "member_who_left": (left, {**group_target, "message_id": left_message}),
            "blocked_by_the_peer": (
                blocked1,
                {"id": pair1, "message_id": blocked_message, "handle": blocker1.handle},
            ),
            "blocker_of_the_peer": (
                blocker2,
                {"id": pair2, "message_id": blocker_message, "handle": blocked2.handle},
            ),
            "member_of_another_conversation": (elsewhere, group_target),
        },
        "conversations": [group_id, pair1, pair2, own_id],
    }
    world["before"] = {c: stored(c) for c in world["conversations"]}
    return world


# (method, path, body); {id}, {message_id}, {handle}, {newcomer} are filled per cell.
ROUTES = {
    "get": ("GET", "/conversations/{id}", None),
    "rename": ("PATCH", "/conversations/{id}", {"title": "pwned"}),
    "add_members": ("POST", "/conversations/{id}/members", {"member_handles": ["{newcomer}"]}),
    "remove_member": ("DELETE", "/conversations/{id}/members/{handle}", None),
    "leave": ("POST", "/conversations/{id}/leave", None),
    "accept": ("POST", "/conversations/{id}/accept", None),
    "send": ("POST", "/conversations/{id}/messages", {"text": "let me in"}),
    "history": ("GET", "/conversations/{id}/messages", None),
    "remove_message": ("DELETE", "/conversations/{id}/messages/{message_id}", None),
    "read": ("POST", "/conversations/{id}/read", {"up_to_message_id": "{message_id}"}),
}
ATTACKERS = [
    "non_member",
    "removed_member",
    "member_who_left",
    "blocked_by_the_peer",
    "blocker_of_the_peer",
    "member_of_another_conversation",
]
# A conversation id no key could hold is refused by the router (`not_found`), one with
# a slash in it matches no route (`route_not_found`); one that could be ours but is
# not, by the service. Paths are sent as written, not normalised by the client.
MALFORMED = {
    "5kb_id": ("x" * 5000, "not_found"),
    "dot_dot": ("..", "conversation_not_found"),
    "dot_dot_slash": ("../", "route_not_found"),
    "dot_dot_slash_encoded": ("..%2F", "route_not_found"),
    "unknown_ulid": ("01J0000000000000000000ZZZZ", "conversation_not_found"),
    "lowercase_ulid": ("01j0000000000000000000zzzz", "conversation_not_found"),
}


def fill(value: Any, values: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**values)
    if isinstance(value, list):
        return [fill(v, values) for v in value]
    if isinstance(value, dict):
        return {k: fill(v, values) for k, v in value.items()}
    return value


def call(client: Client, route: str, values: dict[str, str]) -> requests.Response:
    """One route, its path sent as filled in (requests would resolve `..` itself)."""
    method, path, body = ROUTES[route]
    url = client.base_url + fill(path, values)
    headers = {"Authorization": f"Bearer {client.token}"}
    prepared = requests.Request(method, url, headers=headers, json=fill(body, values)).prepare()
    prepared.url = url
    return client.session.send(prepared, timeout=30)


@pytest.mark.parametrize("attacker", ATTACKERS)
@pytest.mark.parametrize("route", list(ROUTES))
def test_no_route_reaches_a_conversation_i_may_not_read(world, route, attacker):
    client, target = world["attackers"][attacker]

    response = call(client, route, {**target, "newcomer": world["newcomer"].handle})

    assert response.status_code == 404, response.text
    assert error_code(response) == "conversation_not_found"
    assert stored(target["id"]) == world["before"][target["id"]]


@pytest.mark.parametrize("malformed", list(MALFORMED))
@pytest.mark.parametrize("route", list(ROUTES))
def test_a_malformed_conversation_id_is_404_on_every_route(world, route, malformed):
    conversation_id, code = MALFORMED[malformed]
    values = {
        "id": conversation_id,
        "message_id": world["before"][world["group_id"]]["messages"][0]["message_id"],
        "handle": world["attackers"]["non_member"][1]["handle"],
        "newcomer": world["newcomer"].handle,
    }

    response = call(world["owner"], route, values)

    assert response.status_code == 404, response.text
    assert error_code(response) == code
    assert stored(world["group_id"]) == world["before"][world["group_id"]]


@pytest.mark.parametrize("route", ["remove_message", "read"])
def test_my_conversation_id_does_not_reach_another_conversations_message(world, route):
    group_message = world["attackers"]["non_member"][1]["message_id"]
    values = {"id": world["own_id"], "message_id": group_message}

    response = call(world["elsewhere"], route, values)

    assert response.status_code == 404, response.text
    assert error_code(response) == "message_not_found"
    assert stored(world["group_id"]) == world["before"][world["group_id"]]
    assert stored(world["own_id"]) == world["before"][world["own_id"]]


# --- cursors and bounds ------------------------------------------------------------------


@pytest.fixture(scope="module")
def chats(runtime, info):
    """alice with bob in two conversations, three messages each, and a cursor from
    alice's history of the first."""
    alice, bob, carol = new_user(info, "alice"), new_user(info, "bob"), new_user(info, "carol")
    first = start(alice, bob)["conversation_id"]
    second = start(alice, bob, carol)["conversation_id"]
    for conversation_id in (first, second):
        for n in range(3):
            say(alice, conversation_id, f"m{n}")
    cursor = history(alice, first, limit=1)["next_cursor"]
    assert cursor
    return {"alice": alice, "bob": bob, "first": first, "second": second, "cursor": cursor}


@pytest.mark.parametrize(
    ("who", "path"),
    [
        ("alice", "/conversations/{second}/messages"),
        ("bob", "/conversations/{first}/messages"),
        ("alice", "/me/conversations"),
    ],
    ids=["on_another_conversation", "by_another_member", "on_my_inbox"],
)
def test_a_history_cursor_only_continues_its_own_history(chats, who, path):
    url = path.format(first=chats["first"], second=chats["second"])

    response = chats[who].get(url, params={"cursor": chats["cursor"]})

    assert response.status_code == 400, response.text
    assert error_code(response) == "invalid_cursor"


@pytest.mark.parametrize("bound", ["after", "before"])
@pytest.mark.parametrize("value", ["not-an-id", "MSG#", "01j0000000000000000000zzzz"])
def test_a_bound_that_is_not_a_message_id_is_400(chats, bound, value):
    response = chats["alice"].get(
        f"/conversations/{chats['first']}/messages", params={bound: value}
    )

    assert response.status_code == 400, response.text
    assert error_code(response) == "invalid_message_id"
    assert response.json()["error"]["details"]["field"] == bound


# --- ordering under concurrent senders ---------------------------------------------------

SENDERS = 20


@pytest.fixture(scope="module")
def busy_group(runtime, info):
    """A group of an owner, a listener and 20 senders, each with their own account."""
    owner, listener, *senders = new_users(
        info, "owner", "listener", *(f"sender{n}" for n in range(SENDERS))
    )
    group_id = start(owner, listener, *senders, title="busy")["conversation_id"]
    return {"listener": listener, "senders": senders, "group_id": group_id}


def test_concurrent_senders_commit_every_message_once_in_id_order(busy_group, info):
    group_id, senders = busy_group["group_id"], busy_group["senders"]

    def send_two(sender: Client) -> list[str]:
        return [say(sender, group_id, f"{sender.handle} {n}")["message_id"] for n in range(2)]

    with LiveSocket(info, busy_group["listener"].token) as socket:
        with ThreadPoolExecutor(SENDERS) as pool:
            sent = {m for pair in pool.map(send_two, senders) for m in pair}
        pushed: set[str] = set()
        while pushed != sent:
            pushed.add(socket.next_of("message", timeout=20)["message"]["message_id"])

    listed = message_ids(busy_group["listener"], group_id, limit=100)
    assert len(sent) == 2 * SENDERS
    assert sorted(listed) == sorted(sent)
    assert listed == sorted(listed, reverse=True) and len(set(listed)) == len(listed)


# --- catching up after being offline ------------------------------------------------------


@pytest.fixture(scope="module")
def missed(runtime, info):
    """bob read the group's history, went offline; alice and carol sent five."""
    alice, bob, carol = new_user(info, "alice"), new_user(info, "bob"), new_user(info, "carol")
    group_id = start(alice, bob, carol)["conversation_id"]
    say(alice, group_id, "before 1")
    say(carol, group_id, "before 2")
    newest_seen = message_ids(bob, group_id)[0]
    sent = [say(alice if n % 2 else carol, group_id, f"missed {n}")["message_id"] for n in range(5)]
    return {"bob": bob, "group_id": group_id, "after": newest_seen, "sent": sent}


def test_after_the_newest_id_i_have_returns_exactly_what_i_missed(missed):
    page = history(missed["bob"], missed["group_id"], after=missed["after"])

    assert [m["message_id"] for m in page["items"]] == missed["sent"][::-1]
    assert page["next_cursor"] is None


def test_catching_up_page_by_page_returns_the_same_messages(missed):
    got, cursor = [], None

    while True:
        params = {"after": missed["after"], "limit": 2, **({"cursor": cursor} if cursor else {})}
        page = history(missed["bob"], missed["group_id"], **params)
        got += [m["message_id"] for m in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert got == missed["sent"][::-1]


# --- requests and the inbox ----------------------------------------------------------------


def in_folder(client: Client, conversation_id: str, name: str) -> bool:
    return conversation_id in {c["conversation_id"] for c in folder(client, name)}


def test_a_non_followers_message_lands_in_my_requests(make_user, settle):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]

    say(alice, conversation_id, "hi")

    settle()
    assert in_folder(bob, conversation_id, "requests")
    assert not in_folder(bob, conversation_id, "inbox")


def test_a_followers_message_lands_in_my_inbox(make_user, settle):
    alice, bob = make_user("alice"), make_user("bob")
    follow(bob, alice)
    conversation_id = start(alice, bob)["conversation_id"]

    say(alice, conversation_id, "hi")

    settle()
    assert in_folder(bob, conversation_id, "inbox")
    assert not in_folder(bob, conversation_id, "requests")


def test_replying_to_a_request_moves_it_to_my_inbox(make_user, settle):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    say(alice, conversation_id, "hi")

    say(bob, conversation_id, "hi back")

    settle()
    assert conversation(bob, conversation_id)["folder"] == "inbox"
    assert in_folder(bob, conversation_id, "inbox")
    assert not in_folder(bob, conversation_id, "requests")


def test_a_group_started_by_a_stranger_lands_in_my_requests(make_user, settle):
    alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
    follow(carol, alice)
    group_id = start(alice, bob, carol)["conversation_id"]

    say(alice, group_id, "welcome")

    settle()
    assert in_folder(bob, group_id, "requests") and not in_folder(bob, group_id, "inbox")
    assert in_folder(carol, group_id, "inbox")


@pytest.fixture
def request_read(make_user):
    """alice wrote to bob, who does not follow her; bob read it from his requests."""
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    message_id = say(alice, conversation_id, "hi")["message_id"]
    response = bob.post(
        f"/conversations/{conversation_id}/read", json={"up_to_message_id": message_id}
    )
    assert response.status_code == 200, response.text
    return alice, bob, conversation_id, message_id


def test_a_member_in_requests_shows_no_read_receipt(request_read):
    alice, bob, conversation_id, _ = request_read

    marks = read_marks(alice, conversation_id)

    assert marks[bob.handle] is None


def test_accepting_a_request_shows_my_read_receipt(request_read):
    alice, bob, conversation_id, message_id = request_read

    response = bob.post(f"/conversations/{conversation_id}/accept")

    assert response.status_code == 200, response.text
    assert read_marks(alice, conversation_id)[bob.handle] == message_id


# --- blocks -------------------------------------------------------------------------------


@pytest.mark.parametrize("who_blocks", ["alice", "bob"])
def test_a_block_makes_a_one_to_one_vanish_for_both(make_user, settle, who_blocks):
    alice, bob = make_user("alice"), make_user("bob")
    follow(alice, bob)
    follow(bob, alice)
    conversation_id = start(alice, bob)["conversation_id"]
    say(alice, conversation_id, "hi")
    say(bob, conversation_id, "hi")
    settle()
    assert in_folder(alice, conversation_id, "inbox") and in_folder(bob, conversation_id, "inbox")
    blocker, blocked = (alice, bob) if who_blocks == "alice" else (bob, alice)

    block(blocker, blocked)

    settle()
    for client in (alice, bob):
        read = client.get(f"/conversations/{conversation_id}/messages")
        sent = client.post(f"/conversations/{conversation_id}/messages", json={"text": "x"})
        assert read.status_code == 404 and error_code(read) == "conversation_not_found"
        assert sent.status_code == 404 and error_code(sent) == "conversation_not_found"
        assert not in_folder(client, conversation_id, "inbox")
        assert not in_folder(client, conversation_id, "requests")


@pytest.mark.parametrize("who_blocks", ["me", "them"])
def test_starting_a_one_to_one_across_a_block_is_user_not_found(make_user, who_blocks):
    me, them = make_user("me"), make_user("them")
    block(*((me, them) if who_blocks == "me" else (them, me)))

    response = me.post("/conversations", json={"member_handles": [them.handle]})

    assert response.status_code == 404, response.text
    assert error_code(response) == "user_not_found"


def test_a_group_of_two_people_blocked_between_themselves_is_refused(make_user):
    me, bob, carol = make_user("me"), make_user("bob"), make_user("carol")
    block(bob, carol)

    response = me.post("/conversations", json={"member_handles": [bob.handle, carol.handle]})

    assert response.status_code == 409, response.text
    assert error_code(response) == "member_unavailable"


def test_adding_someone_blocked_with_a_member_is_refused(make_user):
    me, bob, carol = make_user("me"), make_user("bob"), make_user("carol")
    group_id = start(me, bob, title="g")["conversation_id"]
    block(carol, bob)

    response = me.post(
        f"/conversations/{group_id}/members", json={"member_handles": [carol.handle]}
    )

    assert response.status_code == 409, response.text
    assert error_code(response) == "member_unavailable"
    assert len(conversation(me, group_id)["members"]) == 2


@pytest.fixture
def blocked_in_group(make_user):
    """A group of a, b and c, each with a message; then a blocked b."""
    a, b, c = make_user("a"), make_user("b"), make_user("c")
    group_id = start(a, b, c)["conversation_id"]
    for client in (a, b, c):
        say(client, group_id, f"from {client.handle}")
    block(a, b)
    return a, b, c, group_id


@pytest.mark.parametrize(("reader", "shown"), [(0, (0, 2)), (1, (1, 2)), (2, (0, 1, 2))])
def test_a_block_in_a_group_hides_each_others_messages_only(blocked_in_group, reader, shown):
    clients, group_id = blocked_in_group[:3], blocked_in_group[3]

    seen = texts(clients[reader], group_id)

    assert sorted(seen) == sorted(f"from {clients[n].handle}" for n in shown)


def test_a_blocked_members_message_is_not_pushed_to_the_blocker(blocked_in_group, info):
    a, b, c, group_id = blocked_in_group

    with LiveSocket(info, a.token) as socket:
        from_b = say(b, group_id, "you can't hear me")["message_id"]
        from_c = say(c, group_id, "you can hear me")["message_id"]
        pushed = pushed_messages(socket, from_c)

    assert from_b not in {m["message_id"] for m in pushed}


# --- groups ---------------------------------------------------------------------------------


@pytest.mark.parametrize("change", ["rename", "add_members", "remove_member"])
def test_only_admins_change_a_group(make_user, change):
    admin, member, other, newcomer = (make_user(n) for n in ("admin", "member", "other", "new"))
    group_id = start(admin, member, other, title="g")["conversation_id"]
    values = {"id": group_id, "handle": other.handle, "newcomer": newcomer.handle}
    before = stored(group_id)

    response = call(member, change, values)

    assert response.status_code == 403, response.text
    assert error_code(response) == "not_admin"
    assert stored(group_id) == before


def test_a_group_takes_no_more_than_32_members(info):
    started = time.monotonic()
    admin, extra, *others = new_users(info, "admin", "extra", *(f"m{n}" for n in range(31)))
    made_in = time.monotonic() - started
    if made_in > 10:
        pytest.skip(f"making 33 users took {made_in:.1f} s")
    group_id = start(admin, *others, title="full")["conversation_id"]

    response = admin.post(
        f"/conversations/{group_id}/members", json={"member_handles": [extra.handle]}
    )

    assert response.status_code == 409, response.text
    assert error_code(response) == "group_full"
    assert len(conversation(admin, group_id)["members"]) == 32


def test_a_member_added_later_does_not_see_earlier_messages(make_user):
    admin, member, late = make_user("admin"), make_user("member"), make_user("late")
    group_id = start(admin, member, title="g")["conversation_id"]
    say(admin, group_id, "before you came")
    response = admin.post(
        f"/conversations/{group_id}/members", json={"member_handles": [late.handle]}
    )
    assert response.status_code == 200, response.text
    say(member, group_id, "welcome")

    seen = texts(late, group_id)

    assert seen == ["welcome"]


def test_a_removed_member_loses_the_conversation_and_its_entry(make_user, settle):
    admin, member, removed = make_user("admin"), make_user("member"), make_user("removed")
    follow(removed, admin)
    group_id = start(admin, member, removed, title="g")["conversation_id"]
    say(admin, group_id, "hi all")
    settle()
    assert in_folder(removed, group_id, "inbox")

    response = admin.delete(f"/conversations/{group_id}/members/{removed.handle}")

    assert response.status_code == 204, response.text
    read = removed.get(f"/conversations/{group_id}/messages")
    assert read.status_code == 404 and error_code(read) == "conversation_not_found"
    settle()
    assert not in_folder(removed, group_id, "inbox")
    assert not in_folder(removed, group_id, "requests")


def test_the_last_admin_leaving_hands_the_role_to_the_longest_standing_member(make_user):
    admin, early, later = make_user("admin"), make_user("early"), make_user("later")
    group_id = start(admin, early, title="g")["conversation_id"]
    added = admin.post(
        f"/conversations/{group_id}/members", json={"member_handles": [later.handle]}
    )
    assert added.status_code == 200, added.text

    response = admin.post(f"/conversations/{group_id}/leave")

    assert response.status_code == 204, response.text
    roles = {m["user"]["handle"]: m["role"] for m in conversation(later, group_id)["members"]}
    assert roles == {early.handle: "admin", later.handle: "member"}


# --- the socket: typing and read ---------------------------------------------------------


def test_typing_reaches_the_other_members_socket(make_user, info):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]

    with LiveSocket(info, alice.token) as mine, LiveSocket(info, bob.token) as theirs:
        mine.send({"action": "typing", "conversation_id": conversation_id})
        frame = theirs.next_of("typing")

    assert frame["user_id"] == alice.user_id
    assert frame["conversation_id"] == conversation_id


def test_typing_in_a_conversation_i_am_not_in_is_answered_with_an_error_only(make_user, info):
    alice, bob, mallory = make_user("alice"), make_user("bob"), make_user("mallory")
    conversation_id = start(alice, bob)["conversation_id"]

    with (
        LiveSocket(info, mallory.token) as mallorys,
        LiveSocket(info, alice.token) as alices,
        LiveSocket(info, bob.token) as bobs,
    ):
        mallorys.send({"action": "typing", "conversation_id": conversation_id})
        answer = mallorys.next_of("error")
        # Then a typing that may reach bob: the next one he gets must be alice's.
        alices.send({"action": "typing", "conversation_id": conversation_id})
        frame = bobs.next_of("typing")

    assert answer["error"]["code"] == "conversation_not_found"
    assert answer["conversation_id"] == conversation_id
    assert frame["user_id"] == alice.user_id


def test_read_over_the_socket_moves_my_read_mark(make_user, info):
    alice, bob = make_user("alice"), make_user("bob")
    follow(bob, alice)
    conversation_id = start(alice, bob)["conversation_id"]
    message_id = say(alice, conversation_id, "read me")["message_id"]

    with LiveSocket(info, bob.token) as socket:
        socket.send(
            {"action": "read", "conversation_id": conversation_id, "up_to_message_id": message_id}
        )
        echoed = socket.next_of("read")

    assert echoed["read_up_to"] == message_id and echoed["user_id"] == bob.user_id
    assert read_marks(alice, conversation_id)[bob.handle] == message_id


# --- the send rate limit -------------------------------------------------------------------


@pytest.fixture
def three_messages_a_minute(monkeypatch):
    """At most three sends a minute, on a clock that stays in one minute."""
    monkeypatch.setenv("PHOTOGRAM_MESSAGES_PER_MINUTE", "3")
    settings.cache_clear()
    start_at = datetime.now(UTC).replace(second=10, microsecond=0)
    with clock.FrozenClock(start_at):
        yield
    monkeypatch.undo()
    settings.cache_clear()


def test_the_fourth_message_in_a_minute_is_rate_limited(make_user, three_messages_a_minute):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    for n in range(3):
        say(alice, conversation_id, f"m{n}")

    response = alice.post(f"/conversations/{conversation_id}/messages", json={"text": "m3"})

    assert response.status_code == 429, response.text
    assert error_code(response) == "rate_limited"
    details = response.json()["error"]["details"]
    assert details["limit"] == "per_minute_messages" and details["max"] == 3
    assert len(texts(alice, conversation_id)) == 3


def test_a_retried_send_is_answered_at_the_limit(make_user, three_messages_a_minute):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    first = say(alice, conversation_id, "m0", **{"Idempotency-Key": "send-0"})
    for n in (1, 2):
        say(alice, conversation_id, f"m{n}")

    response = alice.post(
        f"/conversations/{conversation_id}/messages",
        json={"text": "m0"},
        headers={"Idempotency-Key": "send-0"},
    )

    assert response.status_code == 201, response.text
    assert response.json()["message_id"] == first["message_id"]
    assert len(texts(alice, conversation_id)) == 3


# --- removal --------------------------------------------------------------------------------


def test_removing_a_message_twice_is_204_both_times(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    message_id = say(alice, conversation_id, "x")["message_id"]
    path = f"/conversations/{conversation_id}/messages/{message_id}"
    assert alice.delete(path).status_code == 204

    response = alice.delete(path)

    assert response.status_code == 204, response.text


def test_a_removed_message_is_not_unread(make_user, settle):
    alice, bob = make_user("alice"), make_user("bob")
    follow(bob, alice)
    conversation_id = start(alice, bob)["conversation_id"]
    say(alice, conversation_id, "stays")
    removed = say(alice, conversation_id, "goes")["message_id"]

    response = alice.delete(f"/conversations/{conversation_id}/messages/{removed}")

    assert response.status_code == 204, response.text
    settle()
    (entry,) = [c for c in folder(bob) if c["conversation_id"] == conversation_id]
    assert entry["unread_count"] == 1


def test_a_removed_messages_text_is_gone_from_the_table(make_user):
    alice, bob = make_user("alice"), make_user("bob")
    conversation_id = start(alice, bob)["conversation_id"]
    message_id = say(alice, conversation_id, "secret words")["message_id"]

    response = alice.delete(f"/conversations/{conversation_id}/messages/{message_id}")

    assert response.status_code == 204, response.text
    row = repository.get_message(conversation_id, message_id)
    assert row is not None and row.removed_at is not None
    assert row.text is None
    assert "secret words" not in str(row.attribute_values)
