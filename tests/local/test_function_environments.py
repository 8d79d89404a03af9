"""Each function works with only the environment CDK gives it (docs/decisions.md §37).

Locally one process hosts every function, so each one sees every function's
variables, and a function that reads a setting CDK never gave it works here and
fails on AWS. These tests build each function's environment with the code CDK uses
(infra/environment.py, through `local.lambdas.environment_of`), add only what the
Lambda runtime itself provides and the endpoint the local runtime needs to reach
moto, and replay the function's events (events/ for the API functions, a few built
here for the pipeline steps and the stream consumer) through its handler in a
process of its own (tests/own_environment.py), with fresh settings."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import boto3
import pytest
from PIL import Image

from infra import environment
from infra.cors import CorsPolicy
from infra.resources import RAW_MEDIA, RESOURCES
from infra.routes import FUNCTIONS, ROUTES, SOCKET_AUTHORIZER, SOCKET_ROUTES, FunctionSpec
from local import lambdas
from local.client import id_token
from local.sample_events import EVENTS, build_socket

ROOT = Path(__file__).resolve().parents[2]
# The settings the stack adds after infra/environment.py (infra/stack.py: the CORS
# rule to the API's functions, when origins are declared; infra/ranking.py: the
# SageMaker ranker to the feed). The replays run without them, as a stack with
# neither would; a function they are not given must not read them.
API_FUNCTIONS = {route.function for route in ROUTES}
ADDED_BY_THE_STACK = {
    **{name: set(CorsPolicy(("https://app.example",)).function_env()) for name in API_FUNCTIONS},
    "feed": set(CorsPolicy(("https://app.example",)).function_env())
    | {"PHOTOGRAM_RANKER", "PHOTOGRAM_RANKER_ENDPOINT"},
}


def lambda_runtime(spec: FunctionSpec, info: dict[str, Any]) -> dict[str, str]:
    """What Lambda itself sets in every function's environment (credentials are moto's
    fake ones), and the one endpoint the local runtime adds to reach moto."""
    return {
        "AWS_REGION": info["region"],
        "AWS_DEFAULT_REGION": info["region"],
        "AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"],
        "AWS_SECRET_ACCESS_KEY": os.environ["AWS_SECRET_ACCESS_KEY"],
        "AWS_SESSION_TOKEN": "testing",
        "AWS_LAMBDA_FUNCTION_NAME": f"photogram-{spec.name}",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/photogram-{spec.name}",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "AWS_ENDPOINT_URL": info["aws_endpoint_url"],
    }


def moto_names(info: dict[str, Any]) -> environment.Deployed:
    """The names `local.resources.create_all` gave the declared resources in moto."""
    secrets = boto3.client(
        "secretsmanager", endpoint_url=info["aws_endpoint_url"], region_name=info["region"]
    )
    resource_env = {
        RESOURCES.table.env_var: info["table_name"],
        **{
            s.env_var: secrets.describe_secret(SecretId=s.local_name)["ARN"]
            for s in RESOURCES.secrets
        },
        **{b.env_var: b.local_name for b in RESOURCES.buckets},
    }
    return lambdas.deployed(
        resource_env,
        cdn_base_url=f"{info['api_url']}/cdn",
        search=info["search_env"],
        user_pool=info["user_pool_env"],
        live_endpoint=info["live_endpoint"],
    )


# A cursor that is not ours: opening it takes the cursor key (a 400 after that).
FOREIGN_CURSOR = "e30.not-our-signature"


def sample_events(spec: FunctionSpec) -> list[tuple[str, dict[str, Any]]]:
    """The function's sample events, and each GET again with a cursor to open."""
    events = []
    for path in sorted((EVENTS / spec.name).glob("*.json")):
        event = json.loads(path.read_text())
        events.append((path.name, event))
        if event["httpMethod"] == "GET":
            query = event.get("queryStringParameters") or {}
            paged = event | {
                "queryStringParameters": query | {"cursor": FOREIGN_CURSOR},
                "multiValueQueryStringParameters": {k: [v] for k, v in query.items()}
                | {"cursor": [FOREIGN_CURSOR]},
            }
            events.append((f"{path.name} ?cursor=", paged))
    return events


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def pipeline_events(spec: FunctionSpec, info: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The step's input, as the workflow hands it on, for an upload of its own (each
    step may delete it) under a key that starts no workflow; the media item does not
    exist, so nothing is published."""
    s3 = boto3.client("s3", endpoint_url=info["aws_endpoint_url"], region_name=info["region"])
    owner_id, media_id = str(uuid.uuid4()), str(uuid.uuid4())
    key = f"replay/{owner_id}/{media_id}"
    version_id = s3.put_object(
        Bucket=RAW_MEDIA.local_name, Key=key, Body=_png(), ContentType="image/png"
    )["VersionId"]
    state = {
        "media_id": media_id,
        "owner_id": owner_id,
        "bucket": RAW_MEDIA.local_name,
        "key": key,
        "version_id": version_id,
    }
    # S3's "Object Created" event for an upload nobody asked for: Validate rejects it.
    s3_event = {
        "source": "aws.s3",
        "detail-type": "Object Created",
        "detail": {
            "bucket": {"name": RAW_MEDIA.local_name},
            "object": {"key": f"raw/{owner_id}/{media_id}", "version-id": version_id},
        },
    }
    rendered = {
        "variants": {},
        "width": 64,
        "height": 48,
        "blur_placeholder": "",
        "dominant_color": "#c87828",
    }
    events = {
        "media-validate": s3_event,
        "media-resize": state,
        "media-metadata": state,
        "media-moderate": state,
        "media-publish": state | {"results": {"variants": rendered, "metadata": {}}},
        "media-reject": state | {"reason": "unknown_upload"},
        "media-fail": state | {"error": {"Error": "States.TaskFailed", "Cause": "test"}},
    }
    return [(f"{spec.entry} step", events[spec.name])]


def _image(**attributes: str) -> dict[str, Any]:
    return {name: {"S": value} for name, value in attributes.items()}


def _record(event_name: str, item: dict[str, str], *, by_ttl: bool = False) -> dict[str, Any]:
    image = _image(**item)
    record: dict[str, Any] = {
        "eventID": uuid.uuid4().hex,
        "eventName": event_name,
        "eventVersion": "1.1",
        "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1",
        "dynamodb": {
            "Keys": {"PK": image["PK"], "SK": image["SK"]},
            "StreamViewType": "NEW_AND_OLD_IMAGES",
            "SequenceNumber": str(uuid.uuid4().int)[:21],
            "SizeBytes": 100,
            ("OldImage" if event_name == "REMOVE" else "NewImage"): image,
        },
    }
    if by_ttl:
        record["userIdentity"] = {"type": "Service", "principalId": "dynamodb.amazonaws.com"}
    return record


def stream_events() -> list[tuple[str, dict[str, Any]]]:
    """A batch of the item types the consumers handle, for items no longer there."""
    author, viewer, post_id, story_id = (str(uuid.uuid4()) for _ in range(4))
    at = "2026-11-25T13:06:32.000000Z"
    post = {"PK": f"POST#{post_id}", "SK": "META", "type": "post", "post_id": post_id}
    post |= {"author_id": author, "created_at": at, "media_id": str(uuid.uuid4())}
    story = {"PK": f"USER#{author}", "SK": f"STORY#{at}#{story_id}", "type": "story"}
    story |= {"story_id": story_id, "author_id": author, "media_id": str(uuid.uuid4())}
    story |= {"audience": "followers", "created_at": at}
    following = {"PK": f"USER#{viewer}", "SK": f"FOLLOWING#{author}", "type": "following"}
    following |= {"owner_id": viewer, "other_id": author, "created_at": at}
    like = {"PK": f"POST#{post_id}", "SK": f"LIKE#{viewer}", "type": "like"}
    like |= {"post_id": post_id, "user_id": viewer, "created_at": at}
    records = [
        _record("INSERT", post),
        _record("REMOVE", post),
        _record("REMOVE", story, by_ttl=True),
        _record("INSERT", following),
        _record("INSERT", like),
    ]
    return [("stream batch", {"Records": records})]


SOCKET_FUNCTIONS = {route.function for route in SOCKET_ROUTES} | {SOCKET_AUTHORIZER}


def socket_events(spec: FunctionSpec, info: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The WebSocket API's sample events for this function; the authorizer's with a
    real id token, so it verifies one against the user pool."""
    events = [(n, e) for (f, n), e in build_socket().items() if f == spec.name]
    for _, event in events:
        if "methodArn" in event:
            token = id_token(info, f"replay-{uuid.uuid4().hex[:8]}@photogram.test")
            event["queryStringParameters"]["token"] = token
            event["multiValueQueryStringParameters"]["token"] = [token]
    return events


