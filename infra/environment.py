"""Each function's own environment variables, from its spec (infra/routes.py).

One function builds them for both runtimes: CDK (infra/functions.py) with its
resources' tokens, the local runtime (local/lambdas.py) and
tests/local/test_function_environments.py with moto's names. Plain Python: importing
it imports no aws_cdk. A function is given only what its spec says it uses, so a
setting it reads and was not given is missing on AWS; the test replays every
function under only this environment to find one (docs/decisions.md §37).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from infra.resources import METRICS_NAMESPACE
from infra.routes import FunctionSpec

# The CDN's base URL (https://<domain>) for functions whose spec says `uses_cdn`.
CDN_BASE_URL_ENV_VAR = "PHOTOGRAM_CDN_BASE_URL"
SEARCH_ENGINE_ENV_VAR = "PHOTOGRAM_SEARCH_ENGINE"
# The WebSocket API's management endpoint, for functions whose spec says `uses_live`.
LIVE_ENDPOINT_ENV_VAR = "PHOTOGRAM_LIVE_ENDPOINT"
# The user pool, for functions whose spec says `uses_user_pool`.
USER_POOL_ID_ENV_VAR = "PHOTOGRAM_USER_POOL_ID"
USER_POOL_CLIENT_ID_ENV_VAR = "PHOTOGRAM_USER_POOL_CLIENT_ID"
USER_POOL_REGION_ENV_VAR = "PHOTOGRAM_USER_POOL_REGION"

# Settings that are different on AWS, by function name (the local runtime sets its
# own values for these: PHOTOGRAM_MODERATOR=blocklist).
AWS_ENVIRONMENT: dict[str, dict[str, str]] = {
    "media-moderate": {"PHOTOGRAM_MODERATOR": "rekognition"},
}


@dataclass(frozen=True)
class Deployed:
    """What one deployment calls the declared resources, each with the environment
    variable that carries it: CDK tokens on AWS, moto's names locally."""

    # (environment variable, table name)
    table: tuple[str, str]
    # environment variable -> secret id (an ARN on AWS)
    secrets: Mapping[str, str] = field(default_factory=dict)
    # bucket logical id -> (environment variable, bucket name)
    buckets: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # None: the deployment has no CDN.
    cdn_base_url: str | None = None
    # The search engine's settings (PHOTOGRAM_SEARCH_*) for functions whose spec says
    # `uses_search`; empty: the deployment has none (search=off).
    search: Mapping[str, str] = field(default_factory=dict)
    # The user pool's settings (USER_POOL_*_ENV_VAR, and PHOTOGRAM_JWKS_URL locally) for
    # functions whose spec says `uses_user_pool`.
    user_pool: Mapping[str, str] = field(default_factory=dict)
    # The live connections' management endpoint; None: the deployment has none.
    live_endpoint: str | None = None


def function_environment(
    spec: FunctionSpec,
    deployed: Deployed,
    *,
    overrides: Mapping[str, Mapping[str, str]] = AWS_ENVIRONMENT,
    log_level: str = "INFO",
) -> dict[str, str]:
    """The variables `spec`'s function is given: Powertools', and the name of each
    resource its spec uses (the table, its secrets, its buckets, the CDN), then the
    function's entry in `overrides`."""
    environment = {
        "POWERTOOLS_SERVICE_NAME": spec.name,
        "POWERTOOLS_METRICS_NAMESPACE": METRICS_NAMESPACE,
        "POWERTOOLS_LOG_LEVEL": log_level,
    }
    if spec.uses_table:
        env_var, table_name = deployed.table
        environment[env_var] = table_name
    for env_var in spec.uses_secrets:
        try:
            environment[env_var] = deployed.secrets[env_var]
        except KeyError:
            known = ", ".join(sorted(deployed.secrets))
            raise ValueError(f"no secret is declared for {env_var} (known: {known})") from None
    for bucket_id, _ in spec.buckets:
        try:
            env_var, bucket_name = deployed.buckets[bucket_id]
        except KeyError:
            known = ", ".join(sorted(deployed.buckets))
            raise ValueError(f"no bucket is declared as {bucket_id!r} (known: {known})") from None
        environment[env_var] = bucket_name
    if spec.uses_cdn:
        if deployed.cdn_base_url is None:
            raise ValueError(f"function {spec.name} uses the CDN, but there is none")
        environment[CDN_BASE_URL_ENV_VAR] = deployed.cdn_base_url
    if spec.uses_search:
        environment.update(deployed.search or {SEARCH_ENGINE_ENV_VAR: "off"})
    if spec.uses_user_pool:
        if not deployed.user_pool:
            raise ValueError(f"function {spec.name} uses the user pool, but none is given")
        environment.update(deployed.user_pool)
    if spec.uses_live:
        if deployed.live_endpoint is None:
            raise ValueError(f"function {spec.name} uses live connections, but there are none")
        environment[LIVE_ENDPOINT_ENV_VAR] = deployed.live_endpoint
    environment.update(overrides.get(spec.name, {}))
    return environment
