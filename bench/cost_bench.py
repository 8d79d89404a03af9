"""What one upload and one feed load bill on AWS, from the calls the local runtime
makes, and the cost per million of each.

    .venv/bin/python -m bench.cost_bench      (part of `make bench`)

In a fresh local runtime: the feed benchmark's world, smaller (bench/feed_bench.py
`build_graph`: 3,000 users; the viewer follows 400 of them, 2 celebrities; one post
each, fanned out by the real stream consumer), with the viewer signed up in Cognito
so the feed is loaded over HTTP as the app loads it; and an uploader with
UPLOADER_FOLLOWERS followers (a typical account: an ordinary author, fanned out on
write).

Then, counting with bench/meter.py (every Lambda invocation on any thread, its
duration, and the DynamoDB, S3, SageMaker and Secrets Manager calls it makes; the
app's presigned POST; Express executions; moderation calls), each in a quiet window
(the pipeline finished and the stream consumer idle before and after):
- an upload: POST /media, the presigned POST of an 8 MP phone JPEG, the pipeline
  to READY, one GET /media/{id} (the app's check; the bench itself waits by reading
  the table, uncounted, so its polling is not billed), POST /posts with it, and
  the stream consumer's work (the post's fan-out to UPLOADER_FOLLOWERS timelines);
- a feed load: GET /feed on a cold cache (re-rank), on a warm cache, and the next
  page; the mix assumed for "a feed load" is 1 cold in 5 (COLD_SHARE), the other 4
  half warm first pages, half next pages.
Medians over ROUNDS repetitions, then the bill per million of each, line by line,
with the prices of bench/billing.py (us-east-1 list prices and their date).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import billing
from bench.billing import PRICES, Line
from bench.meter import Meter, Usage

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "media-corpus"
PHOTO = CORPUS / "jpg/mobile/jolla.jpg"
# A clone alone has no corpus: the fixtures' phone-like JPEG (tests/fixtures/README.md).
FALLBACK_PHOTO = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "gps.jpg"
USERS, FOLLOWEES, CELEBRITIES = 3_000, 400, 2
UPLOADER_FOLLOWERS = 150
ROUNDS = 10
COLD_SHARE = 0.2
# infra/config.py: StackConfig.ranker_memory_mb (the serverless endpoint's memory;
# infra/ is not importable without the CDK packages, so it is restated here).
RANKER_MEMORY_MB = 2048


def photo() -> tuple[bytes, str]:
    if PHOTO.exists():
        return PHOTO.read_bytes(), "8 MP phone JPEG (media corpus jolla.jpg)"
    if not FALLBACK_PHOTO.exists():
        raise SystemExit(f"no JPEG to upload: neither {PHOTO} nor {FALLBACK_PHOTO} exists")
    return FALLBACK_PHOTO.read_bytes(), "800x600 JPEG (tests/fixtures/gps.jpg)"


class World:
    """The local runtime, the signed-in app users and a way to wait for quiet."""

    def __init__(self, runtime: Any, meter: Meter) -> None:
        import boto3

        self.runtime, self.meter = runtime, meter
        info = runtime.info
        self.sfn = boto3.client(
            "stepfunctions", endpoint_url=info["aws_endpoint_url"], region_name=info["region"]
        )

    def quiet(self) -> None:
        """Block until the stream poller has delivered everything written so far."""
        for _ in range(2):  # the first wait may end on an idle loop that began before
            self.runtime.streams.wait_idle(timeout=60)
        time.sleep(0.1)
        self.runtime.streams.wait_idle(timeout=60)

    def express_ms(self, arns: list[str]) -> list[float]:
        durations = []
        for arn in arns:
            deadline = time.monotonic() + 60
            while True:
                execution = self.sfn.describe_execution(executionArn=arn)
                if execution["status"] != "RUNNING" or time.monotonic() > deadline:
                    break
                time.sleep(0.05)
            stop = execution.get("stopDate")
            if stop is not None:
                durations.append((stop - execution["startDate"]).total_seconds() * 1000)
        return durations


def sign_up(info: dict[str, Any], name: str) -> tuple[str, str]:
    from local.client import email_for, sign_in
    from local.client import sign_up as cognito_sign_up

    email = email_for(f"{name}-{os.getpid()}")
    sub = cognito_sign_up(info, email)
    return sub, sign_in(info, email)["IdToken"]


def make_uploader(world: World) -> Any:
    from photogram.social.repository import FollowerRow, edge
    from photogram.users.keys import profile_key
    from photogram.users.repository import ProfileRow
    from tests.support import Client

    info = world.runtime.info
    sub, token = sign_up(info, "cost-uploader")
    client = Client(info["api_url"], token=token)
    response = client.put("/me", json={"handle": f"uploader{os.getpid()}"})
    assert response.status_code == 200, response.text
    with FollowerRow.batch_write() as batch:
        for n in range(UPLOADER_FOLLOWERS):
            batch.save(edge(FollowerRow, sub, f"fan{n:04d}"))
    ProfileRow.get(*profile_key(sub)).update(
        actions=[ProfileRow.follower_count.set(UPLOADER_FOLLOWERS)]
    )
    return client


def upload(world: World, client: Any, data: bytes) -> Usage:
    """One upload, end to end, in a quiet window; returns what it billed."""
    from local.client import post_file
    from photogram.media import repository as media_repo

    world.quiet()
    world.meter.take()
    created = client.post(
        "/media", json={"content_type": "image/jpeg", "size_bytes": len(data), "purpose": "post"}
    )
    assert created.status_code == 201, created.text
    started = created.json()
    media_id = started["media_id"]
    posted = post_file(started, data, "image/jpeg")
    assert posted.status_code == 204, posted.text
    deadline = time.monotonic() + 60
    while (row := media_repo.get(media_id)) is None or row.status not in (
        "READY",
        "REJECTED",
        "FAILED",
    ):
        if time.monotonic() > deadline:
            raise SystemExit(f"media {media_id} did not finish: {row and row.status}")
        time.sleep(0.02)
    assert row.status == "READY", row.status
    arns = list(world.meter.usage.executions)
    express = world.express_ms(arns)
    assert client.get(f"/media/{media_id}").json()["status"] == "READY"
    post = client.post("/posts", json={"media_ids": [media_id], "caption": "#bench a photo"})
    assert post.status_code == 201, post.text
    world.quiet()
    usage = world.meter.take()
    usage.other["express_ms"] = int(sum(express))
    usage.other["express_count"] = len(express)
    return usage


def feed_loads(world: World, client: Any, viewer: str) -> dict[str, Usage]:
    """The three kinds of first-or-next page, each in its own quiet window."""
    from photogram.feed import keys
    from photogram.feed.repository import SnapshotRow

    out: dict[str, Usage] = {}
    SnapshotRow(*keys.snapshot_key(viewer)).delete()
    world.quiet()
    world.meter.take()
    first = client.get("/feed")
    assert first.status_code == 200, first.text
    world.quiet()
    out["cold"] = world.meter.take()
    warm = client.get("/feed")
    assert warm.status_code == 200, warm.text
    world.quiet()
    out["warm"] = world.meter.take()
    cursor = warm.json().get("next_cursor")
    assert cursor, "the feed has one page only: make the world bigger"
    following = client.get("/feed", params={"cursor": cursor})
    assert following.status_code == 200, following.text
    world.quiet()
    out["next"] = world.meter.take()
    return out


# --- turning usage into figures and bills --------------------------------------------


def figures(usages: list[Usage]) -> dict[str, Any]:
    """Per operation: medians of every count over the rounds."""
    from infra.routes import function

    def med(values: list[float]) -> float:
        return float(statistics.median(values)) if values else 0.0

    names = sorted({n for u in usages for n in u.invocations})
    lambdas = {}
    for name in names:
        runs = [u.invocations.get(name, []) for u in usages]
        memory = function(name).memory_mb
        lambdas[name] = {
            "invocations": med([len(r) for r in runs]),
            "ms": med([sum(r) for r in runs]),
            "memory_mb": memory,
            "gb_s": med([sum(billing.lambda_gb_seconds(ms, memory) for ms in r) for r in runs]),
        }
    express_n = med([u.other.get("express_count", 0) for u in usages])
    express_ms = med([u.other.get("express_ms", 0) for u in usages])
    return {
        "api": med([u.api_requests for u in usages]),
        "lambdas": lambdas,
        "dynamodb_calls": {
            op: med([u.dynamodb_calls.get(op, 0) for u in usages])
            for op in sorted({op for u in usages for op in u.dynamodb_calls})
        },
        "items_read": med([u.items_read for u in usages]),
        "bytes_read": med([u.bytes_read for u in usages]),
        "items_written": med([u.items_written for u in usages]),
        "bytes_written": med([u.bytes_written for u in usages]),
        "rru": med([u.rru for u in usages]),
        "wru": med([u.wru for u in usages]),
        "units_by_function": {
            name: (
                med([u.units.get(name, [0, 0])[0] for u in usages]),
                med([u.units.get(name, [0, 0])[1] for u in usages]),
            )
            for name in sorted({n for u in usages for n in u.units})
        },
        "s3": {
            k: med([u.s3.get(k, 0) for u in usages])
            for k in sorted({k for u in usages for k in u.s3})
        },
        "s3_ops": {
            k: med([u.s3_ops.get(k, 0) for u in usages])
            for k in sorted({k for u in usages for k in u.s3_ops})
        },
        "express": express_n,
        "express_ms": express_ms,
        "express_gb_s": (
            billing.express_gb_seconds(express_ms / express_n) * express_n if express_n else 0.0
        ),
        "moderations": med([u.moderations for u in usages]),
        "inferences": med([len(u.inference_ms) for u in usages]),
        "inference_ms": med([sum(u.inference_ms) for u in usages]),
        "inference_bytes": med([u.inference_bytes for u in usages]),
        "secrets": med([u.secret_reads for u in usages]),
        "other": {
            k: med([u.other.get(k, 0) for u in usages])
            for k in sorted({k for u in usages for k in u.other})
            if not k.startswith("express_")
        },
    }


def bill(f: dict[str, Any]) -> list[Line]:
    lines = []
    if f["api"]:
        lines.append(Line("API Gateway REST requests", f["api"], "apigw_rest_request"))
    invocations = sum(v["invocations"] for v in f["lambdas"].values())
    if invocations:
        lines.append(Line("Lambda requests", invocations, "lambda_request"))
    for name, v in f["lambdas"].items():
        label = f"Lambda {name} ({v['memory_mb']} MB, {v['ms']:.0f} ms)"
        lines.append(Line(label, v["gb_s"], "lambda_gb_s"))
    lines.append(Line("DynamoDB write request units", f["wru"], "dynamodb_wru"))
    lines.append(Line("DynamoDB read request units", f["rru"], "dynamodb_rru"))
    if f["express"]:
        lines.append(Line("Step Functions Express executions", f["express"], "sfn_express_request"))
        lines.append(
            Line(
                f"Step Functions Express duration ({f['express_ms']:.0f} ms at 64 MB)",
                f["express_gb_s"],
                "sfn_express_gb_s",
            )
        )
    if f["s3"].get("PUT/COPY/POST/LIST"):
        lines.append(
            Line("S3 PUT/COPY/POST/LIST", f["s3"]["PUT/COPY/POST/LIST"], "s3_put_post_list")
        )
    if f["s3"].get("GET/HEAD"):
        lines.append(Line("S3 GET/HEAD", f["s3"]["GET/HEAD"], "s3_get_head"))
    if f["moderations"]:
        lines.append(
            Line("Rekognition DetectModerationLabels", f["moderations"], "rekognition_image")
        )
    if f["inferences"]:
        gb_s = f["inference_ms"] / 1000 * RANKER_MEMORY_MB / 1024
        label = f"SageMaker serverless ({RANKER_MEMORY_MB} MB, {f['inference_ms']:.0f} ms)"
        lines.append(Line(label, gb_s, "sagemaker_serverless_gb_s"))
        lines.append(
            Line(
                "SageMaker data processed (request)",
                f["inference_bytes"] / 1e9,
                "sagemaker_data_gb",
            )
        )
    if f["secrets"]:
        lines.append(Line("Secrets Manager GetSecretValue", f["secrets"], "secrets_call"))
    return lines


def mix(parts: list[tuple[float, dict[str, Any]]]) -> list[Line]:
    """The weighted sum of several operations' bills (the feed-load mix)."""
    merged: dict[tuple[str, str], float] = {}
    order: list[tuple[str, str]] = []
    for weight, f in parts:
        for line in bill(f):
            # Durations differ per kind; keep one line per service and price.
            label = line.service.split(" (")[0]
            key = (label, line.price)
            if key not in merged:
                merged[key] = 0.0
                order.append(key)
            merged[key] += weight * line.units
    return [Line(label, merged[(label, price)], price) for label, price in order]


