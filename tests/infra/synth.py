"""Synthesize a CDK app in-process, offline, and read back its template and report.

Synthesis takes seconds, so each app is synthesized once per test run and the
result (plain JSON) is shared: with pytest-xdist, the first worker to need it
synthesizes under a file lock and the others read its result.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Synth:
    """A synthesized stack: its template and, if cdk-nag ran, its validation report."""

    template: dict[str, Any]
    report: dict[str, Any]
    acknowledged: list[tuple[str, str]] = field(default_factory=list)
    # The text of each single-file asset (a state machine definition), by its S3 key.
    assets: dict[str, str] = field(default_factory=dict)
    # The concrete region it was synthesized for; None when environment-agnostic.
    region: str | None = None

    def __post_init__(self) -> None:
        # JSON gives back lists; keep (rule id, construct path) pairs comparable.
        self.acknowledged = [(rule_id, path) for rule_id, path in self.acknowledged]

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return self.template["Resources"]

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: r for k, r in self.resources.items() if r["Type"] == resource_type}

    def function_ids(self) -> dict[str, str]:
        """Function name (POWERTOOLS_SERVICE_NAME) -> the function's logical id."""
        return {
            r["Properties"]["Environment"]["Variables"]["POWERTOOLS_SERVICE_NAME"]: logical_id
            for logical_id, r in self.of_type("AWS::Lambda::Function").items()
        }

    def logical_id(self, path: str) -> str:
        """The logical id of the resource whose construct path ends with `path`."""
        (found,) = [
            logical_id
            for logical_id, r in self.resources.items()
            if r.get("Metadata", {}).get("aws:cdk:path", "").endswith(path)
        ]
        return found

    def plugin_report(self, name: str) -> dict[str, Any] | None:
        return next((p for p in self.report["pluginReports"] if p["pluginName"] == name), None)


def app_context(**extra: Any) -> dict[str, Any]:
    """cdk.json's context (the feature flags a deploy uses), with bundling skipped."""
    context = json.loads((ROOT / "cdk.json").read_text())["context"]
    # No stack is bundled: the dependencies layer is not pip-installed, synth stays offline.
    context["aws:cdk:bundling-stacks"] = []
    # Report findings in validation-report.json instead of raising, so a test can
    # name each one.
    context["@aws-cdk/core:failSynthOnValidationErrors"] = False
    # As the CDK CLI sets it: each resource records its construct path (Synth.logical_id).
    context["aws:cdk:enable-path-metadata"] = True
    context.update(extra)
    return context


def synthesize(outdir: Path, build: Callable[[Any], Any], **context: Any) -> Synth:
    import aws_cdk as cdk

    app = cdk.App(context=app_context(**context), outdir=str(outdir))
    stack = build(app)
    assembly = app.synth()
    report_file = Path(assembly.directory) / "validation-report.json"
    report = json.loads(report_file.read_text()) if report_file.exists() else {"pluginReports": []}
    artifact = assembly.get_stack_artifact(stack.artifact_id)
    return Synth(
        template=artifact.template,
        report=report,
        acknowledged=acknowledgments(app),
        assets=file_assets(Path(assembly.directory), artifact.template_file),
    )


def file_assets(directory: Path, template_file: str) -> dict[str, str]:
    """{S3 object key: text} of the stack's file assets other than its template."""
    manifests = directory.glob("*.assets.json")
    found: dict[str, str] = {}
    for manifest in manifests:
        for asset in json.loads(manifest.read_text())["files"].values():
            source = asset["source"]
            if source.get("packaging") != "file" or source["path"] == template_file:
                continue
            try:
                text = (directory / source["path"]).read_text()
            except UnicodeDecodeError:
                continue  # a binary file (the ranking model's archive)
            for destination in asset["destinations"].values():
                found[destination["objectKey"]] = text
    return found


def acknowledgments(app: Any) -> list[tuple[str, str]]:
    """Every (acknowledged rule id, construct path) recorded in the tree."""
    import aws_cdk as cdk

    key = cdk.Validations.ACKNOWLEDGED_RULES_METADATA_KEY
    found: list[tuple[str, str]] = []
    for construct in app.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == key:
                found.extend((rule_id, construct.node.path) for rule_id in entry.data)
    return found


@contextmanager
def locked(path: Path) -> Iterator[None]:
    with path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def shared_synth(base_temp: Path, name: str, build: Callable[[Any], Any]) -> Synth:
    """`synthesize` once per test run, whichever xdist worker asks first."""
    # Workers' base temps are siblings in one per-run directory; without xdist the
    # base temp itself is per run.
    run_dir = base_temp.parent if os.environ.get("PYTEST_XDIST_WORKER") else base_temp
    result = run_dir / f"{name}.synth.json"
    with locked(run_dir / f"{name}.synth.lock"):
        if result.exists():
            return Synth(**json.loads(result.read_text()))
        synth = synthesize(run_dir / f"{name}.cdk.out", build)
        result.write_text(json.dumps(asdict(synth)))
        return synth


def policy_statements(synth: Synth, role_id: str) -> list[dict[str, Any]]:
    """Every statement of the IAM policies attached to the role `role_id`."""
    return [
        statement
        for policy in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]


def as_list(value: Any) -> list[Any]:
    """IAM allows one value or a list wherever a list goes."""
    return value if isinstance(value, list) else [value]
