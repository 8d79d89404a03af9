"""Private media's signed CDN URLs: what the functions sign, the local CDN (as
CloudFront does) takes only while it is good, for that URL, from a trusted key."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from werkzeug.test import EnvironBuilder

from infra.cors import CorsPolicy
from local import cdn
from photogram.adapters import cdn_signing
from photogram.adapters.cdn_signing import SigningKey, SigningKeyMissing
from photogram.media import keys

BASE = "http://127.0.0.1:9/cdn"
PRIVATE = keys.variant_key("01J0MEDIA", "small", "abc", "jpg", is_private=True)
PUBLIC = keys.variant_key("01J0MEDIA", "small", "abc", "jpg")
NOW = 1_800_000_000


@pytest.fixture(scope="module")
def pair() -> cdn.LocalSigningKey:
    return cdn.new_signing_key()


@pytest.fixture(scope="module")
def key(pair: cdn.LocalSigningKey) -> SigningKey:
    return SigningKey.parse(pair.secret_value())


class StubS3:
    """The one call the local CDN makes, answering for any key."""

    def get_object(self, Bucket: str, Key: str) -> dict[str, Any]:
        import io

        return {
            "Body": io.BytesIO(b"jpeg"),
            "ContentLength": 4,
            "ContentType": "image/jpeg",
            "ETag": '"e"',
            "LastModified": datetime(2026, 1, 1, tzinfo=UTC),
            "CacheControl": "private, max-age=31536000, immutable",
        }


def fetch(pair: cdn.LocalSigningKey, url: str) -> Any:
    parts = urlsplit(url)
    serve = cdn.handler(StubS3(), "media", CorsPolicy(), {pair.key_pair_id: pair.public_key})
    request = EnvironBuilder(
        path=parts.path, query_string=parts.query, base_url=f"{parts.scheme}://{parts.netloc}"
    ).get_request()
    return serve(request)


def refusal(pair: cdn.LocalSigningKey, url: str, now: int = NOW) -> str | None:
    base, _, query = url.partition("?")
    response = cdn.signature_refusal(
        base,
        query,
        now,
        {pair.key_pair_id: cdn.serialization.load_pem_public_key(pair.public_key.encode())},
    )
    return (
        None
        if response is None
        else response.get_data(as_text=True).split("<Code>")[1].split("<")[0]
    )


def test_a_signed_url_is_good_until_it_expires(pair, key):
    url = cdn_signing.sign_url(f"{BASE}/{PRIVATE}", key, NOW + 60)

    assert (refusal(pair, url), refusal(pair, url, now=NOW + 60)) == (None, "AccessDenied")


def test_a_signature_is_for_its_own_url_only(pair, key):
    url = cdn_signing.sign_url(f"{BASE}/{PRIVATE}", key, NOW + 60)

    tampered = url.replace("small-abc", "large-abc")

    assert refusal(pair, tampered) == "AccessDenied"


def test_a_later_expiry_than_signed_is_refused(pair, key):
    url = cdn_signing.sign_url(f"{BASE}/{PRIVATE}", key, NOW + 60)

    stretched = url.replace(f"Expires={NOW + 60}", f"Expires={NOW + 86400}")

    assert refusal(pair, stretched) == "AccessDenied"


def test_an_unknown_key_pair_id_is_refused(pair, key):
    url = cdn_signing.sign_url(f"{BASE}/{PRIVATE}", key, NOW + 60)

    assert refusal(pair, url.replace(key.key_pair_id, "KUNKNOWN000000")) == "InvalidKey"


def test_another_key_pairs_signature_is_refused(pair):
    other = SigningKey.parse(cdn.new_signing_key().secret_value())
    # Claims the trusted key's id, signed with another private key.
    forged = SigningKey(key_pair_id=pair.key_pair_id, private_key=other.private_key)

    url = cdn_signing.sign_url(f"{BASE}/{PRIVATE}", forged, NOW + 60)

    assert refusal(pair, url) == "AccessDenied"


def test_the_cdn_refuses_private_media_unsigned_and_serves_it_signed(pair, key):
    signed = cdn_signing.sign_url(f"{BASE}/{PRIVATE}", key, 4_000_000_000)

    unsigned, served = fetch(pair, f"{BASE}/{PRIVATE}"), fetch(pair, signed)

    assert unsigned.status_code == 403 and b"<Code>MissingKey</Code>" in unsigned.get_data()
    assert served.status_code == 200
    assert served.headers["Cache-Control"].startswith("private,")


def test_public_media_needs_no_signature(pair):
    response = fetch(pair, f"{BASE}/{PUBLIC}")

    assert response.status_code == 200


def test_expiry_is_rounded_up_so_a_url_is_stable_for_minutes():
    assert cdn_signing.expiry(NOW + 1, 3600) == cdn_signing.expiry(NOW + 299, 3600)
    assert cdn_signing.expiry(NOW + 1, 3600) >= NOW + 1 + 3600


def test_a_placeholder_secret_says_how_to_store_the_key():
    with pytest.raises(SigningKeyMissing, match=r"docs/deploy\.md"):
        SigningKey.parse("generatedPlaceholder123")


def test_variants_out_signs_private_variants_only(monkeypatch, key, pair, fresh_settings):
    from photogram.media import service
    from photogram.settings import settings

    monkeypatch.setenv("PHOTOGRAM_CDN_BASE_URL", BASE)
    # Cleared after the change: the test process's runtime threads read settings too.
    settings.cache_clear()
    monkeypatch.setattr(cdn_signing, "signing_key", lambda: key)

    out = service.variants_out(
        {
            "small": {"key": PRIVATE, "width": 320, "height": 240},
            "thumbnail": {"key": PUBLIC, "width": 150, "height": 112},
        }
    )

    assert refusal(pair, out["small"].url, now=0) is None
    assert out["thumbnail"].url == f"{BASE}/{PUBLIC}"
