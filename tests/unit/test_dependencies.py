import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_lambda_layer_installs_exactly_the_runtime_dependencies():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (ROOT / "layers/deps/requirements.txt").read_text().splitlines()

    layer = [line for line in lines if line.strip() and not line.startswith("#")]

    assert layer == declared


def test_the_search_adapter_needs_neither_grpc_nor_protobuf():
    # The dependencies layer prunes them (infra/layers.py UNUSED): this is the import
    # a function makes, with them made unimportable.
    import subprocess
    import sys

    blocker = (
        "import sys\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] == 'grpc' or name.startswith(('google.protobuf',"
        " 'opensearch.protobufs')):\n"
        "            raise ImportError(name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "from photogram.adapters.search.opensearch import OpenSearchIndex\n"
        "import opensearchpy, opensearchpy.helpers\n"
        "from opensearchpy import AWSV4SignerAuth, OpenSearch, RequestsHttpConnection\n"
        "print('ok')\n"
    )
    core = Path(__file__).resolve().parents[2] / "layers" / "core" / "python"
    result = subprocess.run(
        [sys.executable, "-c", blocker],
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(core), "PATH": "/usr/bin:/bin"},
    )
    assert result.stdout.strip() == "ok", result.stderr
