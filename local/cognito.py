"""Where moto's Cognito (5.2.5, server mode) must behave like the real one for the apps.

Measured on moto 5.2.5 before this module (docs/decisions.md §26):

1. `USER_SRP_AUTH` proves nothing. `InitiateAuth` answers a random `SRP_B` and `SALT`
   and a `SECRET_BLOCK` that is not base64; `RespondToAuthChallenge` only checks that
   `PASSWORD_CLAIM_SIGNATURE` is present, so **any password signs in**, and it signs
   in whoever the `USERNAME` of the response names. Here the server side of SRP-6a is
   done as Cognito does it (the formulas of amazon-cognito-identity-js'
   AuthenticationHelper.js, which Amplify v6 repeats): a wrong password is refused
   with `NotAuthorizedException` "Incorrect username or password.".
2. `GetTokensFromRefreshToken` (Amplify v6's refresh) and `RevokeToken` (Amplify's
   `signOut()`) are not implemented: moto answers an HTML 500. Both are added here,
   as the AWS API reference describes them, on moto's own token tables.
3. Refresh-token checks moto skips: `REFRESH_TOKEN_AUTH` accepts a refresh token
   issued to another app client, calls an unknown token "revoked", and
   `AdminInitiateAuth` answers an unknown one with a 500 and a revoked one with the
   token itself as the message.
4. Sign-outs miss tokens. `GlobalSignOut` and `AdminUserGlobalSignOut` revoke the
   user's refresh tokens and forget the access tokens, but only those issued under
   the name the sign-out names; moto stores the name the client signed in with, so
   an SRP sign-in (internal username) survived a sign-out by email. Here they end
   every token of the user. (moto's `GlobalSignOut` also looks only in the region
   the request names; an unsigned request such as Amplify's names none, so it is made
   region-agnostic, as moto already does for `GetUser`.)

Why patches of moto's backend and response classes rather than a WSGI layer such as
`local/s3_post.py`'s: everything needed lives inside moto's state (the user's plain
text password, which SRP needs for the verifier; the session moto keys challenges
by; the refresh and access token tables that revocation must edit), so a layer in
front would have to reach into the same objects anyway, and add the request parsing
and error shaping that moto's `call_action` already does. Errors are moto's own
`JsonRESTError`s (HTTP 400, JSON `__type` + `message`), which the SDKs parse.

Not done, as moto does not either: refresh tokens never expire; `TIMESTAMP` is not
checked against the clock; the salt is drawn per sign-in rather than stored with the
password (a client cannot tell); `PreventUserExistenceErrors` is ignored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from moto.cognitoidp.exceptions import (
    InvalidParameterException,
    NotAuthorizedError,
    ResourceNotFoundError,
)
from moto.cognitoidp.models import (
    CognitoIdpBackend,
    CognitoIdpUserPool,
    CognitoIdpUserPoolClient,
    RegionAgnosticBackend,
)
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.exceptions import JsonRESTError
from moto.core.responses import ActionResult, EmptyResult

# --- SRP-6a as Cognito does it ----------------------------------------------------------

# RFC 5054's 3072-bit group, the one every Cognito client library hard-codes.
N_HEX = (
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836"
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804"
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6"
    "955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D226"
    "1AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
)
N = int(N_HEX, 16)
G = 2
INFO = b"Caldera Derived Key"


def pad_hex(value: int) -> str:
    """Hex as the clients write a positive big integer: even length, and a leading 00
    when the top bit is set (so it never reads as negative). Every hash input is this."""
    text = format(value, "x")
    if len(text) % 2:
        text = "0" + text
    if text[0] in "89abcdef":
        text = "00" + text
    return text


def hex_hash(hex_text: str) -> str:
    return hashlib.sha256(bytes.fromhex(hex_text)).hexdigest()


K = int(hex_hash(pad_hex(N) + pad_hex(G)), 16)


def pool_name(user_pool_id: str) -> str:
    """The part of the pool id after the region: what the clients hash the password with."""
    return user_pool_id.split("_", 1)[1]


def private_key(salt: int, pool: str, user_id_for_srp: str, password: str) -> int:
    """x = H(salt | H(poolName | username | ":" | password))."""
    inner = hashlib.sha256(f"{pool}{user_id_for_srp}:{password}".encode()).hexdigest()
    return int(hex_hash(pad_hex(salt) + inner), 16)


def scrambler(a_value: int, b_value: int) -> int:
    """u = H(A | B)."""
    return int(hex_hash(pad_hex(a_value) + pad_hex(b_value)), 16)


def password_key(shared_secret: int, u: int) -> bytes:
    """HKDF-SHA256 of S with salt u and Cognito's info string, first 16 bytes."""
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(shared_secret)), "sha256")
    return hmac.new(prk.digest(), INFO + b"\x01", "sha256").digest()[:16]


