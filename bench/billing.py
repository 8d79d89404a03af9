"""What AWS bills for the calls `bench/meter.py` counts: DynamoDB item sizes and
request units, Lambda GB-seconds, Step Functions Express billed duration, and the
list prices they are multiplied by. Pure arithmetic, so tests/unit/test_cost_model.py
can hold it to the rules quoted below.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

# --- prices -------------------------------------------------------------------------
# us-east-1, on-demand list prices, first tier, no free tier. None of this machine can
# reach the network: each price is as published on the AWS pricing pages as of
# 2025-06 (the date of my knowledge), checked against the sources named beside it.


@dataclass(frozen=True)
class Price:
    usd: float
    per: float  # units the price is quoted for
    unit: str  # what `units` count, plural
    as_of: str
    source: str

    def cost(self, units: float) -> float:
        return units * self.usd / self.per


AS_OF = "2025-06"
PRICES: dict[str, Price] = {
    # On demand since 2024-11-01 (half the earlier $1.25 / $0.25). Airbyte's DynamoDB
    # pricing guide quotes $0.625 / $0.125 (airbyte.com/data-engineering-resources/
    # dynamodb-pricing); the unit rules (1 KB per WRU, 4 KB per RRU, transactions 2x)
    # from aws.amazon.com/dynamodb/pricing/provisioned.
    "dynamodb_wru": Price(
        0.625, 1e6, "write request units", AS_OF, "aws.amazon.com/dynamodb/pricing/on-demand"
    ),
    "dynamodb_rru": Price(
        0.125, 1e6, "read request units", AS_OF, "aws.amazon.com/dynamodb/pricing/on-demand"
    ),
    # arm64, first 7.5 billion GB-s a month (cloudchipr.com/blog/aws-lambda-pricing;
    # aws.amazon.com/lambda/pricing: duration rounded up to 1 ms).
    "lambda_request": Price(0.20, 1e6, "requests", AS_OF, "aws.amazon.com/lambda/pricing"),
    "lambda_gb_s": Price(0.0000133334, 1, "GB-s (arm64)", AS_OF, "aws.amazon.com/lambda/pricing"),
    # REST API, first 333 million a month (docs.aws.amazon.com whitepaper "Best
    # Practices for Designing Amazon API Gateway Private APIs", cost optimization).
    "apigw_rest_request": Price(
        3.50, 1e6, "REST API requests", AS_OF, "aws.amazon.com/api-gateway/pricing"
    ),
    # Express: per execution, and duration rounded up to 100 ms at the memory used in
    # 64 MB chunks; $0.06 per GB-hour for the first 1,000 GB-hours = $0.00001667 per
    # GB-s (aws.amazon.com/step-functions/pricing, its pricing examples 3 and 4).
    "sfn_express_request": Price(
        1.00, 1e6, "executions", AS_OF, "aws.amazon.com/step-functions/pricing"
    ),
    "sfn_express_gb_s": Price(
        0.00001667, 1, "GB-s", AS_OF, "aws.amazon.com/step-functions/pricing"
    ),
    # S3 Standard (cloudkaramchari.com "per 1000 PUT COPY POST or LIST requests";
    # aws.amazon.com/s3/pricing). DELETE is free.
    "s3_put_post_list": Price(0.005, 1e3, "requests", AS_OF, "aws.amazon.com/s3/pricing"),
    "s3_get_head": Price(0.0004, 1e3, "requests", AS_OF, "aws.amazon.com/s3/pricing"),
    # Image moderation, first million images a month. Not confirmed by a search here
    # (no page with the figure was found); as on aws.amazon.com/rekognition/pricing.
    "rekognition_image": Price(
        0.001, 1, "images", AS_OF, "aws.amazon.com/rekognition/pricing (unconfirmed)"
    ),
    # Serverless inference: $0.0000200 per second at 1 GB ($0.00002 per GB-s) plus
    # $0.016 per GB in or out. Not confirmed by a search here; as on
    # aws.amazon.com/sagemaker/pricing (serverless inference, us-east-1).
    "sagemaker_serverless_gb_s": Price(
        0.00002,
        1,
        "GB-s",
        AS_OF,
        "aws.amazon.com/sagemaker/pricing (unconfirmed)",
    ),
    "sagemaker_data_gb": Price(
        0.016, 1, "GB", AS_OF, "aws.amazon.com/sagemaker/pricing (unconfirmed)"
    ),
    # $0.05 per 10,000 API calls (hivebook.wiki "AWS Secrets Manager";
    # aws.amazon.com/secrets-manager/pricing). The $0.40 per secret-month is fixed.
    "secrets_call": Price(0.05, 1e4, "calls", AS_OF, "aws.amazon.com/secrets-manager/pricing"),
}

# --- DynamoDB item sizes and request units --------------------------------------------
# Rules from the DynamoDB Developer Guide, "Item sizes and formats" and "DynamoDB
# read and write operations": names count as their UTF-8 length; a number is about
# one byte per two significant digits plus one; a list or map 3 bytes plus 1 per
# element; booleans and null 1 byte. A read bills per 4 KB of item (a Query per 4 KB
# of everything it read, not per item), a write per 1 KB of the larger of the item
# before and after; eventually consistent reads half; transactions double.

READ_BLOCK, WRITE_BLOCK = 4096, 1024


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").lower().split("e")[0].replace(".", "").lstrip("0").rstrip("0")
    return math.ceil(max(len(digits), 1) / 2) + 1


def value_size(value: dict[str, Any]) -> int:
    """Bytes DynamoDB counts for one attribute value in wire form ({"S": "..."} ...)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return len(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(s.encode()) for s in inner)
    if kind == "NS":
        return sum(_number_size(n) for n in inner)
    if kind == "BS":
        return sum(len(b) for b in inner)
    if kind == "L":
        return 3 + sum(value_size(v) + 1 for v in inner)
    if kind == "M":
        return 3 + sum(len(k.encode()) + value_size(v) + 1 for k, v in inner.items())
    raise ValueError(f"unknown DynamoDB type {kind}")


