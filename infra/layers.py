"""The two Lambda layers: the domain package and its third-party dependencies.

The dependencies layer is built at synth time by pip on this machine, for the
Lambda platform (arm64, the functions' Python), from `layers/deps/requirements.txt`:
no Docker. Docker (the SAM build image) is only the fallback CDK would use if
the local bundler declined, which it never does; it fails loudly instead.

Both layers carry byte code when this machine has the runtime's Python (`python3.14`
on PATH, or named by PHOTOGRAM_RUNTIME_PYTHON): Lambda's /opt is read-only, so a
layer without it compiles every module it imports on every cold start (measured
here: the users handler imports in about 0.4 s with byte code, 1.7 to 2.1 s
without; decisions §38). Without that interpreter, synth says so and builds the
layers as source only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

ROOT = Path(__file__).resolve().parent.parent
CORE_LAYER_DIR = ROOT / "layers" / "core"
DEPS_LAYER_DIR = ROOT / "layers" / "deps"
REQUIREMENTS = DEPS_LAYER_DIR / "requirements.txt"

# What the functions run on; the layers are built for exactly this.
RUNTIME = lambda_.Runtime.PYTHON_3_14
ARCHITECTURE = lambda_.Architecture.ARM_64
# Lambda's Python 3.14 runs on Amazon Linux 2023 (glibc 2.34): manylinux2014
# (glibc 2.17) and manylinux_2_28 wheels both load there.
PIP_PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64")


def python_version(runtime: lambda_.Runtime) -> str:
    """ "python3.14" -> "3.14"."""
    return runtime.name.removeprefix("python")


RUNTIME_PYTHON_ENV = "PHOTOGRAM_RUNTIME_PYTHON"
# What a checkout holds beside the source and a layer never ships: this machine's byte
# code (another interpreter's) and the package's build metadata.
NOT_SHIPPED = ("__pycache__", "*.pyc", "*.egg-info")


def runtime_python(version: str) -> str | None:
    """An interpreter of this machine's of exactly `version` ("3.14"), which alone can
    write byte code the runtime loads; None if there is none."""
    candidate = os.environ.get(RUNTIME_PYTHON_ENV) or shutil.which(f"python{version}")
    if not candidate:
        return None
    probe = [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"]
    found = subprocess.run(probe, capture_output=True, text=True, check=False)  # noqa: S603
    return candidate if found.returncode == 0 and found.stdout.strip() == version else None


def compile_bytecode(python: str, target: Path) -> None:
    """Byte code for every module under `target`, checked by hash only when asked
    (unchecked-hash: a read-only layer's files never change, and no mtime is read)."""
    command = [
        python, "-m", "compileall", "-q", "-j", "0",
        "--invalidation-mode", "unchecked-hash", str(target),
    ]  # fmt: skip
    result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:
        raise RuntimeError(f"could not compile {target}:\n{result.stdout}{result.stderr}")


@jsii.implements(cdk.ILocalBundling)
class PipLayerBundler:
    """Installs the requirements into `<output>/python` with pip, for the Lambda platform."""

    def __init__(
        self,
        *,
        requirements: Path,
        python: str,
        platforms: tuple[str, ...],
        compiler: str | None = None,
    ) -> None:
        self.requirements = requirements
        self.python = python
        self.platforms = platforms
        # The runtime's interpreter, to compile the installed modules with (`runtime_python`).
        self.compiler = compiler

    def options(self) -> list[str]:
        """What to install for: these, with the requirements, identify the built layer."""
        platforms = [arg for platform in self.platforms for arg in ("--platform", platform)]
        return [
            # Byte code compiled here would be for this interpreter, not the runtime's.
            "--no-compile",
            *platforms,
            "--implementation",
            "cp",
            "--python-version",
            self.python,
            "--only-binary=:all:",
        ]

    def command(self, target: str) -> list[str]:
        return [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            *self.options(),
            "--target",
            target,
            "-r",
            str(self.requirements),
        ]

    # jsii passes BundlingOptions as keywords; only `image` is required.
    def try_bundle(
        self, output_dir: str, *, image: cdk.DockerImage | None = None, **_: object
    ) -> bool:
        target = Path(output_dir) / "python"
        # A failed earlier attempt may have left a partial install that pip would keep.
        shutil.rmtree(target, ignore_errors=True)
        command = self.command(str(target))
        result = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
        if result.returncode != 0:
            # Raise rather than return False: falling back to Docker would hide the cause.
            raise RuntimeError(
                f"pip could not build the dependencies layer ({' '.join(command)}):\n"
                f"{result.stderr.strip()}"
            )
        prune_unused(target)
        if self.compiler:
            compile_bytecode(self.compiler, target)
        return True


# What pip installs into the layer that no function imports: opensearch-py 3 requires
# opensearch-protobufs (and through it grpcio and protobuf, ~22 MB unzipped) for a
# gRPC transport Photogram does not use; opensearchpy never imports them
# (tests/unit/test_dependencies.py imports what the functions use without them).
UNUSED_DISTRIBUTIONS = ("grpcio", "protobuf", "opensearch_protobufs")


def prune_unused(target: Path) -> list[str]:
    """Delete every file of UNUSED_DISTRIBUTIONS (as their RECORDs list them) from an
    installed layer, and the folders that leaves empty; the distributions deleted."""
    gone = []
    for name in UNUSED_DISTRIBUTIONS:
        for dist_info in sorted(target.glob(f"{name}-*.dist-info")):
            record = dist_info / "RECORD"
            files = [line.split(",")[0] for line in record.read_text().splitlines() if line]
            folders: set[Path] = set()
            for relative in files:
                path = (target / relative).resolve()
                if target.resolve() in path.parents and path.is_file():
                    path.unlink()
                    folders.update(p for p in path.parents if target.resolve() in p.parents)
            shutil.rmtree(dist_info, ignore_errors=True)
            for folder in sorted(folders, key=lambda p: len(p.parts), reverse=True):
                if folder.is_dir() and all(p.name == "__pycache__" for p in folder.iterdir()):
                    shutil.rmtree(folder)
            gone.append(dist_info.name)
    return gone


@jsii.implements(cdk.ILocalBundling)
class CompiledCopyBundler:
    """Copies a source tree (without caches) and compiles it with the runtime's Python."""

    def __init__(self, source: Path, compiler: str) -> None:
        self.source = source
        self.compiler = compiler

    def try_bundle(
        self, output_dir: str, *, image: cdk.DockerImage | None = None, **_: object
    ) -> bool:
        ignore = shutil.ignore_patterns(*NOT_SHIPPED)
        shutil.copytree(self.source, output_dir, ignore=ignore, dirs_exist_ok=True)
        compile_bytecode(self.compiler, Path(output_dir))
        return True


class Layers(Construct):
    """`core` (layers/core: the photogram package) and `deps` (pip-installed requirements)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        compiler = runtime_python(python_version(RUNTIME))
        if compiler is None:
            # Info, not a warning: a warning fails `cdk synth --strict`, and the stack works.
            cdk.Annotations.of(self).add_info(
                f"No python{python_version(RUNTIME)} here (or {RUNTIME_PYTHON_ENV}): the "
                "layers carry no byte code, so every cold start compiles what it imports "
                "(about 1.5 s more per cold start; docs/deploy.md).",
            )
        self.core = lambda_.LayerVersion(
            self,
            "Core",
            description="The photogram domain package",
            code=core_layer_code(compiler),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
        self.deps = lambda_.LayerVersion(
            self,
            "Deps",
            description="Third-party dependencies from layers/deps/requirements.txt",
            code=deps_layer_code(compiler),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )

    @property
    def all(self) -> list[lambda_.ILayerVersion]:
        return [self.deps, self.core]


def core_layer_code(compiler: str | None) -> lambda_.Code:
    """The photogram package as it is here, compiled when `compiler` is given."""
    exclude = [f"**/{pattern}" for pattern in NOT_SHIPPED]
    if compiler is None:
        return lambda_.Code.from_asset(str(CORE_LAYER_DIR), exclude=exclude)
    python = python_version(RUNTIME)
    return lambda_.Code.from_asset(
        str(CORE_LAYER_DIR),
        exclude=exclude,
        bundling=cdk.BundlingOptions(
            image=cdk.DockerImage.from_registry(f"public.ecr.aws/sam/build-python{python}"),
            local=CompiledCopyBundler(CORE_LAYER_DIR, compiler),
            command=["bash", "-c", "cp -r /asset-input/. /asset-output/"],
        ),
    )


def deps_layer_code(compiler: str | None = None) -> lambda_.Code:
    """The requirements, pip-installed locally; re-built only when they or the target change."""
    python = python_version(RUNTIME)
    bundler = PipLayerBundler(
        requirements=REQUIREMENTS, python=python, platforms=PIP_PLATFORMS, compiler=compiler
    )
    # The hash names the staged asset: cdk.out keeps a built layer for each distinct hash,
    # so unchanged requirements are not re-installed on the next synth (delete cdk.out to
    # pick up newer releases within the requirements' ranges).
    compiled = "bytecode" if compiler else "source"
    fingerprint = hashlib.sha256(
        "\n".join(
            [REQUIREMENTS.read_text(), *bundler.options(), compiled, *UNUSED_DISTRIBUTIONS]
        ).encode()
    ).hexdigest()
    return lambda_.Code.from_asset(
        str(DEPS_LAYER_DIR),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=fingerprint,
        bundling=cdk.BundlingOptions(
            image=cdk.DockerImage.from_registry(f"public.ecr.aws/sam/build-python{python}"),
            platform="linux/arm64",
            local=bundler,
            command=[
                "bash",
                "-c",
                "pip install --no-compile -r requirements.txt -t /asset-output/python && "
                "cd /asset-output/python && for d in "
                + " ".join(f"{name}-*.dist-info" for name in UNUSED_DISTRIBUTIONS)
                + '; do cut -d, -f1 "$d/RECORD" | xargs rm -f; rm -rf "$d"; done && '
                "find . -type d -empty -delete",
            ],
        ),
    )
