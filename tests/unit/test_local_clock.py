"""`make clock ARGS=+25h`: the durations it understands."""

import pytest

from local.clock import parse


@pytest.mark.parametrize(
    ("text", "seconds"), [("+25h", 90_000), ("90m", 5_400), ("+3600s", 3_600), ("+2d", 172_800)]
)
def test_durations(text, seconds):
    assert parse(text) == seconds


@pytest.mark.parametrize("text", ["-1h", "25", "h", "+1.5h", ""])
def test_anything_else_is_refused(text):
    with pytest.raises(SystemExit):
        parse(text)
