"""Cognito id tokens, verified as API Gateway's Cognito user-pool authorizer verifies
them: RS256 signature against the pool's JWKS, expiry, issuer, audience (the app
client) and token_use=id.

One verifier for every place a token is checked: the WebSocket API's Lambda REQUEST
authorizer on AWS (functions/live_authorizer) and both local authorizers (REST and
WebSocket, local/auth.py), so a token the local runtime accepts is one AWS accepts.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import jwt

from photogram.errors import Unauthorized
from photogram.settings import required, settings


def issuer(region: str, user_pool_id: str) -> str:
    # moto signs with the AWS form of the issuer, whatever its own endpoint is.
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


class IdTokenVerifier:
    def __init__(self, *, jwks_url: str, region: str, user_pool_id: str, client_id: str) -> None:
        # The key set is fetched once and kept an hour (Cognito rotates keys rarely).
        self._keys = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=3600)
        self._issuer = issuer(region, user_pool_id)
        self._client_id = client_id

    def verify(self, token: str | None) -> dict[str, Any]:
        """The claims of a valid id token. Raises Unauthorized: `unauthorized` (none,
        malformed, bad signature, wrong pool or client, an access token) or
        `token_expired`."""
        if not token:
            raise Unauthorized("unauthorized", "Sign in: send the id token.")
        try:
            key = self._keys.get_signing_key_from_jwt(token)
            payload: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=self._client_id,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss", "token_use"]},
            )
        except jwt.PyJWKClientConnectionError:
            # The key set could not be fetched: our failure (a 500), not a bad token
            # that would sign the user out.
            raise
        except jwt.ExpiredSignatureError as exc:
            raise Unauthorized("token_expired", "The token has expired: sign in again.") from exc
        except (jwt.PyJWTError, ValueError) as exc:
            raise Unauthorized("unauthorized", "The token is not valid.") from exc
        if payload.get("token_use") != "id":
            raise Unauthorized("unauthorized", "Send the id token, not the access token.")
        return payload


@cache
def verifier() -> IdTokenVerifier:
    """The verifier for this deployment's user pool (settings: user_pool_id,
    user_pool_client_id, and jwks_url where the pool is not Cognito's own, as locally)."""
    pool_id, region = required("user_pool_id"), required("user_pool_region")
    return IdTokenVerifier(
        jwks_url=settings().jwks_url or f"{issuer(region, pool_id)}/.well-known/jwks.json",
        region=region,
        user_pool_id=pool_id,
        client_id=required("user_pool_client_id"),
    )
