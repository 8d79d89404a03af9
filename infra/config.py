"""Deploy-time choices, read once from CDK context (cdk.json or `-c key=value`).

To add an optional part (as `search=off|opensearch`): add a field here with
its default, parse and check it in `from_context`, build its construct in
`PhotogramStack._optional_parts` when it is on, and list it in docs/deploy.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from constructs import Node

from infra.cors import CorsPolicy

STAGE_PATTERN = re.compile(r"[a-z][a-z0-9]{0,15}")
# CloudFront's price classes by the name a deployer types: 100 (North America and
# Europe), 200 (adds most of Asia, the Middle East and Africa) or All.
CDN_PRICE_CLASSES = ("100", "200", "All")
RANKINGS = ("sagemaker", "heuristic")
SEARCH_ENGINES = ("off", "opensearch")
# WAF's bounds on a rate-based rule's limit (requests per IP per evaluation window).
WAF_RATE_LIMITS = range(10, 2_000_000_001)
DOMAIN_PATTERN = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
# CloudFront takes certificates from ACM in us-east-1 only.
# Enough to catch a typo; SNS sends the address a confirmation link anyway.
EMAIL_PATTERN = re.compile(r"[^@\s,;]+@[a-z0-9-]+(\.[a-z0-9-]+)+", re.IGNORECASE)
PEM_PUBLIC_KEY = re.compile(r"-----BEGIN PUBLIC KEY-----[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----")
MAX_SIGNING_KEYS = 5
CERTIFICATE_ARN_PATTERN = re.compile(
    r"arn:aws(-[a-z]+)*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]{36}"
)


@dataclass(frozen=True)
class StackConfig:
    # Names the stack (photogram-<stage>), the API stage and the user pool.
    stage: str = "dev"
    # Stage-wide steady-state requests per second and burst, across all callers.
    throttle_rate: float = 100.0
    throttle_burst: int = 200
    # Which CloudFront edge locations serve media (one of CDN_PRICE_CLASSES).
    cdn_price_class: str = "100"
    # A custom domain for the CDN (e.g. media.example.com) and its ACM certificate
    # in us-east-1: both or neither. Without them, media is served from the
    # distribution's *.cloudfront.net domain.
    cdn_domain: str | None = None
    cdn_certificate_arn: str | None = None
    # The public keys (PEM) CloudFront trusts to sign private media's URLs (the key
    # group on media/private/*, decisions §43): the first signs, any others are being
    # rotated in or out. None: private media is refused to everyone (docs/deploy.md).
    cdn_signing_public_keys: tuple[str, ...] = ()
    # How the feed ranks: "sagemaker" (the trained model on a serverless endpoint)
    # or "heuristic" (nothing SageMaker is deployed).
    ranking: str = "sagemaker"
    # The serverless endpoint's memory (1024-6144, steps of 1024) and concurrency.
    ranker_memory_mb: int = 2048
    ranker_max_concurrency: int = 5
    # Browser origins (https://app.example.com) allowed to call the API, upload to the
    # raw bucket and read media with CORS (infra/cors.py); none by default.
    cors_origins: tuple[str, ...] = ()
    # Who gets the alarms (infra/observability.py): an email subscription to the
    # alarm topic. None: the topic has no subscriber until one is added.
    alarm_email: str | None = None
    # An AWS WAF web ACL on the API stage (infra/waf.py): at most `waf_rate_limit`
    # requests per source IP per 5 minutes, and AWS's common rule set. Off by default:
    # it costs about $7 a month idle.
    waf: bool = False
    waf_rate_limit: int = 3000
    # Search (infra/search.py): "off" (the search routes answer 503 search_unavailable)
    # or "opensearch" (an Amazon OpenSearch Serverless collection, billed from about
    # $175 a month idle; docs/deploy.md, Search).
    search: str = "off"
    # With search=opensearch: standby replicas in a second Availability Zone (the
    # collection's redundancy). Off halves the idle capacity billed and leaves one AZ.
    search_standby: bool = True

    @classmethod
    def from_context(cls, node: Node) -> StackConfig:
        """The config from context; values from `-c` arrive as strings."""
        defaults = cls()
        stage = str(node.try_get_context("stage") or defaults.stage)
        if not STAGE_PATTERN.fullmatch(stage):
            raise ValueError(
                f"context stage={stage!r}: use 1-16 lowercase letters and digits, "
                "starting with a letter"
            )
        rate = float(node.try_get_context("throttle_rate") or defaults.throttle_rate)
        burst = int(node.try_get_context("throttle_burst") or defaults.throttle_burst)
        if rate <= 0 or burst <= 0:
            raise ValueError("context throttle_rate and throttle_burst must be positive")
        ranking = str(node.try_get_context("ranking") or defaults.ranking)
        if ranking not in RANKINGS:
            raise ValueError(f"context ranking={ranking!r}: use one of {', '.join(RANKINGS)}")
        memory = int(node.try_get_context("ranker_memory_mb") or defaults.ranker_memory_mb)
        if memory not in range(1024, 6145, 1024):
            raise ValueError("context ranker_memory_mb: 1024, 2048, 3072, 4096, 5120 or 6144")
        concurrency = int(
            node.try_get_context("ranker_max_concurrency") or defaults.ranker_max_concurrency
        )
        if not 1 <= concurrency <= 200:
            raise ValueError("context ranker_max_concurrency: from 1 to 200")
        waf, waf_rate_limit = _waf(
            node.try_get_context("waf"),
            node.try_get_context("waf_rate_limit"),
            default=defaults.waf_rate_limit,
        )
        search, search_standby = _search(
            node.try_get_context("search"),
            node.try_get_context("search_standby"),
            default=defaults.search_standby,
        )
        return cls(
            stage=stage,
            throttle_rate=rate,
            throttle_burst=burst,
            ranking=ranking,
            ranker_memory_mb=memory,
            ranker_max_concurrency=concurrency,
            cdn_price_class=_price_class(node.try_get_context("cdn_price_class")),
            # A list in cdk.json, or comma-separated with -c cors_origins=a,b.
            cors_origins=CorsPolicy.parse(
                node.try_get_context("cors_origins"), any_port=False
            ).origins,
            **_cdn_domain(
                node.try_get_context("cdn_domain"), node.try_get_context("cdn_certificate_arn")
            ),
            cdn_signing_public_keys=_public_keys(node.try_get_context("cdn_signing_public_key")),
            alarm_email=_alarm_email(node.try_get_context("alarm_email")),
            waf=waf,
            waf_rate_limit=waf_rate_limit,
            search=search,
            search_standby=search_standby,
        )


def _price_class(value: object) -> str:
    if value is None or value == "":
        return StackConfig.cdn_price_class
    # "PriceClass_100", "100" and "all" all name a price class.
    name = str(value).removeprefix("PriceClass_")
    for price_class in CDN_PRICE_CLASSES:
        if name.lower() == price_class.lower():
            return price_class
    raise ValueError(
        f"context cdn_price_class={value!r}: use one of {', '.join(CDN_PRICE_CLASSES)}"
    )


def _cdn_domain(domain: object, certificate_arn: object) -> dict[str, str]:
    if not domain and not certificate_arn:
        return {}
    if not domain or not certificate_arn:
        raise ValueError(
            "context cdn_domain and cdn_certificate_arn go together: a custom CDN domain "
            "needs its certificate, and a certificate is only used for that domain"
        )
    name, arn = str(domain).lower().rstrip("."), str(certificate_arn)
    if not DOMAIN_PATTERN.fullmatch(name):
        raise ValueError(f"context cdn_domain={domain!r} is not a domain name")
    if not CERTIFICATE_ARN_PATTERN.fullmatch(arn):
        raise ValueError(
            f"context cdn_certificate_arn={arn!r}: CloudFront needs an ACM certificate "
            "ARN in us-east-1 (arn:aws:acm:us-east-1:<account>:certificate/<id>)"
        )
    return {"cdn_domain": name, "cdn_certificate_arn": arn}


def _public_keys(value: object) -> tuple[str, ...]:
    """PEM public keys from context: each a PEM or a path to a .pem file; a list in
    cdk.json, or comma-separated paths with -c (a PEM itself has no commas)."""
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items = [value] if PEM_PUBLIC_KEY.search(value) else value.split(",")
    elif isinstance(value, list):
        items = [str(v) for v in value]
    else:
        raise ValueError("context cdn_signing_public_key: a PEM, a .pem file or a list of them")
    keys = []
    for item in items:
        text = item.strip()
        if not PEM_PUBLIC_KEY.search(text):
            try:
                text = Path(text).read_text().strip()
            except OSError as exc:
                raise ValueError(
                    f"context cdn_signing_public_key={item!r} is neither a PEM public key nor "
                    f"a readable file ({exc.strerror}); make one with `make cdn-keys` "
                    "(docs/deploy.md, Private media)"
                ) from None
        match = PEM_PUBLIC_KEY.search(text)
        if match is None:
            raise ValueError(
                f"context cdn_signing_public_key: {item!r} holds no "
                "-----BEGIN PUBLIC KEY----- block (an RSA 2048 public key, as "
                "`openssl rsa -pubout` writes it)"
            )
        keys.append(match.group(0))
    if len(set(keys)) != len(keys) or len(keys) > MAX_SIGNING_KEYS:
        raise ValueError(
            f"context cdn_signing_public_key: 1 to {MAX_SIGNING_KEYS} different keys "
            "(a CloudFront key group's limit)"
        )
    return tuple(keys)


def _alarm_email(value: object) -> str | None:
    if value is None or value == "":
        return None
    email = str(value).strip()
    if not EMAIL_PATTERN.fullmatch(email):
        raise ValueError(f"context alarm_email={value!r} is not an email address")
    return email


def _flag(name: str, value: object, *, default: bool = False) -> bool:
    """A yes/no context value: a JSON boolean from cdk.json, or a string from `-c`."""
    if isinstance(value, bool):
        return value
    if value is None or value == "":
        return default
    if str(value).lower() in ("false", "no", "0", "off"):
        return False
    if str(value).lower() in ("true", "yes", "1", "on"):
        return True
    raise ValueError(f"context {name}={value!r}: use true or false (on or off)")


def _search(engine: object, standby: object, *, default: bool) -> tuple[str, bool]:
    """(engine, standby replicas?) from `-c search=opensearch -c search_standby=off`."""
    name = StackConfig.search if engine is None or engine == "" else str(engine)
    if name not in SEARCH_ENGINES:
        raise ValueError(f"context search={engine!r}: use one of {', '.join(SEARCH_ENGINES)}")
    if standby is None or standby == "":
        return name, default
    if name == "off":
        raise ValueError(
            "context search_standby is the OpenSearch collection's: set it with search=opensearch"
        )
    return name, _flag("search_standby", standby)


def _waf(flag: object, rate_limit: object, *, default: int) -> tuple[bool, int]:
    """(waf on?, requests per IP per 5 minutes) from `-c waf=true -c waf_rate_limit=n`."""
    waf = _flag("waf", flag)
    if rate_limit is None or rate_limit == "":
        return waf, default
    if not waf:
        raise ValueError("context waf_rate_limit is the web ACL's: set it with waf=true")
    try:
        limit = int(str(rate_limit))
    except ValueError:
        limit = 0
    if limit not in WAF_RATE_LIMITS:
        raise ValueError(
            f"context waf_rate_limit={rate_limit!r}: requests per IP per 5 minutes, "
            "from 10 to 2,000,000,000"
        )
    return waf, limit