def print_counts(title: str, f: dict[str, Any]) -> None:
    print(f"  {title}")
    print(f"    API Gateway requests: {f['api']:.0f}")
    for name, v in f["lambdas"].items():
        print(
            f"    Lambda {name:<15} {v['invocations']:.0f} invocation(s), {v['ms']:7.1f} ms, "
            f"{v['memory_mb']} MB -> {v['gb_s']:.4f} GB-s"
        )
    calls = ", ".join(f"{op} {n:.0f}" for op, n in f["dynamodb_calls"].items())
    print(f"    DynamoDB calls: {calls or 'none'}")
    print(
        f"    DynamoDB items read {f['items_read']:.0f} ({f['bytes_read'] / 1024:.1f} KB), "
        f"written {f['items_written']:.0f} ({f['bytes_written'] / 1024:.1f} KB): "
        f"{f['rru']:.1f} RRU, {f['wru']:.1f} WRU (GSI writes included)"
    )
    for name, (rru, wru) in f["units_by_function"].items():
        print(f"      {name:<15} {rru:6.1f} RRU {wru:6.1f} WRU")
    if f["s3_ops"]:
        ops = ", ".join(f"{op} {n:.0f}" for op, n in f["s3_ops"].items())
        print(f"    S3 requests: {ops}")
    if f["express"]:
        billed = billing.express_billed_ms(f["express_ms"] / f["express"])
        print(
            f"    Step Functions Express: {f['express']:.0f} execution(s), "
            f"{f['express_ms']:.0f} ms (billed {billed} ms at 64 MB)"
        )
    if f["moderations"]:
        print(f"    Rekognition DetectModerationLabels: {f['moderations']:.0f}")
    if f["inferences"]:
        print(
            f"    SageMaker InvokeEndpoint: {f['inferences']:.0f}, {f['inference_ms']:.0f} ms, "
            f"{f['inference_bytes'] / 1024:.1f} KB sent"
        )
    print(f"    Secrets Manager GetSecretValue: {f['secrets']:.0f} (cached for 5 minutes)")
    if f["other"]:
        print(f"    other calls (not billed here): {f['other']}")


