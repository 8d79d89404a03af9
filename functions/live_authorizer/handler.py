"""The WebSocket API's Lambda REQUEST authorizer on $connect: the Cognito id token
from `?token=` (browsers cannot set headers on a handshake), verified by the same
code as the local authorizer (photogram.tokens). Allowed: the connection's
`principalId` is the user's `sub`. Refused: API Gateway answers the handshake 401."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from photogram import metrics as business
from photogram import tracing
from photogram.errors import Unauthorized
from photogram.tokens import verifier

logger = Logger()
tracer = tracing.tracer()
metrics = Metrics()
# infra/routes.py SOCKET_TOKEN_PARAMETER (tests/unit/test_routes.py holds them equal).
TOKEN_PARAMETER = "token"  # noqa: S105 - a parameter name, not a secret


def policy(principal_id: str, method_arn: str) -> dict[str, Any]:
    return {
        "principalId": principal_id,
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": method_arn}
            ],
        },
        "context": {"sub": principal_id},
    }


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics
def lambda_handler(event: dict, context: LambdaContext) -> dict:
    token = (event.get("queryStringParameters") or {}).get(TOKEN_PARAMETER)
    try:
        claims = verifier().verify(token)
    except Unauthorized as error:
        business.count("LiveConnectionsRefused")
        logger.info("connection refused", extra={"code": error.code})
        # The message API Gateway maps to a 401 (a Deny policy would be a 403).
        raise Exception("Unauthorized") from error
    return policy(str(claims["sub"]), event["methodArn"])
