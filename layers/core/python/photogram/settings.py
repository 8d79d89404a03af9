"""All configuration, one typed object read once at cold start."""

from __future__ import annotations

import os
from functools import cache
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PREFIX = "PHOTOGRAM_"


class Settings(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)

    # The table's name, and the Secrets Manager id (name or ARN) of the HMAC key that
    # signs cursors. CDK gives each only to the functions whose spec uses it (the
    # media pipeline's steps and the stream consumer sign no cursors, the metadata step
    # touches no table): each is required where it is read (photogram.db,
    # photogram.pagination), not by every function's settings.
    table_name: str = Field("", min_length=3)
    cursor_secret_id: str = Field("", min_length=1)
    # How long a fetched secret is reused before it is read again.
    secret_max_age_seconds: int = Field(300, ge=0)
    page_size_default: int = Field(20, ge=1, le=100)
    page_size_max: int = Field(100, ge=1, le=100)
    # JSON bodies larger than this are refused with 413 before parsing.
    max_body_bytes: int = Field(64 * 1024, ge=1024)
    # Browser origins whose scripts may read responses: one regular expression made
    # from the declared origins by infra/cors.py (CDK and the local runtime set it);
    # empty, no origin may.
    cors_origin_pattern: str = ""
    # Response headers such a script may read (infra/cors.py EXPOSE_HEADERS).
    cors_expose_headers: str = "Retry-After,x-amzn-RequestId"

    # Media. Bucket names and the CDN base come from the deployment (CDK or the
    # local runtime); a function that was not given one never needs it.
    raw_bucket: str = ""
    media_bucket: str = ""
    cdn_base_url: str = ""
    # The Secrets Manager id of the key pair that signs private media's CDN URLs
    # (photogram.adapters.cdn_signing: JSON {"key_pair_id", "private_key"}), for the
    # functions whose spec lists it in `uses_secrets`; and how long a signed URL is
    # good for (decisions §43). A URL is reused for up to 5 minutes, so it lives
    # between this and 5 minutes more.
    cdn_signing_secret_id: str = ""
    cdn_signed_url_seconds: int = Field(3600, ge=300, le=7 * 24 * 3600)
    # The presigned POST's content-length-range upper bound.
    media_max_bytes: int = Field(30 * 1024 * 1024, ge=1024)
    # Decompression-bomb guard, checked from the header before decoding.
    media_max_pixels: int = Field(50_000_000, ge=1_000_000)
    upload_expiry_seconds: int = Field(600, ge=60, le=3600)
    # An unused PENDING_UPLOAD item disappears (TTL) this long after its upload expired.
    pending_grace_seconds: int = Field(3600, ge=0)
    pending_upload_cap: int = Field(20, ge=1)
    # Per-account rate limits (photogram.limits, README "Rate limits"): uses of each
    # write an account may make per UTC minute and per UTC day. Uploads' daily limit
    # is daily_upload_cap.
    daily_upload_cap: int = Field(300, ge=1)
    uploads_per_minute: int = Field(30, ge=1)
    follows_per_minute: int = Field(30, ge=1)
    follows_per_day: int = Field(200, ge=1)
    likes_per_minute: int = Field(60, ge=1)
    likes_per_day: int = Field(1000, ge=1)
    comments_per_minute: int = Field(15, ge=1)
    comments_per_day: int = Field(500, ge=1)
    posts_per_minute: int = Field(20, ge=1)
    posts_per_day: int = Field(100, ge=1)
    stories_per_minute: int = Field(20, ge=1)
    stories_per_day: int = Field(100, ge=1)
    story_views_per_minute: int = Field(120, ge=1)
    story_views_per_day: int = Field(5000, ge=1)
    handle_changes_per_minute: int = Field(2, ge=1)
    handle_changes_per_day: int = Field(5, ge=1)
    # Direct messages: sends, and new conversations (the spam lever: a request is a
    # new conversation with a stranger).
    messages_per_minute: int = Field(60, ge=1)
    messages_per_day: int = Field(3000, ge=1)
    conversations_per_minute: int = Field(10, ge=1)
    conversations_per_day: int = Field(100, ge=1)
    # "rekognition" on AWS; "blocklist" (perceptual hashes) where Rekognition is absent.
    moderator: Literal["rekognition", "blocklist"] = "blocklist"
    # "virtual" gives regional bucket URLs on AWS; an endpoint on an IP needs "path".
    s3_addressing_style: Literal["auto", "virtual", "path"] = "virtual"
    moderation_min_confidence: float = Field(80.0, ge=0, le=100)
    # Rekognition top-level categories that reject an upload.
    moderation_blocked_categories: str = (
        "Explicit,Explicit Nudity,Violence,Visually Disturbing,Hate Symbols"
    )
    # Feed: authors with at least this many followers are not fanned out on write;
    # their posts are merged into followers' feeds at read time.
    fanout_max_followers: int = Field(10_000, ge=1)
    # How long a post stays in followers' timelines (and is a feed candidate).
    feed_days: int = Field(3, ge=1, le=30)
    # Which ranker scores the feed; the SageMaker one falls back to the heuristic.
    ranker: Literal["heuristic", "sagemaker"] = "heuristic"
    ranker_endpoint: str = ""
    # The feed's budget for the model: slower replies are abandoned for the heuristic.
    ranker_timeout_ms: int = Field(150, ge=10, le=5000)
    # Hamming distance (of 256 bits) under which two perceptual hashes match.
    blocklist_max_distance: int = Field(31, ge=0, le=128)

    # Search (photogram.adapters.search): "opensearch" (OpenSearch Serverless on AWS,
    # osmem-server locally), "sqlite" (the embedded index, where osmem has no build),
    # or "off" (a deployment without search: the search routes answer 503).
    search_engine: Literal["opensearch", "sqlite", "off"] = "off"
    # The OpenSearch endpoint (https://<id>.<region>.aoss.amazonaws.com, or osmem's URL).
    search_endpoint: str = ""
    # Requests are SigV4-signed for this service when set ("aoss" on AWS).
    search_signing_service: str = ""
    search_region: str = ""
    search_index_prefix: str = Field("photogram", pattern=r"^[a-z][a-z0-9-]{0,40}$")
    search_timeout_seconds: float = Field(2.0, gt=0, le=30)
    # Whether OpenSearch writes carry the item's version as an external version, so the
    # engine refuses an older write. Off where an engine's support is not established
    # (CDK turns it off on OpenSearch Serverless, decisions §40): the indexer re-reads
    # each item, so without it a reordered write puts the current state again.
    search_external_versions: bool = True
    # The embedded index's database file (":memory:" or empty: one per process).
    search_sqlite_path: str = ""

    # The user pool whose id tokens open a live connection (photogram.tokens), for the
    # functions whose spec `uses_user_pool`; the key set is Cognito's own unless
    # jwks_url names another (the local runtime's moto).
    user_pool_id: str = ""
    user_pool_client_id: str = ""
    user_pool_region: str = ""
    jwks_url: str = ""
    # The live connections' management API (API Gateway's @connections callback URL,
    # https://<api>.execute-api.<region>.amazonaws.com/<stage>), for the functions
    # whose spec `uses_live`; empty: the deployment has no live connection.
    live_endpoint: str = ""
    # A connection item outlives its connection by no more than API Gateway's limit.
    live_connection_seconds: int = Field(2 * 3600, ge=60)


@cache
def settings() -> Settings:
    env = {k.removeprefix(PREFIX).lower(): v for k, v in os.environ.items() if k.startswith(PREFIX)}
    return Settings.model_validate(env)


class SettingMissing(RuntimeError):
    """A function read a setting its deployment did not give it."""


def required(name: str) -> str:
    """The setting `name`, which only some functions are given: a function that reads
    it without being given it is told which variable its spec (infra/routes.py) lacks."""
    value = str(getattr(settings(), name))
    if not value:
        raise SettingMissing(
            f"{PREFIX}{name.upper()} is not set: this function's spec in infra/routes.py "
            "does not say it uses what it names"
        )
    return value
