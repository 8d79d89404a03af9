"""The live connection, through a real WebSocket client (`websockets`): the handshake
refuses what API Gateway's $connect authorizer refuses, the gateway routes messages
by `action`, serves the management API, and `push` reaches every device and forgets
the gone ones."""

import time
from datetime import UTC, datetime, timedelta
from unittest import mock

import boto3
import moto.cognitoidp.models
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus

from local.client import DEMO_PASSWORD, sign_in, sign_up
from photogram.clock import FrozenClock
from photogram.live import repository as live_repo
from photogram.live import service as live
from tests.support import LiveSocket, unique_handle


def refused_status(info, token):
    with pytest.raises(InvalidStatus) as refused:
        LiveSocket(info, token)
    return refused.value.response.status_code


def wait_until(check, deadline_s=10.0):
    deadline = time.monotonic() + deadline_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_signed_in_app_connects_and_its_ping_is_answered(make_user, info):
    alice = make_user("alice")

    with LiveSocket(info, alice.token) as socket:
        socket.send({"action": "ping", "id": 7})
        answer = socket.receive()

    assert answer["type"] == "pong" and answer["id"] == 7


def test_a_message_without_a_known_action_gets_an_error_and_the_socket_stays(make_user, info):
    alice = make_user("alice")

    with LiveSocket(info, alice.token) as socket:
        socket.send("not json")
        first = socket.receive()
        socket.send({"action": "dance"})
        second = socket.receive()
        socket.send({"action": "ping"})
        third = socket.receive()

    assert first["error"]["code"] == "invalid_message"
    assert second["error"]["code"] == "unknown_action"
    assert third["type"] == "pong"


def test_no_bad_or_foreign_token_opens_a_connection(info, make_user):
    alice = make_user("alice")
    header, _, signature = alice.token.split(".")
    tampered = f"{header}.{make_user('bob').token.split('.')[1]}.{signature}"

    statuses = [refused_status(info, t) for t in (None, "", "junk", "a.b.c", tampered)]

    assert statuses == [401] * 5


def test_an_expired_token_is_refused_at_the_handshake(info):
    email = f"{unique_handle('old')}@photogram.test"
    sign_up(info, email)
    with mock.patch.object(moto.cognitoidp.models.time, "time", return_value=time.time() - 7200):
        token = sign_in(info, email)["IdToken"]

    assert refused_status(info, token) == 401


def test_an_access_token_is_refused_at_the_handshake(info):
    email = f"{unique_handle('acc')}@photogram.test"
    sign_up(info, email)

    assert refused_status(info, sign_in(info, email, DEMO_PASSWORD)["AccessToken"]) == 401


def test_push_reaches_both_devices_and_no_one_else(make_user, info):
    alice, bob = make_user("alice"), make_user("bob")

    with (
        LiveSocket(info, alice.token) as phone,
        LiveSocket(info, alice.token) as tablet,
        LiveSocket(info, bob.token) as bobs,
    ):
        pushed = live.push([alice.user_id], {"type": "hello", "n": 1})
        got = [phone.receive(), tablet.receive()]
        bobs.send({"action": "ping"})
        bobs_next = bobs.receive()

    assert pushed.sent == 2 and pushed.gone == 0
    assert got == [{"type": "hello", "n": 1}] * 2
    assert bobs_next["type"] == "pong"


def test_a_connection_gone_without_its_disconnect_is_forgotten_on_the_next_push(make_user, info):
    alice = make_user("alice")
    with LiveSocket(info, alice.token) as socket:
        socket.send({"action": "ping"})
        socket.receive()
        (connection,) = live_repo.open_connections([alice.user_id])
    wait_until(lambda: live_repo.open_connections([alice.user_id]) == [])
    # As if $disconnect had been lost (it is best-effort on AWS): the item is back, made
    # when the connection opened, past the handshake's grace.
    with FrozenClock(datetime.now(UTC) - timedelta(minutes=1)):
        live_repo.save(connection.connection_id, alice.user_id, int(time.time()) + 3600)

    pushed = live.push([alice.user_id], {"type": "hello"})

    assert (pushed.sent, pushed.gone) == (0, 1)
    assert live_repo.open_connections([alice.user_id]) == []


def test_closing_a_socket_removes_its_connection_item(make_user, info):
    alice = make_user("alice")
    with LiveSocket(info, alice.token) as socket:
        socket.send({"action": "ping"})
        socket.receive()
        assert len(live_repo.open_connections([alice.user_id])) == 1

    wait_until(lambda: live_repo.open_connections([alice.user_id]) == [])


def test_the_management_api_answers_as_api_gateway_does(make_user, info, runtime):
    alice = make_user("alice")
    api = boto3.client(
        "apigatewaymanagementapi", endpoint_url=info["live_endpoint"], region_name=info["region"]
    )
    with LiveSocket(info, alice.token) as socket:
        (connection,) = live_repo.open_connections([alice.user_id])
        described = api.get_connection(ConnectionId=connection.connection_id)
        api.post_to_connection(ConnectionId=connection.connection_id, Data=b'{"type":"x"}')
        received = socket.receive()
        api.delete_connection(ConnectionId=connection.connection_id)
        with pytest.raises(ConnectionClosed):
            socket.receive(timeout=5)

    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId=connection.connection_id, Data=b"late")
    with pytest.raises(api.exceptions.GoneException):
        api.post_to_connection(ConnectionId="neverconnected00=", Data=b"x")
    assert described["Identity"]["SourceIp"] == "127.0.0.1"
    assert received == {"type": "x"}


def test_a_message_over_128_kb_closes_the_connection_with_1009(make_user, info):
    alice = make_user("alice")

    with LiveSocket(info, alice.token) as socket:
        socket.send("x" * (128 * 1024 + 1))
        with pytest.raises(ConnectionClosed) as closed:
            socket.receive()

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009


def test_an_idle_connection_is_closed_with_1001(make_user, info, runtime):
    alice = make_user("alice")
    limits = runtime.live.limits
    runtime.live.limits = type(limits)(idle_seconds=0.5, check_seconds=0.1)
    try:
        with LiveSocket(info, alice.token) as socket, pytest.raises(ConnectionClosed) as closed:
            socket.receive(timeout=5)
    finally:
        runtime.live.limits = limits

    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001


def test_eleven_devices_are_one_too_many(make_user, info):
    alice = make_user("alice")
    sockets = [LiveSocket(info, alice.token) for _ in range(live.MAX_CONNECTIONS_PER_USER)]
    try:
        assert refused_status(info, alice.token) == 429
    finally:
        for socket in sockets:
            socket.connection.close()


def test_a_connection_still_connecting_is_not_forgotten_on_a_410(make_user):
    alice = make_user("alice")
    # Saved by $connect a moment ago; the gateway does not know the id (yet).
    live_repo.save("stillconnecting=", alice.user_id, int(time.time()) + 3600)

    pushed = live.push([alice.user_id], {"type": "hello"})

    assert pushed.gone == 1
    assert [c.connection_id for c in live_repo.open_connections([alice.user_id])] == [
        "stillconnecting="
    ]


def test_one_push_of_several_messages_delivers_them_in_order(make_user, info):
    alice = make_user("alice")

    with LiveSocket(info, alice.token) as socket:
        pushed = live.push([alice.user_id], {"type": "a"}, {"type": "b"}, {"type": "c"})
        got = [socket.receive()["type"] for _ in range(3)]

    assert pushed.sent == 3
    assert got == ["a", "b", "c"]
