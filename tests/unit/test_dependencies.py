import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_lambda_layer_installs_exactly_the_runtime_dependencies():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (ROOT / "layers/deps/requirements.txt").read_text().splitlines()

    layer = [line for line in lines if line.strip() and not line.startswith("#")]

    assert layer == declared