def events_of(spec: FunctionSpec, info: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if spec.name in SOCKET_FUNCTIONS:
        return socket_events(spec, info)
    if spec.name in API_FUNCTIONS:
        return sample_events(spec)
    if spec.stream_batch_size:
        return stream_events()
    return pipeline_events(spec, info)


def watched(spec: FunctionSpec, names: environment.Deployed) -> list[str]:
    """The settings CDK gives some other function but not this one."""
    given = {
        other.name: set(environment.function_environment(other, names))
        | ADDED_BY_THE_STACK.get(other.name, set())
        for other in FUNCTIONS
    }
    elsewhere = set().union(*given.values()) - given[spec.name]
    return sorted(k for k in elsewhere if k.startswith("PHOTOGRAM_"))


@pytest.fixture(scope="module")
def replays(runtime, tmp_path_factory) -> dict[str, dict[str, Any]]:
    """Every function replayed once, in one process of its own."""
    info = runtime.info
    names = moto_names(info)
    functions: list[dict[str, Any]] = [
        {
            "name": spec.name,
            "env": lambdas.environment_of(spec, names) | lambda_runtime(spec, info),
            "watch": watched(spec, names),
            "events": events_of(spec, info),
        }
        for spec in FUNCTIONS
    ]
    out = tmp_path_factory.mktemp("own-environment") / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "tests.own_environment", str(out)],
        input=json.dumps(functions),
        cwd=ROOT,
        env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "en_US.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    results: dict[str, dict[str, Any]] = json.loads(out.read_text())
    for function in functions:
        results[function["name"]] |= {
            "given": sorted(
                k
                for k in function["env"]
                if k.startswith("PHOTOGRAM_") and k not in lambdas.LOCAL_ENVIRONMENT
            ),
            "events": len(function["events"]),
        }
    return results


