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


def test_infra_tests_silence_jsii_as_the_makefile_does():
    makefile = (ROOT / "Makefile").read_text()
    conftest = (ROOT / "tests/infra/conftest.py").read_text()

    exported = dict(re.findall(r"^export (JSII_\w+) := (.*)$", makefile, re.MULTILINE))
    defaulted = dict(re.findall(r'setdefault\("(JSII_\w+)", "(.*)"\)', conftest))

    assert exported
    assert defaulted == exported