def print_bill(title: str, lines: list[Line]) -> float:
    print(f"  {title}")
    for line in lines:
        print(line.render())
    total = sum(line.per_million() for line in lines)
    print(f"    {'total':<48} {'':>15} {'':<19} {'':<16}= ${total:>9,.2f}")
    return total


def main() -> None:
    from local.config import LocalConfig
    from local.runtime import LocalRuntime
    from tests.support import Client

    meter = Meter().install()
    data, described = photo()
    with LocalRuntime(
        config=LocalConfig(api_port=0, moto_port=0, live_port=0), state_file=None
    ) as runtime:
        from bench.feed_bench import build_graph

        print(
            f"cost (bench/cost_bench.py), {datetime.now(UTC):%Y-%m-%d}, "
            f"{platform.machine()} {os.cpu_count()} CPUs, Python {platform.python_version()}"
        )
        world = World(runtime, meter)
        viewer, token = sign_up(runtime.info, "cost-viewer")
        build_graph(
            runtime,
            users_n=USERS,
            followees_n=FOLLOWEES,
            celebrities_n=CELEBRITIES,
            viewer_id=viewer,
        )
        reader = Client(runtime.info["api_url"], token=token)
        uploader = make_uploader(world)
        # Warm-up: the first use of every step, the model and each function instance.
        upload(world, uploader, data)
        feed_loads(world, reader, viewer)

        uploads = [upload(world, uploader, data) for _ in range(ROUNDS)]
        loads = [feed_loads(world, reader, viewer) for _ in range(ROUNDS)]

    print(
        f"  {ROUNDS} rounds each, medians; upload: {described}, {len(data) / 1e6:.1f} MB, by an "
        f"author with {UPLOADER_FOLLOWERS} followers; feed: a viewer following {FOLLOWEES} "
        f"({CELEBRITIES} celebrities)"
    )
    per_upload = figures(uploads)
    print_counts(
        "one upload (POST /media, presigned POST, pipeline, GET /media, POST /posts, fan-out)",
        per_upload,
    )
    kinds = {k: figures([load[k] for load in loads]) for k in ("cold", "warm", "next")}
    print_counts("feed load, first page on a cold cache (re-rank)", kinds["cold"])
    print_counts("feed load, first page on a warm cache", kinds["warm"])
    print_counts("feed load, next page", kinds["next"])

    print(
        f"prices: us-east-1 on-demand list prices as published {billing.AS_OF} (bench/billing.py)"
    )
    print_bill("per 1M uploads", bill(per_upload))
    cold = print_bill("per 1M feed loads, all cold (re-rank)", bill(kinds["cold"]))
    warm = print_bill(
        "per 1M feed loads, all warm (half first pages, half next pages)",
        mix([(0.5, kinds["warm"]), (0.5, kinds["next"])]),
    )
    warm_share = (1 - COLD_SHARE) / 2
    mixed = print_bill(
        f"per 1M feed loads, 1 cold in {1 / COLD_SHARE:.0f} (the assumed mix)",
        mix(
            [(COLD_SHARE, kinds["cold"]), (warm_share, kinds["warm"]), (warm_share, kinds["next"])]
        ),
    )
    print(
        f"  feed load: cold ${cold:,.2f}, warm ${warm:,.2f}, mix ${mixed:,.2f} per million "
        f"(cold costs {cold / warm:.1f}x a warm page)"
    )
    unused = sorted(set(PRICES) - {line.price for line in bill(per_upload) + bill(kinds["cold"])})
    if unused:
        print(f"  prices not used by these operations: {', '.join(unused)}")


if __name__ == "__main__":
    main()