def claim_signature(key: bytes, pool: str, user_id_for_srp: str, secret_block: str, ts: str) -> str:
    """base64(HMAC-SHA256(key, poolName | USER_ID_FOR_SRP | SECRET_BLOCK bytes | TIMESTAMP))."""
    block = base64.b64decode(secret_block)
    message = pool.encode() + user_id_for_srp.encode() + block + ts.encode()
    return base64.b64encode(hmac.new(key, message, "sha256").digest()).decode()


@dataclass(frozen=True)
class SrpChallenge:
    """The server's half of one sign-in, from InitiateAuth to RespondToAuthChallenge."""

    user_pool_id: str
    user_sub: str
    user_id_for_srp: str
    salt: int
    verifier: int
    b: int
    a_value: int
    b_value: int

    @classmethod
    def start(
        cls, *, user_pool_id: str, user_sub: str, user_id_for_srp: str, password: str, a_value: int
    ) -> SrpChallenge:
        salt = int.from_bytes(secrets.token_bytes(16), "big")
        x = private_key(salt, pool_name(user_pool_id), user_id_for_srp, password)
        verifier = pow(G, x, N)
        while True:
            b = secrets.randbelow(N - 2) + 1
            b_value = (K * verifier + pow(G, b, N)) % N
            if b_value and scrambler(a_value, b_value):
                break
        return cls(user_pool_id, user_sub, user_id_for_srp, salt, verifier, b, a_value, b_value)

    def expected_signature(self, secret_block: str, timestamp: str) -> str:
        u = scrambler(self.a_value, self.b_value)
        shared = pow(self.a_value * pow(self.verifier, u, N), self.b, N)
        return claim_signature(
            password_key(shared, u),
            pool_name(self.user_pool_id),
            self.user_id_for_srp,
            secret_block,
            timestamp,
        )


# Open challenges by SECRET_BLOCK (which is also moto's session key for them).
_challenges: dict[str, SrpChallenge] = {}
_challenges_lock = threading.Lock()


def _srp_a(auth_parameters: dict[str, str]) -> int:
    text = auth_parameters.get("SRP_A") or ""
    try:
        a_value = int(text, 16)
    except ValueError:
        raise InvalidParameterException("Missing required parameter SRP_A") from None
    # A ≡ 0 (mod N) would make the shared secret 0 whatever the password.
    if a_value % N == 0:
        raise InvalidParameterException("SRP_A is not valid.")
    return a_value


_original_initiate_auth = CognitoIdpBackend.initiate_auth
_original_respond = CognitoIdpBackend.respond_to_auth_challenge


def _pool_of_client(backend: CognitoIdpBackend, client_id: str) -> CognitoIdpUserPool:
    for pool in backend.user_pools.values():
        if client_id in pool.clients:
            return pool
    raise ResourceNotFoundError(client_id)


def initiate_auth(
    self: CognitoIdpBackend, client_id: str, auth_flow: str, auth_parameters: dict[str, str]
) -> dict[str, Any]:
    auth_parameters = auth_parameters or {}
    if auth_flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        pool = _pool_of_client(self, client_id)
        _live_refresh_token(pool, client_id, auth_parameters.get("REFRESH_TOKEN") or "")
        return _original_initiate_auth(self, client_id, auth_flow, auth_parameters)
    if auth_flow != "USER_SRP_AUTH":
        return _original_initiate_auth(self, client_id, auth_flow, auth_parameters)
    a_value = _srp_a(auth_parameters)
    # moto's own checks (client secret, disabled, unconfirmed) and its session.
    result = _original_initiate_auth(self, client_id, auth_flow, auth_parameters)
    pool = _pool_of_client(self, client_id)
    user = pool._get_user(auth_parameters["USERNAME"])
    challenge = SrpChallenge.start(
        user_pool_id=pool.id,
        user_sub=user.id,
        # Cognito's USER_ID_FOR_SRP is the internal username (the sub-like id when
        # users sign in by email); moto sends the sub, wrong for username pools.
        user_id_for_srp=user.username,
        # A user without a password (moto allows it) can match no proof.
        password=user.password if user.password is not None else secrets.token_hex(32),
        a_value=a_value,
    )
    # Base64, as Cognito's opaque block is: the clients decode it into the signed message.
    secret_block = base64.b64encode(secrets.token_bytes(48)).decode()
    self.sessions[secret_block] = self.sessions.pop(result["Session"])
    with _challenges_lock:
        _challenges[secret_block] = challenge
    parameters = result["ChallengeParameters"]
    parameters.update(
        SALT=pad_hex(challenge.salt),
        SRP_B=pad_hex(challenge.b_value),
        SECRET_BLOCK=secret_block,
        USER_ID_FOR_SRP=challenge.user_id_for_srp,
    )
    return {**result, "Session": secret_block}


