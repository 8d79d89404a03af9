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


# Reserved words are matched after folding separators and look-alike digits, so no
# account can pass itself off as the service (docs/decisions.md §32).
IMPERSONATIONS = [
    "photogram.official",
    "photogram_",
    "_photogram",
    "admin_",
    "0fficial",
    "officia1",
    "adm1n",
    "a.d.m.i.n",
    "adrnin",
    "r00t",
    "5upp0rt",
    "supp0rt_team_photogram",
    "photogram_official",
    "official_photogram",
    "the_ph0t0gram",
    "ph0to.gr4m",
    "photogramhelp",
    "admin_support",
    "official.help",
    "securityadmin",
    "support2",
    "admin_01",
    "m3_",
    "ap1",
]

# Ordinary handles that merely contain a reserved word must still pass.
LEGITIMATE = [
    "adminton",
    "administrator_fan",
    "helpful_hannah",
    "helper",
    "supporter",
    "support_local_art",
    "rootbeer",
    "rooted_in_art",
    "security_guard_joe",
    "official_fan",
    "me_and_you",
    "meghan",
    "apiary",
    "modern_art",
    "staffordshire",
    "verified_buyer",
    "photographer",
    "photo_grammar",
    "helpme",
    "room_101",
    "l33t_h4x0r",
    "12345",
]


@pytest.mark.parametrize("raw", IMPERSONATIONS)
def test_reserved_words_are_refused_after_folding(raw):
    with pytest.raises(ValueError, match="reserved"):
        normalize_handle(raw)


@pytest.mark.parametrize("raw", LEGITIMATE)
def test_handles_that_only_contain_a_reserved_word_pass(raw):
    assert normalize_handle(raw) == raw
