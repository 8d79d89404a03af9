"""Each declared function runs as declared and may touch only what its spec says it uses."""

from __future__ import annotations

import json
from typing import Any

import pytest

from infra.functions import AWS_ENVIRONMENT, CDN_BASE_URL_ENV_VAR, SERVICE_ACTION_REASONS
from infra.layers import PIP_PLATFORMS, REQUIREMENTS, RUNTIME, PipLayerBundler
from infra.resources import MEDIA, METRICS_NAMESPACE, RAW_MEDIA, RESOURCES, TABLE
from infra.routes import DELETE, FUNCTIONS, PRESIGN_POST, READ, WRITE, FunctionSpec, Route, function
from infra.storage import KEY_PREFIXES
from tests.infra.synth import Synth, as_list, policy_statements, shared_synth

pytestmark = [pytest.mark.infra, pytest.mark.xdist_group("infra")]

SECRET_ENV_VARS = {spec.env_var for spec in RESOURCES.secrets}
BUCKET_ENV_VARS = {spec.env_var for spec in RESOURCES.buckets}
# X-Ray's two actions, which every traced function's role gets on "*".
X_RAY_ACTIONS = {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}


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


def role_statements(synth: Synth, function: dict[str, Any]) -> list[dict[str, Any]]:
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    assert "Policies" not in synth.resources[role_id]["Properties"]
    return policy_statements(synth, role_id)


def bucket_names(synth: Synth) -> dict[str, str]:
    """Template logical id -> the declared bucket's logical id."""
    return {
        synth.logical_id(f"/Storage/{spec.logical_id}/Resource"): spec.logical_id
        for spec in RESOURCES.buckets
    }


def s3_grants(synth: Synth, name: str) -> set[tuple[str, str, str, str]]:
    """(action, bucket, key pattern or "" for the bucket, condition) of every S3 grant.

    A resource is named by the declared bucket ("RawMedia") and what follows its ARN
    ("/raw/*"); anything else (a '*', another bucket) is kept as JSON so it shows up.
    """
    names = bucket_names(synth)
    grants = set()
    for statement in role_statements(synth, function_of(synth, name)):
        for action in as_list(statement["Action"]):
            if not action.startswith("s3:"):
                continue
            for resource in as_list(statement["Resource"]):
                grants.add(
                    (
                        action,
                        *_bucket_resource(names, resource),
                        json.dumps(statement.get("Condition", {}), sort_keys=True),
                    )
                )
    return grants


def _bucket_resource(names: dict[str, str], resource: Any) -> tuple[str, str]:
    if isinstance(resource, dict) and "Fn::GetAtt" in resource:
        logical_id, attribute = resource["Fn::GetAtt"]
        if attribute == "Arn" and logical_id in names:
            return names[logical_id], ""
    if isinstance(resource, dict) and "Fn::Join" in resource:
        separator, (head, *tail) = resource["Fn::Join"]
        if separator == "" and all(isinstance(part, str) for part in tail):
            bucket, rest = _bucket_resource(names, head)
            if bucket in names.values() and rest == "":
                return bucket, "".join(tail)
    return json.dumps(resource), ""


def expected_s3_grants(spec: FunctionSpec) -> set[tuple[str, str, str, str]]:
    """What each declared access allows: object actions under the bucket's key prefix,
    and listing only under it where the function deletes what it finds."""
    no_condition = json.dumps({})
    expected = set()
    for bucket, access in spec.buckets:
        prefix = KEY_PREFIXES[bucket]
        objects = f"/{prefix}*"
        # A versioned bucket's readers and deleters name the version they mean.
        versioned = RESOURCES.bucket(bucket).versioned
        if access == READ:
            expected.add(("s3:GetObject", bucket, objects, no_condition))
            if versioned:
                expected.add(("s3:GetObjectVersion", bucket, objects, no_condition))
        elif access in (WRITE, PRESIGN_POST):
            expected.add(("s3:PutObject", bucket, objects, no_condition))
        elif access == DELETE:
            expected.add(("s3:DeleteObject", bucket, objects, no_condition))
            if versioned:
                expected.add(("s3:DeleteObjectVersion", bucket, objects, no_condition))
            listing = {"StringLike": {"s3:prefix": [f"{prefix}*"]}}
            expected.add(("s3:ListBucket", bucket, "", json.dumps(listing, sort_keys=True)))
        else:
            raise AssertionError(f"unknown access {access!r}")
    return expected


