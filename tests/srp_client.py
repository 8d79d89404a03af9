"""The client side of Cognito's USER_SRP_AUTH, written from the client libraries'
formulas (amazon-cognito-identity-js AuthenticationHelper.js, pycognito aws_srp.py)
and independent of local/cognito.py, so a mistake in one is not repeated in the other.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import UTC, datetime
from typing import Any

N = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A0879"
    "8E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B"
    "0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA4836"
    "1C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804"
    "F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6"
    "955817183995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64"
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7ABF5AE8CDB0933D71E8C94E04A25619DCEE3D226"
    "1AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
    16,
)
_G = 2


def _padded(value: int) -> bytes:
    # Big-endian bytes with a leading zero byte when the top bit is set.
    raw = value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    return b"\x00" + raw if raw[0] & 0x80 else raw


def _h(data: bytes) -> int:
    return int.from_bytes(hashlib.sha256(data).digest(), "big")


class SrpClient:
    """One sign-in: `auth_parameters()` for InitiateAuth, then `answer(challenge)`."""

    def __init__(self, user_pool_id: str, username: str, password: str) -> None:
        self.pool_name = user_pool_id.split("_", 1)[1]
        self.username, self.password = username, password
        self.a = secrets.randbits(1024) | 1
        self.A = pow(_G, self.a, N)
        self.k = _h(_padded(N) + _padded(_G))

    def auth_parameters(self) -> dict[str, str]:
        return {"USERNAME": self.username, "SRP_A": format(self.A, "x")}

    def answer(self, parameters: dict[str, Any], now: datetime | None = None) -> dict[str, str]:
        """ChallengeResponses for a PASSWORD_VERIFIER challenge."""
        user_id = parameters["USER_ID_FOR_SRP"]
        salt, B = int(parameters["SALT"], 16), int(parameters["SRP_B"], 16)
        assert B % N != 0
        u = _h(_padded(self.A) + _padded(B))
        identity = hashlib.sha256(f"{self.pool_name}{user_id}:{self.password}".encode()).digest()
        x = _h(_padded(salt) + identity)
        S = pow(B - self.k * pow(_G, x, N), self.a + u * x, N)
        prk = hmac.new(_padded(u), _padded(S), hashlib.sha256).digest()
        key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
        # Cognito's format: day of month without padding, e.g. "Tue Mar 3 09:04:05 UTC 2026".
        stamp = now or datetime.now(UTC)
        timestamp = stamp.strftime(f"%a %b {stamp.day} %H:%M:%S UTC %Y")
        message = (
            self.pool_name.encode()
            + user_id.encode()
            + base64.b64decode(parameters["SECRET_BLOCK"])
            + timestamp.encode()
        )
        signature = base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()
        return {
            "USERNAME": user_id,
            "PASSWORD_CLAIM_SECRET_BLOCK": parameters["SECRET_BLOCK"],
            "TIMESTAMP": timestamp,
            "PASSWORD_CLAIM_SIGNATURE": signature,
        }


def srp_sign_in(idp: Any, user_pool_id: str, client_id: str, username: str, password: str) -> Any:
    """InitiateAuth USER_SRP_AUTH then RespondToAuthChallenge; the second response."""
    client = SrpClient(user_pool_id, username, password)
    challenge = idp.initiate_auth(
        ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=client.auth_parameters()
    )
    assert challenge["ChallengeName"] == "PASSWORD_VERIFIER"
    return idp.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="PASSWORD_VERIFIER",
        Session=challenge["Session"],
        ChallengeResponses=client.answer(challenge["ChallengeParameters"]),
    )
