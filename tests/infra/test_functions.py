"""Each declared function runs as declared and may touch only what its spec says it uses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.layers import PIP_PLATFORMS, REQUIREMENTS, RUNTIME, PipLayerBundler
from infra.resources import METRICS_NAMESPACE, RESOURCES, TABLE
from infra.routes import FUNCTIONS, FunctionSpec, Route
from tests.infra.synth import Synth, shared_synth

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

SECRET_ENV_VARS = {spec.env_var for spec in RESOURCES.secrets}


def function_of(synth: Synth, name: str) -> dict[str, Any]:
    return synth.resources[synth.function_ids()[name]]


def role_policy_text(synth: Synth, function: dict[str, Any]) -> str:
    """Every policy statement attached to the function's role, as one JSON string."""
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    role = synth.resources[role_id]["Properties"]
    assert "ManagedPolicyArns" not in role
    statements = [
        policy["Properties"]["PolicyDocument"]["Statement"]
        for policy in synth.of_type("AWS::IAM::Policy").values()
        if {"Ref": role_id} in policy["Properties"]["Roles"]
    ]
    return json.dumps([role.get("Policies", []), statements])


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """A stack whose one function uses neither the table nor any secret."""
    from infra.config import StackConfig
    from infra.stack import PhotogramStack

    functions_dir = tmp_path_factory.mktemp("probe-functions")
    (functions_dir / "probe").mkdir()
    (functions_dir / "probe" / "handler.py").write_text("def lambda_handler(event, context): ...\n")
    spec = FunctionSpec("probe", "Touches nothing", uses_table=False, uses_secrets=())

    def build(app):
        return PhotogramStack(
            app,
            "Probe",
            config=StackConfig(),
            functions=(spec,),
            routes=(Route("GET", "/probe", "probe", authorized=False),),
            functions_dir=functions_dir,
        )

    return shared_synth(tmp_path_factory.getbasetemp(), "probe", build)


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_runs_as_declared_on_arm64(photogram, spec: FunctionSpec):
    properties = function_of(photogram, spec.name)["Properties"]

    assert properties["Architectures"] == ["arm64"]
    assert properties["Runtime"] == RUNTIME.name
    assert properties["Handler"] == spec.handler
    assert properties["MemorySize"] == spec.memory_mb
    assert properties["Timeout"] == spec.timeout_seconds
    assert properties["TracingConfig"] == {"Mode": "Active"}
    assert len(properties["Layers"]) == 2


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_environment_carries_what_the_spec_uses(photogram, spec: FunctionSpec):
    variables = function_of(photogram, spec.name)["Properties"]["Environment"]["Variables"]
    (table_id,) = photogram.of_type("AWS::DynamoDB::Table")

    expected = {
        "POWERTOOLS_SERVICE_NAME": spec.name,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }

    assert {k: v for k, v in variables.items() if k in expected} == expected
    assert (variables.get(TABLE.env_var) == {"Ref": table_id}) == spec.uses_table
    assert set(variables) & SECRET_ENV_VARS == set(spec.uses_secrets)
    for env_var in spec.uses_secrets:
        assert photogram.resources[variables[env_var]["Ref"]]["Type"] == (
            "AWS::SecretsManager::Secret"
        )


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_logs_to_its_own_log_group_with_retention(photogram, spec: FunctionSpec):
    properties = function_of(photogram, spec.name)["Properties"]

    log_group = photogram.resources[properties["LoggingConfig"]["LogGroup"]["Ref"]]

    assert log_group["Properties"]["RetentionInDays"] > 0


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_role_reaches_the_table_only_if_it_uses_it(photogram, spec: FunctionSpec):
    (table_id,) = photogram.of_type("AWS::DynamoDB::Table")

    policy = role_policy_text(photogram, function_of(photogram, spec.name))

    assert (table_id in policy) == spec.uses_table
    assert "dynamodb:Scan" not in policy
    assert "dynamodb:*" not in policy


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_role_reads_only_the_secrets_it_uses(photogram, spec: FunctionSpec):
    variables = function_of(photogram, spec.name)["Properties"]["Environment"]["Variables"]

    policy = role_policy_text(photogram, function_of(photogram, spec.name))

    for secret_id in photogram.of_type("AWS::SecretsManager::Secret"):
        used = any(variables.get(env_var) == {"Ref": secret_id} for env_var in spec.uses_secrets)
        assert (secret_id in policy) == used


def test_only_x_ray_statements_leave_the_resource_open(photogram):
    statements = [
        statement
        for policy in photogram.of_type("AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
    ]

    open_actions = {
        action
        for statement in statements
        if "*" in json.dumps(statement["Resource"])
        for action in (
            [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]
        )
    }

    assert open_actions == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


def test_function_that_uses_no_table_or_secret_gets_no_grant_for_them(probe):
    function = function_of(probe, "probe")

    policy = role_policy_text(probe, function)

    assert "dynamodb:" not in policy
    assert "secretsmanager:" not in policy
    assert TABLE.env_var not in function["Properties"]["Environment"]["Variables"]


def test_layers_target_the_functions_runtime_and_architecture(photogram):
    layers = photogram.of_type("AWS::Lambda::LayerVersion").values()

    targets = [
        (layer["Properties"]["CompatibleRuntimes"], layer["Properties"]["CompatibleArchitectures"])
        for layer in layers
    ]

    assert targets == [([RUNTIME.name], ["arm64"])] * 2


def test_dependencies_layer_is_built_by_pip_for_the_lambda_platform(tmp_path):
    python = RUNTIME.name.removeprefix("python")
    bundler = PipLayerBundler(requirements=REQUIREMENTS, python=python, platforms=PIP_PLATFORMS)

    command = bundler.command(str(tmp_path / "python"))

    assert command[1:4] == ["-m", "pip", "install"]
    assert "--only-binary=:all:" in command
    assert command[command.index("--python-version") + 1] == python
    assert command[command.index("--platform") + 1] == "manylinux2014_aarch64"
    assert command[command.index("--target") + 1] == str(tmp_path / "python")