@pytest.fixture(scope="session")
def probe(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """A stack whose one function uses neither the table nor any secret."""
    from infra.config import StackConfig
    from infra.resources import Resources
    from infra.stack import PhotogramStack

    functions_dir = tmp_path_factory.mktemp("probe-functions")
    (functions_dir / "probe").mkdir()
    (functions_dir / "probe" / "handler.py").write_text("def lambda_handler(event, context): ...\n")
    spec = FunctionSpec("probe", "Touches nothing", uses_table=False, uses_secrets=())

    def build(app):
        return PhotogramStack(
            app,
            "Probe",
            # No feed function here to rank for.
            config=StackConfig(ranking="heuristic"),
            # The media pipeline's steps are not in this stack.
            resources=Resources(state_machines=()),
            functions=(spec,),
            routes=(Route("GET", "/probe", "probe", authorized=False),),
            # No live function here to connect to.
            socket_routes=(),
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


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_only_actions_without_resource_permissions_are_granted_on_everything(
    photogram, spec: FunctionSpec
):
    statements = role_statements(photogram, function_of(photogram, spec.name))

    open_actions = {
        action
        for statement in statements
        if "*" in as_list(statement["Resource"])
        for action in as_list(statement["Action"])
    }

    # A stream consumer's event source mapping needs ListStreams, which names no resource.
    stream_actions = {"dynamodb:ListStreams"} if spec.stream_batch_size else set()
    assert open_actions == X_RAY_ACTIONS | set(spec.service_actions) | stream_actions
    assert set(spec.service_actions) <= set(SERVICE_ACTION_REASONS)


def test_moderation_may_call_rekognition():
    assert "rekognition:DetectModerationLabels" in function("media-moderate").service_actions


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_role_has_exactly_its_declared_bucket_access(photogram, spec: FunctionSpec):
    grants = s3_grants(photogram, spec.name)

    assert grants == expected_s3_grants(spec)


def test_bucket_grants_never_open_a_bucket_or_every_action(photogram):
    for spec in FUNCTIONS:
        for action, bucket, keys, _ in s3_grants(photogram, spec.name):
            assert action != "s3:*" and not action.endswith("*"), spec.name
            assert bucket in KEY_PREFIXES, (spec.name, bucket)
            # An object grant names a key prefix, never the whole bucket ("/*").
            assert keys == "" or keys == f"/{KEY_PREFIXES[bucket]}*", (spec.name, keys)


def test_metadata_step_reads_raw_uploads_and_cannot_touch_published_media(photogram):
    grants = s3_grants(photogram, "media-metadata")

    assert {(action, bucket) for action, bucket, _, _ in grants} == {
        ("s3:GetObject", RAW_MEDIA.logical_id),
        ("s3:GetObjectVersion", RAW_MEDIA.logical_id),
    }


def test_api_may_only_put_raw_uploads_for_its_presigned_posts(photogram):
    grants = s3_grants(photogram, "media")

    assert grants == {("s3:PutObject", RAW_MEDIA.logical_id, "/raw/*", json.dumps({}))}


def test_resize_step_reads_raw_uploads_and_writes_published_media(photogram):
    grants = s3_grants(photogram, "media-resize")

    # Delete (and its prefix-scoped list): it removes its own variants when a sibling
    # step failed the workflow while it ran.
    assert {(action, bucket, keys) for action, bucket, keys, _ in grants} == {
        ("s3:GetObject", RAW_MEDIA.logical_id, "/raw/*"),
        ("s3:GetObjectVersion", RAW_MEDIA.logical_id, "/raw/*"),
        ("s3:PutObject", MEDIA.logical_id, "/media/*"),
        ("s3:DeleteObject", MEDIA.logical_id, "/media/*"),
        ("s3:ListBucket", MEDIA.logical_id, ""),
    }


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_gets_the_names_of_exactly_its_declared_buckets(photogram, spec: FunctionSpec):
    variables = function_of(photogram, spec.name)["Properties"]["Environment"]["Variables"]
    buckets = {bucket: logical for logical, bucket in bucket_names(photogram).items()}

    expected = {
        RESOURCES.bucket(bucket).env_var: {"Ref": buckets[bucket]} for bucket, _ in spec.buckets
    }

    assert {k: v for k, v in variables.items() if k in BUCKET_ENV_VARS} == expected


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_gets_the_cdn_base_url_only_if_it_uses_the_cdn(photogram, spec: FunctionSpec):
    variables = function_of(photogram, spec.name)["Properties"]["Environment"]["Variables"]
    (distribution_id,) = photogram.of_type("AWS::CloudFront::Distribution")

    base_url = variables.get(CDN_BASE_URL_ENV_VAR)

    if spec.uses_cdn:
        assert base_url == {
            "Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]
        }
    else:
        assert base_url is None


def test_aws_only_settings_name_declared_functions_and_reach_them(photogram):
    assert AWS_ENVIRONMENT["media-moderate"] == {"PHOTOGRAM_MODERATOR": "rekognition"}
    for name, settings in AWS_ENVIRONMENT.items():
        function(name)
        variables = function_of(photogram, name)["Properties"]["Environment"]["Variables"]
        assert {k: variables.get(k) for k in settings} == settings
    for spec in FUNCTIONS:
        variables = function_of(photogram, spec.name)["Properties"]["Environment"]["Variables"]
        assert ("PHOTOGRAM_MODERATOR" in variables) == (spec.name == "media-moderate")


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_functions_sharing_a_folder_ship_it_with_their_own_entry_point(
    photogram, spec: FunctionSpec
):
    properties = function_of(photogram, spec.name)["Properties"]
    same_folder = [other for other in FUNCTIONS if other.folder_name == spec.folder_name]

    codes = {
        json.dumps(function_of(photogram, other.name)["Properties"]["Code"])
        for other in same_folder
    }

    assert properties["Handler"] == f"handler.{spec.entry}"
    assert len(codes) == 1


def test_function_that_uses_no_table_or_secret_gets_no_grant_for_them(probe):
    function = function_of(probe, "probe")

    policy = role_policy_text(probe, function)

    assert "dynamodb:" not in policy
    assert "secretsmanager:" not in policy
    assert "s3:" not in policy
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
