"""The search engine as OpenSearch: Amazon OpenSearch Serverless on AWS (SigV4,
service "aoss"), osmem-server locally, through the same opensearch-py client, index
mappings, analyzers and queries (docs/osmem-notes.md records what osmem was measured
to do). `opensearchpy` is imported on first use: its import costs 0.1-0.4 s, which a
function that never searches should not pay at cold start.

Index names are `<prefix>-<index>`; writes use external versioning, so a stale write
comes back as a 409 that counts as `stale`, never as an error. With
`search_external_versions` off (OpenSearch Serverless as CDK deploys it) writes carry
no version and nothing is stale: the indexer's re-read keeps the current state.
No request on the deployed path asks for a refresh (Serverless has no `_refresh` and
refreshes on its own schedule): only tests pass `refresh=True`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

from photogram.adapters.search import INDEXES, Hit, Index, Near, Put, Write, Written
from photogram.adapters.search.text import JOIN_MARKS, TYPO_FROM, compact, fold, words
from photogram.settings import Settings

_EDGE = {"type": "edge_ngram", "min_gram": 1, "max_gram": 20}
# Every character `text.compact` drops, and those `text.words` joins on.
_SEPARATORS = r"[\s._\-]"
_JOINS = "[" + JOIN_MARKS + "]"


def _analyzer(char_filter: str, tokenizer: str, *, prefixes: bool = False) -> dict[str, Any]:
    """A folding analyzer (lowercase, ASCII folding), with edge n-grams if `prefixes`."""
    folding = ["lowercase", "asciifolding"] + (["edge_1_20"] if prefixes else [])
    return {
        "type": "custom",
        "char_filter": [char_filter],
        "tokenizer": tokenizer,
        "filter": folding,
    }


ANALYSIS: dict[str, Any] = {
    "char_filter": {
        "strip_separators": {"type": "pattern_replace", "pattern": _SEPARATORS, "replacement": ""},
        "join_marks": {"type": "pattern_replace", "pattern": _JOINS, "replacement": ""},
    },
    "filter": {"edge_1_20": _EDGE},
    "normalizer": {"fold": {"type": "custom", "filter": ["lowercase", "asciifolding"]}},
    "analyzer": {
        # Search side and index side: the index side adds every prefix (edge n-grams).
        "words": _analyzer("join_marks", "standard"),
        "word_prefixes": _analyzer("join_marks", "standard", prefixes=True),
        "compact": _analyzer("strip_separators", "keyword"),
        "compact_prefixes": _analyzer("strip_separators", "keyword", prefixes=True),
    },
}
_PREFIXED_WORDS = {"type": "text", "analyzer": "word_prefixes", "search_analyzer": "words"}
_COMPACT_PREFIXES = {
    "type": "text",
    "analyzer": "compact_prefixes",
    "search_analyzer": "compact",
}
MAPPINGS: dict[Index, dict[str, Any]] = {
    "users": {
        "handle": {
            "type": "keyword",
            "normalizer": "fold",
            "fields": {"compact": _COMPACT_PREFIXES},
        },
        "name": {"type": "text", "analyzer": "words", "fields": {"prefix": _PREFIXED_WORDS}},
        "follower_count": {"type": "long"},
        "is_private": {"type": "boolean"},
    },
    "follows": {"follower": {"type": "keyword"}, "followee": {"type": "keyword"}},
    "hashtags": {
        "tag": {
            "type": "keyword",
            "normalizer": "fold",
            "fields": {"prefix": _COMPACT_PREFIXES},
        },
        "post_count": {"type": "long"},
        "recent": {"type": "double"},
    },
    "places": {
        "name": _PREFIXED_WORDS,
        "location": {"type": "geo_point"},
        "lat": {"type": "double", "index": False},
        "lng": {"type": "double", "index": False},
        "post_count": {"type": "long"},
        "recent": {"type": "double"},
    },
}
# "One typo from 4 characters on": 0 edits under TYPO_FROM, 1 edit up to 99.
FUZZINESS = f"AUTO:{TYPO_FROM},100"


def body_of(index: Index) -> dict[str, Any]:
    """The settings and mappings an index is created with."""
    return {
        "settings": {"analysis": ANALYSIS},
        "mappings": {"dynamic": "strict", "properties": MAPPINGS[index]},
    }


class OpenSearchIndex:
    def __init__(
        self,
        client: Any,
        prefix: str = "photogram",
        *,
        refresh: bool = False,
        external_versions: bool = True,
    ) -> None:
        self._client, self._prefix = client, prefix
        # Tests and `make reindex` read their own writes; the stream consumer does not wait.
        self._refresh = refresh
        self._external_versions = external_versions

    @classmethod
    def from_settings(cls, config: Settings) -> OpenSearchIndex:
        from opensearchpy import OpenSearch, RequestsHttpConnection

        url = urlparse(config.search_endpoint)
        options: dict[str, Any] = {
            "hosts": [
                {"host": url.hostname, "port": url.port or (443 if url.scheme == "https" else 80)}
            ],
            "use_ssl": url.scheme == "https",
            "verify_certs": url.scheme == "https",
            "connection_class": RequestsHttpConnection,
            "timeout": config.search_timeout_seconds,
            "pool_maxsize": 10,
        }
        if config.search_signing_service:
            import boto3
            from opensearchpy import AWSV4SignerAuth

            credentials = boto3.Session().get_credentials()
            region = config.search_region or boto3.Session().region_name
            options["http_auth"] = AWSV4SignerAuth(
                credentials, region, config.search_signing_service
            )
        return cls(
            OpenSearch(**options),
            config.search_index_prefix,
            external_versions=config.search_external_versions,
        )

    def name(self, index: Index) -> str:
        return f"{self._prefix}-{index}"

    # --- indexes ---------------------------------------------------------------------

    def prepare(self) -> None:
        for index in INDEXES:
            if not self._client.indices.exists(index=self.name(index)):
                self._client.indices.create(index=self.name(index), body=body_of(index))

    def reset(self) -> None:
        for index in INDEXES:
            if self._client.indices.exists(index=self.name(index)):
                self._client.indices.delete(index=self.name(index))
        self.prepare()

    # --- writes ----------------------------------------------------------------------

    def write(self, writes: Sequence[Write]) -> Written:
        if not writes:
            return Written(applied=0, stale=0)
        lines: list[dict[str, Any]] = []
        for op in writes:
            meta: dict[str, Any] = {"_index": self.name(op.index), "_id": op.doc_id}
            if self._external_versions:
                meta |= {"version": op.version, "version_type": "external"}
            if isinstance(op, Put):
                lines += [{"index": meta}, self._source(op)]
            else:
                lines.append({"delete": meta})
        params = {"refresh": "true"} if self._refresh else {}
        response = self._client.bulk(body=lines, params=params)
        applied = stale = 0
        for item in response.get("items", []):
            ((action, result),) = item.items()
            status = int(result.get("status", 500))
            if status < 300 or (action == "delete" and status == 404):
                applied += 1
            elif status == 409:
                stale += 1
            else:
                raise IndexingFailed(result)
        return Written(applied=applied, stale=stale)

    @staticmethod
    def _source(op: Put) -> dict[str, Any]:
        if op.index == "places":
            return {**op.doc, "location": {"lat": op.doc["lat"], "lon": op.doc["lng"]}}
        return op.doc

    @staticmethod
    def _doc(index: Index, source: dict[str, Any]) -> dict[str, Any]:
        if index == "places":
            source = {k: v for k, v in source.items() if k != "location"}
        return source

    def _search(self, index: Index, body: dict[str, Any]) -> list[dict[str, Any]]:
        response = self._client.search(index=self.name(index), body=body)
        return list(response["hits"]["hits"])

    # --- users -----------------------------------------------------------------------

    def users(self, query: str, followees: Sequence[str], size: int) -> list[Hit]:
        """Prefixes first; only when they find fewer than `size`, the same query again
        with one typo allowed (fuzziness on edge n-grams matches every stored prefix
        of every handle and name: about ten times the work, wasted when prefixes
        already fill the window)."""
        hits = self._users(query, followees, size, typos=False)
        if len(hits) < size and len(compact(query)) >= TYPO_FROM:
            hits = self._users(query, followees, size, typos=True)
        return hits

    def _users(self, query: str, followees: Sequence[str], size: int, *, typos: bool) -> list[Hit]:
        short = compact(query)
        if not short:
            return []
        fuzzy = _fuzzy if typos else (lambda _: {})
        text: list[dict[str, Any]] = [
            {"match": {"handle.compact": {"query": short, "boost": 3, **fuzzy(short)}}}
        ]
        query_words = words(query)
        if query_words:
            text.append(
                {
                    "match": {
                        "name.prefix": {
                            "query": " ".join(query_words),
                            "operator": "and",
                            **fuzzy(max(query_words, key=len)),
                        }
                    }
                }
            )
        should: list[dict[str, Any]] = [
            {"term": {"handle": {"value": fold(query).strip(), "boost": 100}}}
        ]
        if followees:
            should.append({"ids": {"values": list(followees), "boost": 20}})
        body = {
            "size": size,
            "query": {
                "bool": {
                    "must": [{"bool": {"should": text, "minimum_should_match": 1}}],
                    "should": should,
                }
            },
            "sort": ["_score", {"follower_count": {"order": "desc"}}, {"_id": "asc"}],
            "track_total_hits": False,
        }
        mine = set(followees)
        return [
            Hit(h["_id"], h["_source"], followed=h["_id"] in mine)
            for h in self._search("users", body)
        ]

    def following(self, user_id: str, size: int) -> list[str]:
        body = {
            "size": size,
            "query": {"bool": {"filter": [{"term": {"follower": user_id}}]}},
            "_source": ["followee"],
            "track_total_hits": False,
        }
        return [h["_source"]["followee"] for h in self._search("follows", body)]

    def followed_by(self, followers: Sequence[str], among: Sequence[str]) -> dict[str, int]:
        if not followers or not among:
            return {}
        body = {
            "size": 0,
            "query": {
                "bool": {
                    "filter": [
                        {"terms": {"follower": list(followers)}},
                        {"terms": {"followee": list(among)}},
                    ]
                }
            },
            "aggs": {"followees": {"terms": {"field": "followee", "size": len(among)}}},
        }
        response = self._client.search(index=self.name("follows"), body=body)
        buckets = response["aggregations"]["followees"]["buckets"]
        return {b["key"]: int(b["doc_count"]) for b in buckets}

    # --- hashtags and places ---------------------------------------------------------

    def hashtags(self, query: str, size: int) -> list[Hit]:
        exact = fold(query).strip().lstrip("#")
        prefix = compact(exact)
        if not prefix:
            return []
        body = {
            "size": size,
            "query": {
                "bool": {
                    "filter": [{"match": {"tag.prefix": prefix}}],
                    "should": [{"term": {"tag": {"value": exact, "boost": 10}}}],
                }
            },
            "sort": [
                "_score",
                {"recent": {"order": "desc"}},
                {"post_count": {"order": "desc"}},
                {"_id": "asc"},
            ],
            "track_total_hits": False,
        }
        return [Hit(h["_id"], h["_source"]) for h in self._search("hashtags", body)]

    def places(self, query: str, near: Near | None, size: int) -> list[Hit]:
        query_words = words(query)
        if not query_words:
            return []
        match = {"match": {"name": {"query": " ".join(query_words), "operator": "and"}}}
        sort: list[Any]
        if near is None:
            sort = [
                {"recent": {"order": "desc"}},
                {"post_count": {"order": "desc"}},
                {"_id": "asc"},
            ]
        else:
            origin = {"lat": near.lat, "lon": near.lng}
            sort = [
                {"_geo_distance": {"location": origin, "order": "asc", "unit": "km"}},
                {"_id": "asc"},
            ]
        body = {
            "size": size,
            "query": {"bool": {"filter": [match]}},
            "sort": sort,
            "track_total_hits": False,
        }
        return [
            Hit(
                h["_id"],
                self._doc("places", h["_source"]),
                distance_km=float(h["sort"][0]) if near is not None else None,
            )
            for h in self._search("places", body)
        ]


def _fuzzy(term: str) -> dict[str, Any]:
    return {"fuzziness": FUZZINESS, "prefix_length": 1} if len(term) >= TYPO_FROM else {}


class IndexingFailed(RuntimeError):
    """The engine refused a write for a reason other than its version."""
