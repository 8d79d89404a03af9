"""The media pipeline locally: the same ASL file, run by moto's Step Functions
interpreter (moto's port of the AWS States Language engine: Retry, Catch,
Parallel, Choice, ResultSelector), with its Lambda tasks calling our step
handlers in-process, and started by the same S3 → EventBridge event.

moto's EventBridge does not start Step Functions, so the rule (same pattern as on
AWS) targets an SQS queue and a poller thread starts one execution per event,
with the event as its input, as EventBridge does on AWS.
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import traceback
import uuid
from pathlib import Path
from typing import Any

import boto3
import requests

from infra.resources import RESOURCES, StateMachineSpec
from local.lambdas import ACCOUNT_ID, FunctionPool, function_arn

logger = logging.getLogger("photogram.local")
ROOT = Path(__file__).resolve().parent.parent
ROLE_ARN = f"arn:aws:iam::{ACCOUNT_ID}:role/photogram-local-workflows"


def definition(spec: StateMachineSpec, region: str) -> str:
    """The ASL with each `${Placeholder}` replaced by its function's ARN, as CDK does."""
    text = (ROOT / spec.definition).read_text()
    for placeholder, function in spec.tasks:
        text = text.replace("${" + placeholder + "}", function_arn(region, function))
    if "${" in text:
        raise ValueError(f"{spec.definition} has a placeholder with no function")
    return text


def route_lambda_to(pools: dict[str, FunctionPool]) -> None:
    """moto's Lambda Invoke (which its Step Functions calls for Task states) runs our
    handler in-process; a raised exception becomes a function error whose errorType
    is the exception's class name, which the workflow's Retry/Catch match on."""
    from moto.awslambda.models import LambdaBackend
    from moto.awslambda_simple.models import LambdaSimpleBackend

    def invoke(
        self: Any,
        function_name: str,
        qualifier: Any,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        name = function_name.split(":function:")[-1].split(":")[0].removeprefix("photogram-")
        event = json.loads(body) if body else {}
        try:
            result = pools[name].invoke(event)
            payload = json.dumps(result).encode()
        except Exception as error:
            response_headers["x-amz-function-error"] = "Unhandled"
            payload = json.dumps(
                {
                    "errorType": type(error).__name__,
                    "errorMessage": str(error),
                    "stackTrace": traceback.format_exc().splitlines()[-5:],
                }
            ).encode()
        return payload

    LambdaBackend.invoke = invoke  # type: ignore[method-assign]
    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]


class Workflows:
    """Creates the declared state machines in moto and starts them from S3 events."""

    def __init__(self, *, endpoint: str, region: str, pools: dict[str, FunctionPool]) -> None:
        self.endpoint, self.region, self.pools = endpoint, region, pools
        self.state_machines: dict[str, str] = {}
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.started = 0

    def _client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.region)

    def start(self) -> None:
        requests.post(
            f"{self.endpoint}/moto-api/config",
            json={
                "stepfunctions": {"execute_state_machine": True},
                "lambda": {"use_docker": False},
            },
            timeout=10,
        ).raise_for_status()
        # moto's Step Functions calls Lambda at localhost:$MOTO_PORT.
        os.environ["MOTO_PORT"] = self.endpoint.rsplit(":", 1)[1]
        route_lambda_to(self.pools)
        sfn, events, sqs = (
            self._client("stepfunctions"),
            self._client("events"),
            self._client("sqs"),
        )
        for spec in RESOURCES.state_machines:
            arn = sfn.create_state_machine(
                name=spec.local_name,
                definition=definition(spec, self.region),
                roleArn=ROLE_ARN,
                type=spec.type,
            )["stateMachineArn"]
            self.state_machines[spec.logical_id] = arn
            queue_url = sqs.create_queue(QueueName=f"{spec.local_name}-starts")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
                "Attributes"
            ]["QueueArn"]
            bucket = RESOURCES.bucket(spec.trigger_bucket).local_name
            events.put_rule(
                Name=f"{spec.local_name}-trigger",
                EventPattern=json.dumps(spec.event_pattern(bucket)),
            )
            events.put_targets(
                Rule=f"{spec.local_name}-trigger", Targets=[{"Id": "starter", "Arn": queue_arn}]
            )
            thread = threading.Thread(
                target=self._poll,
                args=(queue_url, arn),
                name=f"{spec.local_name}-starter",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    def _poll(self, queue_url: str, state_machine_arn: str) -> None:
        sqs, sfn = self._client("sqs"), self._client("stepfunctions")
        while not self._stop.is_set():
            try:
                messages = sqs.receive_message(
                    QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
                ).get("Messages", [])
                for message in messages:
                    self.start_execution(sfn, state_machine_arn, message["Body"])
                    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
            except Exception:
                if not self._stop.is_set():
                    logger.exception("starting a workflow failed")

    def start_execution(self, sfn: Any, state_machine_arn: str, event_json: str) -> str:
        event = json.loads(event_json)
        # Named after the event (moto gives unnamed executions one shared name).
        name = re.sub(r"[^A-Za-z0-9_-]", "-", str(event.get("id", "event")))[:60]
        self.started += 1
        return str(
            sfn.start_execution(
                stateMachineArn=state_machine_arn,
                name=f"{name}-{uuid.uuid4().hex[:8]}",
                input=event_json,
            )["executionArn"]
        )

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
