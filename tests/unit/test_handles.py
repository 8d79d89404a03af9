import pytest
from pydantic import ValidationError

from photogram.users.models import ProfileIn, normalize_handle


@pytest.mark.parametrize("raw", ["alice", "Alice", "a.b_c", "abc", "x" * 30, "  bob_99 "])
def test_valid_handles_normalize_to_lower_case(raw):
    assert normalize_handle(raw) == raw.strip().lower()


@pytest.mark.parametrize(
    "raw",
    ["ab", "x" * 31, "al ice", "alice!", ".alice", "alice.", "al..ice", "élise", "admin", "me", ""],
)
def test_invalid_handles_are_refused(raw):
    with pytest.raises(ValueError):
        normalize_handle(raw)


def test_profile_input_forbids_unknown_fields():
    with pytest.raises(ValidationError) as error:
        ProfileIn.model_validate({"handle": "alice", "follower_count": 10**6})

    assert error.value.errors()[0]["type"] == "extra_forbidden"


def test_bio_is_capped_at_150_characters():
    with pytest.raises(ValidationError):
        ProfileIn.model_validate({"bio": "x" * 151})
