import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_make_help_lists_every_phony_target():
    makefile = (ROOT / "Makefile").read_text()
    phony = re.search(r"^\.PHONY:(.*)$", makefile, re.MULTILINE)
    assert phony is not None

    listed = set(re.findall(r'^\t@echo "make ([\w-]+)', makefile, re.MULTILINE))
    defined = set(re.findall(r"^([\w-]+):", makefile, re.MULTILINE))

    assert set(phony.group(1).split()) == listed
    assert listed <= defined