def item_size(item: dict[str, Any] | None) -> int:
    if not item:
        return 0
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def read_units(size: int, *, consistent: bool = False, transactional: bool = False) -> float:
    """Read request units for reading `size` bytes in one item (or one Query page)."""
    blocks = max(1, math.ceil(size / READ_BLOCK))
    if transactional:
        return 2.0 * blocks
    return float(blocks) if consistent else 0.5 * blocks


def write_units(size: int, *, transactional: bool = False) -> float:
    """Write request units for writing an item of `size` bytes (the larger of before and after)."""
    blocks = max(1, math.ceil(size / WRITE_BLOCK))
    return 2.0 * blocks if transactional else float(blocks)


def index_write_units(
    old: dict[str, Any] | None, new: dict[str, Any] | None, key_names: tuple[str, str]
) -> float:
    """Writes one table write causes in a GSI projecting ALL attributes: a put when the
    item enters the index, a delete when it leaves, both when its index key changes,
    one when it changes in place. Index writes are not transactional."""

    def key(item: dict[str, Any] | None) -> tuple[Any, ...] | None:
        if not item or any(name not in item for name in key_names):
            return None
        return tuple(repr(item[name]) for name in key_names)

    before, after = key(old), key(new)
    if before is None and after is None:
        return 0.0
    if before is None:
        return write_units(item_size(new))
    if after is None:
        return write_units(item_size(old))
    if before != after:
        return write_units(item_size(old)) + write_units(item_size(new))
    return write_units(item_size(new)) if old != new else 0.0


# --- duration-billed services ---------------------------------------------------------


def lambda_gb_seconds(duration_ms: float, memory_mb: int) -> float:
    """Lambda bills duration rounded up to 1 ms at the configured memory."""
    return math.ceil(duration_ms) / 1000 * memory_mb / 1024


EXPRESS_MEMORY_CHUNK_MB = 64


def express_billed_ms(duration_ms: float) -> int:
    """Express bills duration rounded up to the next 100 ms."""
    return int(math.ceil(Decimal(str(duration_ms)) / 100) * 100)


def express_gb_seconds(duration_ms: float, memory_mb: float = EXPRESS_MEMORY_CHUNK_MB) -> float:
    """Billed GB-seconds of one Express execution: 100 ms steps, memory in 64 MB chunks
    (a small state machine and payload use the first chunk: 50 MB + definition + data)."""
    chunks = max(1, math.ceil(memory_mb / EXPRESS_MEMORY_CHUNK_MB))
    return express_billed_ms(duration_ms) / 1000 * chunks * EXPRESS_MEMORY_CHUNK_MB / 1024


@dataclass(frozen=True)
class Line:
    """One line of a bill: `units` of `price` per operation, and per million operations."""

    service: str
    units: float
    price: str

    @property
    def per_operation(self) -> float:
        return PRICES[self.price].cost(self.units)

    def per_million(self) -> float:
        return self.per_operation * 1e6

    def render(self) -> str:
        price = PRICES[self.price]
        per = {1e6: "1M", 1e4: "10k", 1e3: "1k"}.get(price.per, f"{price.per:g}")
        return (
            f"    {self.service:<48} {self.units * 1e6:>15,.1f} {price.unit:<19} "
            f"x ${Decimal(str(price.usd)):f}/{per:<3} = ${self.per_million():>9,.2f}"
        )