def _check_password_claim(backend: CognitoIdpBackend, responses: dict[str, str]) -> None:
    secret_block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK") or ""
    with _challenges_lock:
        # One answer per challenge: a wrong guess cannot be retried on the same B.
        challenge = _challenges.pop(secret_block, None)
    if challenge is None:
        raise NotAuthorizedError("Invalid session for the user.")
    signature = responses.get("PASSWORD_CLAIM_SIGNATURE") or ""
    timestamp = responses.get("TIMESTAMP") or ""
    try:
        expected = challenge.expected_signature(secret_block, timestamp)
    except (binascii.Error, ValueError):
        expected = ""
    pool = backend.user_pools.get(challenge.user_pool_id)
    user = pool._get_user(responses.get("USERNAME") or "") if pool else None
    # The proof is for the user the challenge was issued to; moto would sign in
    # whoever USERNAME names.
    if (
        not expected
        or not hmac.compare_digest(expected.encode(), signature.encode())
        or user is None
        or user.id != challenge.user_sub
    ):
        backend.sessions.pop(secret_block, None)
        raise NotAuthorizedError("Incorrect username or password.")


def respond_to_auth_challenge(
    self: CognitoIdpBackend,
    session: str,
    client_id: str,
    challenge_name: str,
    challenge_responses: dict[str, str],
) -> dict[str, Any]:
    if challenge_name == "PASSWORD_VERIFIER":
        _check_password_claim(self, challenge_responses or {})
    return _original_respond(self, session, client_id, challenge_name, challenge_responses)


# --- refresh tokens ---------------------------------------------------------------------


class UnauthorizedException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnauthorizedException", message)


class UnsupportedOperationException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedOperationException", message)


class UnsupportedTokenTypeException(JsonRESTError):
    def __init__(self, message: str) -> None:
        super().__init__("UnsupportedTokenTypeException", message)


# Refresh tokens replaced by rotation that still work until this time (grace period).
_rotated_until: dict[str, float] = {}


def _live_refresh_token(
    pool: CognitoIdpUserPool, client_id: str, token: str
) -> tuple[str, str, str]:
    """(client_id, username, origin_jti) of a usable refresh token of `client_id`;
    NotAuthorizedException as Cognito words it otherwise."""
    if token not in pool.refresh_tokens:
        raise NotAuthorizedError("Invalid Refresh Token")
    deadline = _rotated_until.get(token)
    if deadline is not None and time.time() >= deadline:
        _revoke(pool, token)
    entry = pool.refresh_tokens[token]
    if entry is None:
        raise NotAuthorizedError("Refresh Token has been revoked")
    if entry[0] != client_id:
        raise NotAuthorizedError("Invalid Refresh Token")
    user = pool._get_user(entry[1])
    if user is None or not user.enabled:
        raise NotAuthorizedError("User is disabled.")
    return entry


def _jwt_claims(token: str) -> dict[str, Any]:
    """The payload of a JWT moto signed itself (no verification needed: it is ours)."""
    try:
        payload = token.split(".")[1]
        return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
    except (IndexError, ValueError, binascii.Error):
        return {}


def _revoke(pool: CognitoIdpUserPool, token: str) -> None:
    """The refresh token and the access and id tokens issued from it (same origin_jti)."""
    entry = pool.refresh_tokens.get(token)
    pool.refresh_tokens[token] = None
    _rotated_until.pop(token, None)
    if entry is None:
        return
    origin_jti = entry[2]
    for table in (pool.access_tokens, pool.id_tokens):
        for issued in [t for t in table if _jwt_claims(t).get("origin_jti") == origin_jti]:
            table.pop(issued, None)


def _client(backend: CognitoIdpBackend, client_id: str) -> tuple[Any, Any]:
    pool = _pool_of_client(backend, client_id)
    return pool, pool.clients[client_id]


def _check_client_secret(client: CognitoIdpUserPoolClient, given: str | None) -> None:
    if client.generate_secret and not hmac.compare_digest(
        (given or "").encode(), client.secret.encode()
    ):
        raise NotAuthorizedError(f"Unable to verify secret hash for client {client.id}")


