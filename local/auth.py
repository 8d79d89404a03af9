"""Verify Cognito id tokens exactly as API Gateway's Cognito user-pool authorizer does,
and shape the claims the way it passes them to the Lambda function."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from photogram.errors import Unauthorized
from photogram.tokens import IdTokenVerifier


def _gateway_time(seconds: int) -> str:
    # API Gateway hands numeric date claims to the function as text in this form.
    return datetime.fromtimestamp(seconds, UTC).strftime("%a %b %d %H:%M:%S UTC %Y")


def gateway_claims(payload: dict[str, Any]) -> dict[str, str]:
    claims: dict[str, str] = {}
    for name, value in payload.items():
        if name in ("exp", "iat", "auth_time") and isinstance(value, int):
            claims[name] = _gateway_time(value)
        elif isinstance(value, bool):
            claims[name] = "true" if value else "false"
        elif isinstance(value, list):
            claims[name] = "[" + " ".join(str(v) for v in value) + "]"
        else:
            claims[name] = str(value)
    return claims


class CognitoAuthorizer:
    """Checks `Authorization: [Bearer ]<id token>` with the same verifier the WebSocket
    API's Lambda authorizer uses (photogram.tokens), and shapes the claims as API
    Gateway's Cognito user-pool authorizer passes them."""

    def __init__(self, *, jwks_url: str, region: str, user_pool_id: str, client_id: str) -> None:
        self.verifier = IdTokenVerifier(
            jwks_url=jwks_url, region=region, user_pool_id=user_pool_id, client_id=client_id
        )

    def authorize(self, header: str | None) -> dict[str, str]:
        """The claims of a valid token; raises Unauthorized otherwise."""
        if not header:
            raise Unauthorized("unauthorized", "Sign in: send Authorization: Bearer <id token>.")
        return gateway_claims(self.verifier.verify(header.removeprefix("Bearer ").strip()))