def test_local_stand_ins_replace_only_what_cdk_sets_differently_on_aws():
    assert {name: set(values) for name, values in lambdas.LOCAL_OVERRIDES.items()} == {
        name: set(values) for name, values in environment.AWS_ENVIRONMENT.items()
    }
    # What the local runtime adds for every function is how it reaches moto, not a
    # setting a function could come to depend on.
    assert set(lambdas.LOCAL_ENVIRONMENT) == {
        "PHOTOGRAM_S3_ADDRESSING_STYLE",
        "POWERTOOLS_TRACE_DISABLED",
        "POWERTOOLS_METRICS_DISABLED",
    }


@pytest.mark.parametrize("spec", FUNCTIONS, ids=lambda s: s.name)
def test_function_answers_with_only_its_own_environment(replays, spec: FunctionSpec):
    found = replays[spec.name]
    problems = []
    if found["missing"]:
        problems.append(
            f"settings() failed: {', '.join(found['missing'])} missing from its environment"
        )
    problems += [f"settings() failed: {message}" for message in found["invalid"]]
    if found["read_ungiven"]:
        problems.append(
            f"it reads {', '.join(found['read_ungiven'])}, which CDK gives other functions "
            "but not this one"
        )
    failures = found["failures"]
    problems += failures[:3] + ([f"and {len(failures) - 3} more"] if len(failures) > 3 else [])

    assert not problems, (
        f"function {spec.name}, with only the environment CDK gives it "
        f"({', '.join(found['given'])}): "
        + "; ".join(problems)
        + ". Give it the setting in infra/routes.py (what its spec uses) or stop reading it."
    )
    assert found["answers"] == found["events"] > 0
