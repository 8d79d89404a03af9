"""What the pipeline tests share: an S3 client on the local runtime's moto."""

from __future__ import annotations

from typing import Any

import boto3
import pytest


@pytest.fixture
def s3(info: dict[str, Any]) -> Any:
    return boto3.client("s3", endpoint_url=info["aws_endpoint_url"], region_name=info["region"])
