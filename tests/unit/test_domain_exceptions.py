"""The domain catches what it can name: a catch-all is a boundary that says why on its
line, and a failed condition is read in one place (photogram.db)."""

import re
from pathlib import Path

DOMAIN = Path(__file__).resolve().parents[2] / "layers/core/python/photogram"


def lines_matching(pattern: str) -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(DOMAIN)), line.strip())
        for path in sorted(DOMAIN.rglob("*.py"))
        for line in path.read_text().splitlines()
        if re.search(pattern, line)
    ]


def test_every_catch_all_in_the_domain_says_why():
    catch_alls = lines_matching(r"except( (BaseException|Exception)\b.*)?:")

    assert [(path, line) for path, line in catch_alls if "#" not in line] == []


def test_only_db_names_the_failed_condition_code():
    uses = lines_matching(r"ConditionalCheckFailed")

    assert {path for path, _ in uses} == {"db.py"}