def get_tokens_from_refresh_token(self: CognitoIdpResponse) -> ActionResult:
    """New id and access tokens for a refresh token; a new refresh token too (and the
    old one retired after the grace period) when the client rotates them."""
    client_id = self._get_param("ClientId")
    refresh_token = self._get_param("RefreshToken") or ""
    backend = RegionAgnosticBackend(self.current_account, self.region)._find_backend_for_clientid(
        client_id
    )
    pool, client = _client(backend, client_id)
    _check_client_secret(client, self._get_param("ClientSecret"))
    _, username, _ = _live_refresh_token(pool, client_id, refresh_token)
    rotation = client.extended_config.get("RefreshTokenRotation") or {}
    result: dict[str, Any] = {"TokenType": "Bearer"}
    if rotation.get("Feature") == "ENABLED":
        issued_from, _ = pool.create_refresh_token(client_id, username)
        result["RefreshToken"] = issued_from
        grace = int(rotation.get("RetryGracePeriodSeconds") or 0)
        if grace:
            _rotated_until[refresh_token] = time.time() + grace
        else:
            _revoke(pool, refresh_token)
    else:
        issued_from = refresh_token
    access, id_token, expires_in = pool.create_tokens_from_refresh_token(issued_from)
    result.update(AccessToken=access, IdToken=id_token, ExpiresIn=expires_in)
    return ActionResult({"AuthenticationResult": result})


def revoke_token(self: CognitoIdpResponse) -> ActionResult:
    """Revoke a refresh token and every access and id token issued from it."""
    client_id = self._get_param("ClientId")
    token = self._get_param("Token") or ""
    backend = RegionAgnosticBackend(self.current_account, self.region)._find_backend_for_clientid(
        client_id
    )
    pool, client = _client(backend, client_id)
    if not client.extended_config.get("EnableTokenRevocation", True):
        raise UnsupportedOperationException("Token revocation is not enabled for this client.")
    _check_client_secret(client, self._get_param("ClientSecret"))
    if token.count(".") == 2:
        raise UnsupportedTokenTypeException("Only refresh tokens can be revoked.")
    entry = pool.refresh_tokens.get(token)
    if entry is not None and entry[0] != client_id:
        raise UnauthorizedException("The token was not issued to this client.")
    # An unknown or already revoked token is not an error (OAuth token revocation, RFC 7009).
    if token in pool.refresh_tokens:
        _revoke(pool, token)
    return EmptyResult()


def global_sign_out(self: CognitoIdpResponse) -> ActionResult:
    # moto's own sign-out (refresh tokens revoked, access tokens forgotten), found in
    # whichever region holds the token: unsigned requests name no region.
    access_token = self._get_param("AccessToken")
    agnostic = RegionAgnosticBackend(self.current_account, self.region)
    agnostic._find_backend_by_access_token(access_token).global_sign_out(access_token)
    return EmptyResult()


_original_create_tokens = CognitoIdpUserPool.create_tokens_from_refresh_token


def create_tokens_from_refresh_token(
    self: CognitoIdpUserPool, refresh_token: str
) -> tuple[str, str, int]:
    # moto raises KeyError (a 500) for an unknown token and puts the token itself in the
    # message of a revoked one; AdminInitiateAuth reaches this directly.
    if refresh_token not in self.refresh_tokens:
        raise NotAuthorizedError("Invalid Refresh Token")
    if self.refresh_tokens[refresh_token] is None:
        raise NotAuthorizedError("Refresh Token has been revoked")
    return _original_create_tokens(self, refresh_token)


def sign_out(self: CognitoIdpUserPool, username: str) -> None:
    """Every token of the user, however it was signed in. moto matches the name the
    client signed in with, so tokens from an SRP sign-in (internal username) survived
    a sign-out named by email, and the other way round."""
    user = self._get_user(username)
    if user is None:
        return
    names: dict[str, bool] = {}

    def is_user(name: str) -> bool:
        if name not in names:
            found = self._get_user(name)
            names[name] = found is not None and found.id == user.id
        return names[name]

    for token, entry in list(self.refresh_tokens.items()):
        if entry is not None and is_user(entry[1]):
            self.refresh_tokens[token] = None
            _rotated_until.pop(token, None)
    for table in (self.access_tokens, self.id_tokens):
        for token, (_, signed_in_as) in list(table.items()):
            if is_user(signed_in_as):
                table.pop(token, None)


_applied = False


def apply() -> None:
    global _applied
    if _applied:
        return
    CognitoIdpBackend.initiate_auth = initiate_auth  # type: ignore[method-assign]
    CognitoIdpBackend.respond_to_auth_challenge = respond_to_auth_challenge  # type: ignore[method-assign]
    CognitoIdpUserPool.create_tokens_from_refresh_token = create_tokens_from_refresh_token  # type: ignore[method-assign]
    CognitoIdpUserPool.sign_out = sign_out  # type: ignore[method-assign]
    # moto dispatches an action to the response method of the same (snake_case) name.
    CognitoIdpResponse.get_tokens_from_refresh_token = get_tokens_from_refresh_token  # type: ignore[attr-defined]
    CognitoIdpResponse.revoke_token = revoke_token  # type: ignore[attr-defined]
    CognitoIdpResponse.global_sign_out = global_sign_out  # type: ignore[method-assign]
    _applied = True
