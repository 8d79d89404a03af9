"""Signed CDN URLs for private media: CloudFront's canned policy, RSA with SHA-1.

CloudFront checks them at the edge (a trusted key group on the private behavior,
infra/cdn.py); locally `local/cdn.py` checks them the same way (decisions §43).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from photogram import clock
from photogram.settings import required, settings

# Expiry times are rounded up to this step, so a URL rendered twice within it is the
# same URL: the app's image cache (keyed by URL) then loads it once.
EXPIRY_STEP_SECONDS = 300


class SigningKeyMissing(RuntimeError):
    """The signing secret holds no key pair: the deployer has not stored one yet."""


@dataclass(frozen=True)
class SigningKey:
    # CloudFront's id of the public key (K...), sent as Key-Pair-Id.
    key_pair_id: str
    private_key: str  # PEM

    @classmethod
    def parse(cls, value: str | bytes) -> SigningKey:
        """The secret's value: JSON {"key_pair_id": ..., "private_key": "-----BEGIN..."}."""
        try:
            data = json.loads(value)
            key = cls(key_pair_id=str(data["key_pair_id"]), private_key=str(data["private_key"]))
        except (ValueError, TypeError, KeyError) as exc:
            # A freshly deployed stack's secret holds a generated placeholder.
            raise SigningKeyMissing(
                "the CDN signing secret holds no key pair: store "
                '{"key_pair_id": "<CdnSigningKeyIds output>", "private_key": "<PEM>"} '
                "in it (docs/deploy.md, Private media)"
            ) from exc
        if not key.key_pair_id or "PRIVATE KEY" not in key.private_key:
            raise SigningKeyMissing("the CDN signing secret's key_pair_id or private_key is empty")
        return key


@cache
def _signer(key: SigningKey) -> Any:
    # Imported here: only functions that render private media pay for them.
    from botocore.signers import CloudFrontSigner
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    private_key = serialization.load_pem_private_key(key.private_key.encode(), password=None)
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise SigningKeyMissing("the CDN signing key must be an RSA key (CloudFront's SHA-1 RSA)")

    def rsa_sha1(message: bytes) -> bytes:
        # What CloudFront verifies a canned policy with; SHA-1 is its choice, not ours.
        return private_key.sign(message, padding.PKCS1v15(), hashes.SHA1())  # noqa: S303

    return CloudFrontSigner(key.key_pair_id, rsa_sha1)


def sign_url(url: str, key: SigningKey, expires_at: int) -> str:
    """`url` with Expires, Signature and Key-Pair-Id: good until `expires_at` (epoch)."""
    return str(
        _signer(key).generate_presigned_url(
            url, date_less_than=datetime.fromtimestamp(expires_at, UTC)
        )
    )


def expiry(now: int, lifetime_seconds: int) -> int:
    """When a URL signed at `now` expires: at least `lifetime_seconds` later, rounded up
    to EXPIRY_STEP_SECONDS so it stays the same URL for that long."""
    return -(-(now + lifetime_seconds) // EXPIRY_STEP_SECONDS) * EXPIRY_STEP_SECONDS


def signing_key() -> SigningKey:
    """The key pair in Secrets Manager (cached for secret_max_age_seconds, as the cursor
    key is, so a rotated key is picked up without a deploy)."""
    # Imported here so modules that only build public URLs need no AWS client.
    from aws_lambda_powertools.utilities.parameters import get_secret

    value = get_secret(required("cdn_signing_secret_id"), max_age=settings().secret_max_age_seconds)
    return SigningKey.parse(value)


def signed(url: str) -> str:
    """`url` signed with the deployment's key, good for cdn_signed_url_seconds.
    Raises SettingMissing (the function's spec lacks the secret), SigningKeyMissing."""
    return sign_url(url, signing_key(), expiry(clock.epoch(), settings().cdn_signed_url_seconds))
