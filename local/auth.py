"""Verify Cognito id tokens exactly as API Gateway's Cognito user-pool authorizer does,
and shape the claims the way it passes them to the Lambda function."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import jwt

from photogram.errors import Unauthorized


def issuer(region: str, user_pool_id: str) -> str:
    # moto signs with the AWS form of the issuer, whatever its own endpoint is.
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


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
    """Checks `Authorization: [Bearer ]<id token>`: RS256 signature against the pool's
    JWKS, expiry, issuer, audience (the app client) and token_use=id."""

    def __init__(self, *, jwks_url: str, region: str, user_pool_id: str, client_id: str) -> None:
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600)
        self._issuer = issuer(region, user_pool_id)
        self._client_id = client_id

    def authorize(self, header: str | None) -> dict[str, str]:
        """The claims of a valid token; raises Unauthorized otherwise."""
        if not header:
            raise Unauthorized("unauthorized", "Sign in: send Authorization: Bearer <id token>.")
        token = header.removeprefix("Bearer ").strip()
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            payload = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._client_id,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss", "token_use"]},
            )
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token_expired", "The token has expired: sign in again.") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthorized("unauthorized", "The token is not valid.") from exc
        if payload.get("token_use") != "id":
            raise Unauthorized("unauthorized", "Send the id token, not the access token.")
        return gateway_claims(payload)
