import pytest

from photogram.errors import BadRequest
from photogram.pagination import CursorCodec, page_request

POSITION = {"PK": {"S": "USER#a"}, "SK": {"S": "FOLLOWER#b"}}


@pytest.fixture
def codec():
    return CursorCodec(lambda: b"k" * 32)


def test_a_sealed_cursor_opens_to_its_position(codec):
    cursor = codec.seal(POSITION, "FOLLOWERS:a:viewer")

    assert codec.open(cursor, "FOLLOWERS:a:viewer") == POSITION


def test_the_end_of_a_list_has_no_cursor(codec):
    assert codec.seal(None, "scope") is None
    assert codec.open(None, "scope") is None


@pytest.mark.parametrize(
    "scope", ["FOLLOWERS:b:viewer", "FOLLOWING:a:viewer", "FOLLOWERS:a:someone-else"]
)
def test_a_cursor_is_refused_on_another_list_or_for_another_viewer(codec, scope):
    cursor = codec.seal(POSITION, "FOLLOWERS:a:viewer")

    with pytest.raises(BadRequest) as error:
        codec.open(cursor, scope)

    assert error.value.code == "invalid_cursor"


def test_an_edited_cursor_is_refused(codec):
    _, mac = codec.seal(POSITION, "s").split(".")
    forged = codec.seal({"PK": {"S": "USER#victim"}, "SK": {"S": "FOLLOWER#"}}, "s").split(".")[0]

    with pytest.raises(BadRequest):
        codec.open(f"{forged}.{mac}", "s")


@pytest.mark.parametrize(
    "junk", ["", ".", "abc", "abc.def", "!!!.???", "e30.e30", "ÀÀ{\x11", "{\x11.ÀÀ", "a.\udc80"]
)
def test_junk_cursors_are_refused(codec, junk):
    with pytest.raises(BadRequest) as error:
        codec.open(junk or "x", "s")

    assert error.value.code == "invalid_cursor"


def test_a_cursor_signed_with_another_key_is_refused(codec):
    other = CursorCodec(lambda: b"other-key")

    with pytest.raises(BadRequest):
        codec.open(other.seal(POSITION, "s"), "s")


@pytest.mark.parametrize(("limit", "expected"), [(None, 20), (1, 1), (100, 100)])
def test_page_size_defaults_to_20_and_is_capped_at_100(fresh_settings, limit, expected):
    assert page_request(limit, None).limit == expected


@pytest.mark.parametrize("limit", [0, 101, -5])
def test_page_sizes_outside_the_range_are_refused(fresh_settings, limit):
    with pytest.raises(BadRequest) as error:
        page_request(limit, None)

    assert error.value.code == "invalid_limit"
