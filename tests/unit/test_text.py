"""What people write for others to read refuses what would disguise it: control
characters, bidirectional overrides (names and bios: isolates too) and stacks of
combining marks ("Zalgo"), with a field error that names the reason."""

import pytest
from pydantic import ValidationError

from photogram.posts.models import CreateCommentIn, UpdatePostIn
from photogram.users.models import ProfileIn

ZALGO = "Z" + "\u0301\u0302\u0303\u0304\u0305\u0306" + "algo"


def refusal(model, data):
    with pytest.raises(ValidationError) as error:
        model.model_validate(data)
    (found,) = error.value.errors()
    return found["loc"], found["type"]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("Ali\x00ce", "control_character"),
        ("Alice\x1b[31m", "control_character"),
        ("Ali\x85ce", "control_character"),  # C1 (NEL)
        ("Alice\nAdmin", "control_character"),
        ("Alice\u2028Admin", "control_character"),
        ("\u202eecilA", "bidi_control"),  # right-to-left override
        ("Alice \u202dgpj.exe", "bidi_control"),  # left-to-right override
        ("Alice \u2067x\u2069", "bidi_control"),  # isolates
        ("\u202bAlice\u202c", "bidi_control"),  # embedding
        (ZALGO, "combining_marks"),
    ],
)
def test_display_names_refuse_disguises(value, reason):
    assert refusal(ProfileIn, {"display_name": value}) == (("display_name",), reason)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("tab\there", "control_character"),
        ("bell\x07", "control_character"),
        ("\u202eevil", "bidi_control"),
        ("\u2066isolated\u2069", "bidi_control"),
        (ZALGO, "combining_marks"),
    ],
)
def test_bios_refuse_disguises(value, reason):
    assert refusal(ProfileIn, {"bio": value}) == (("bio",), reason)


@pytest.mark.parametrize(
    "value",
    [
        "Nguyễn Thị Ánh",
        "Nguye\u0302\u0303n",  # decomposed: two marks on one letter
        "שָׁלוֹם",  # Hebrew with points
        "สวัสดี ครับ",  # Thai: vowel and tone marks
        "देवनागरी",
        "محمد\u200f 2",  # a right-to-left mark is allowed
        "Zo\u00eb \U0001f469\U0001f3fd\u200d\U0001f4bb #\ufe0f\u20e3 \u2764\ufe0f",  # ZWJ, keycap
        "\uff26\uff55\uff4c\uff4c",  # fullwidth
    ],
)
def test_names_in_every_script_pass(value):
    assert ProfileIn.model_validate({"display_name": value, "bio": value}).display_name == value


def test_bios_keep_their_line_breaks():
    bio = "Photographer\nBerlin · Lisbon"

    assert ProfileIn.model_validate({"bio": bio}).bio == bio


@pytest.mark.parametrize("value", ["\u202eevil", "a\x00b"])
def test_captions_and_comments_refuse_overrides_and_controls(value):
    assert refusal(UpdatePostIn, {"caption": value})[1] in {"bidi_control", "control_character"}
    assert refusal(CreateCommentIn, {"text": value})[1] in {"bidi_control", "control_character"}


def test_captions_keep_line_breaks_tabs_and_isolates():
    caption = "Line one\n\tLine two \u2067\u05e2\u05d1\u05e8\u05d9\u05ea\u2069 #tag"

    assert UpdatePostIn.model_validate({"caption": caption}).caption == caption


def test_three_combining_marks_pass_and_four_do_not():
    three, four = "x\u0301\u0302\u0303", "x\u0301\u0302\u0303\u0304"

    assert ProfileIn.model_validate({"display_name": three}).display_name == three
    assert refusal(ProfileIn, {"display_name": four})[1] == "combining_marks"
