"""Search (issue 14): typeahead latency at the adapter and over HTTP, against a naive
scan measured in the same run; index lag; the demo data's bulk build; memory.

    .venv/bin/python -m bench.search_bench                (part of `make bench`)
    .venv/bin/python -m bench.search_bench --users 20000  (a quick run)

1. Starts `make dev` in its own process (as bench/api_latency.py does); its search
   engine is osmem where it has a build, else SQLite (PHOTOGRAM_LOCAL_SEARCH chooses).
   A viewer and a second user sign up through the API with real tokens.
2. Generates seeded documents and writes them straight into each engine with
   `SearchIndex.write` in batches of 2,000: 100,000 users (handles with `_` and `.`,
   accented first and last names, power-law follower counts), the viewer's 300 follows
   and 30 follows of each of those, 50,000 hashtags and 20,000 places clustered around
   ten cities (both with power-law counts). Both local engines get the same data: the
   runtime's own engine (so the HTTP figures below run against the same 100k users) and
   the other one started here (a standalone osmem-server, or SQLite in a temp file).
3. Per engine, through the adapter: 2,000 typeahead prefixes of 1-8 characters of real
   handles and names (popular users drawn more often), 500 one-typo handles,
   `users(q, followees, 50)` with the followees read once by `following`; 500 hashtag
   prefixes; 300 `places(q, Near(...), 50)`. p50/p95/p99. And, on 100 of the prefixes,
   the service's two other engine calls per query: `following(me, 1000)` and
   `followed_by(my followees, the 50 hits)`.
4. The naive baseline: a pure-Python scan of the same 100k users in a list (their folded
   forms computed beforehand, which favours the scan) doing the same matching with
   `text.py` and the same ordering as the SQLite engine; on a seeded sample of the
   queries (60 prefixes, 20 typos: a scan of 100k takes a few hundred ms), compared with
   each engine's times for the same queries.
5. Over HTTP: `GET /search/users?q=` as the signed-in viewer, for 200 of the queries
   (150 prefixes, 50 typos). The service drops hits
   without a profile in the table, so the users on the first page of each HTTP query
   (computed from the engine's own hits and the service's ranking) get real profiles,
   written to the table; every page the benchmark times is then a full page of cards.
   Then the service's steps for the same queries, one by one in this process (the
   engine's three calls and the table read for the cards), to show where the time goes.
6. Index lag: 50 changes of a user's display name to a fresh word (PUT /me), each
   polled with `GET /search/users?q=<word>` until it shows: the time from sending the
   change (so it includes the PUT) to the first answer holding it.
7. The demo data's bulk build: `make seed`'s users, follows and hashtags as documents,
   written into a fresh, empty index set (index creation included) of each engine, as a
   reindex would. (Running `make seed` itself is dominated by photo uploads and the
   media pipeline, not by search.) The 100k bulk writes are reported in docs/s as well.
8. Memory: osmem-server's RSS (/proc/<pid>/status) before the load, after the 100k users,
   after everything; SQLite's database file (with its WAL) and this process's RSS growth.
Targets (issue 14): users typeahead at the adapter p50 <= 5 ms, p99 <= 50 ms; through
HTTP p50 <= 15 ms; >= 50x faster than the naive scan; index lag p95 <= 2 s; bulk build
of the demo data <= 1 s. Nothing here asserts: misses are printed as MISS.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import signal
import string
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from unittest import mock

import requests

from bench.stats import Timing
from photogram.adapters.search import Hit, Near, Put, SearchIndex
from photogram.adapters.search.text import TYPO_FROM, compact, fold, typo_match, words

USERS = 100_000
HASHTAGS = 50_000
PLACES = 20_000
PREFIXES = 2_000
TYPOS = 500
TAG_PREFIXES = 500
PLACE_QUERIES = 300
VIEWER_FOLLOWS = 300
FOLLOWS_EACH = 30
BATCH = 2_000
WINDOW = 50
# The scan takes about a tenth of a second a query: a sample of the queries above.
NAIVE_PREFIXES = 60
NAIVE_TYPOS = 20
# The service's other engine calls per query, timed on a sample of the prefixes.
SERVICE_SAMPLE = 100
HTTP_PREFIXES = 150
HTTP_TYPOS = 50
LAG_CHANGES = 50
WARMUP = 20


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


FIRST = _words(
    "Zoë José Chloé Renée Jürgen Søren Åsa Łukasz François Anaïs Björn Mónica Inês Noémie "
    "Ümit Çağla Ana Amélie Ahmed Alice Bob Carol Dave Emma Liam Olivia Noah Mia Lucas Sofia "
    "Mateo Léa Hugo Nina Omar Yuki Hana Kenji Priya Arjun Fatima Youssef Elif Mehmet Ingrid "
    "Sven Katarzyna Tomás Lucía Martín Camila Joaquín Valentina Siobhán Seán Dmitri Olga "
    "Nguyễn Thảo Zoltán Réka Ólafur Þóra Maëlle Grégoire"
)
LAST = _words(
    "Müller Ørsted Nuñez García O'Brien Dvořák Smith Jones Johnson Brown Williams Martin "
    "Bernard Dubois Lefèvre Moreau Schmidt Schneider Fischer Weber Rossi Russo Bianchi "
    "Romano Kowalski Nowak Wiśniewski Novák Svoboda Horváth Nagy Silva Santos Oliveira "
    "Pereira Costa Fernández López Martínez González Rodríguez Sánchez Pérez Tanaka Suzuki "
    "Takahashi Watanabe Kim Lee Park Chen Wang Li Zhang Kumar Singh Patel Öztürk Yılmaz "  # noqa: RUF001 - Turkish
    "Kaya Jóhannsson Sigurðardóttir Hansen Johansson Nielsen Andersen Virtanen Korhonen "
    "Papadopoulos Ivanov Petrov Ó'Súilleabháin MacDonald Lindqvist Æbelø Straße"
)
TAG_WORDS = _words(
    "travel food cat cats dog photo sunset beach summer winter coffee tea art street film "
    "code garden sky city night love life style music dance yoga run bike hike mountain "
    "sea lake forest flower rain snow paris london tokyo berlin lisbon nyc rome cafe café "
    "été münchen señor fiesta brunch pizza sushi ramen vegan bread cake wine beer design "
    "fashion vintage retro selfie family baby wedding party friends work study book read "
    "game gaming tech science space moon star car travelgram portrait macro drone"
)
TAG_SUFFIXES = (
    "",
    "",
    "",
    "gram",
    "life",
    "love",
    "daily",
    "photo",
    "ofinstagram",
    "2026",
    "lovers",
    "vibes",
    "art",
    "style",
    "time",
    "day",
)
PLACE_KINDS = _words(
    "Café Park Musée Museum Bar Market Station Plaza Beach Bakery Gallery Church Bridge "
    "Tower Garden Library Théâtre Bistro Pier Square Hotel Restaurant Ramen Izakaya "
    "Biergarten Praça Mercado Jardín Parque"
)
PLACE_WORDS = _words(
    "Central Lumière Royal Grand Old Saint-Michel Nord Sud Harbour Rivoli Montmartre "
    "Victoria Liberty Sakura Ipanema Alexander Belém Zócalo Bondi Hallgrím Shibuya Soho "
    "Brooklyn Marais Kreuzberg Alfama Chapultepec Coyoacán Manly Laugavegur Bastille "
    "Camden Notting Hudson Harlem Asakusa Ginza Mitte Chiado Roma Polanco Paddington "
    "Opéra Étoile Trinité Pinheiros Liberdade Reforma Esja Høfn"
)
# (name, lat, lng, weight): places and viewers cluster around these.
CITIES = (
    ("Paris", 48.8566, 2.3522, 5),
    ("London", 51.5074, -0.1278, 5),
    ("New York", 40.7128, -74.0060, 5),
    ("Tokyo", 35.6762, 139.6503, 4),
    ("São Paulo", -23.5505, -46.6333, 3),
    ("Berlin", 52.5200, 13.4050, 3),
    ("Lisbon", 38.7223, -9.1393, 2),
    ("México", 19.4326, -99.1332, 2),
    ("Sydney", -33.8688, 151.2093, 2),
    ("Reykjavík", 64.1466, -21.9426, 1),
)


# --- data ----------------------------------------------------------------------------


def skewed(rng: random.Random, n: int) -> int:
    """A rank in [0, n) with P(rank <= k) = log(k + 2) / log(n + 1): Zipf-like, s = 1."""
    return min(n - 1, int((n + 1) ** rng.random()) - 1)


def power_law(rng: random.Random, scale: float, alpha: float, cap: int) -> int:
    """A count with a Pareto tail: most small, a few huge (capped)."""
    return min(cap, int(scale * (rng.paretovariate(alpha) - 1)))


def _ascii(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", fold(word))


def make_handle(rng: random.Random, first: str, last: str, taken: set[str]) -> str:
    """A handle as people pick them, from their name, with `_` and `.`; unique."""
    f, la = _ascii(first), _ascii(last)
    number = str(rng.randint(1, 9999))
    styles = (
        f"{f}_{la}",
        f"{f}.{la}",
        f"{f}{la}",
        f"{f}_{la}{number[:2]}",
        f"{f[0]}.{la}",
        f"{la}_{f}",
        f"{f}{number}",
        f"the.{f}",
        f"{f}.{la[0]}_{number[:3]}",
        f"_{f}_",
    )
    handle = rng.choice(styles)[:24]
    while handle in taken:
        handle = f"{handle[:24]}{rng.choice('._')}{rng.randint(1, 99999)}"[:30]
    taken.add(handle)
    return handle


def one_typo(rng: random.Random, word: str) -> str:
    """`word` (letters and digits, at least TYPO_FROM long) with exactly one edit: a
    substitution, a deletion or an insertion, never of the first letter (the engines
    require it, as OpenSearch's prefix_length 1 does), and never shorter than
    TYPO_FROM (below that no typo is tolerated)."""
    assert len(word) >= TYPO_FROM, word
    kinds = ["substitute", "insert"] + (["delete"] if len(word) > TYPO_FROM else [])
    kind = rng.choice(kinds)
    letters = string.ascii_lowercase
    if kind == "substitute":
        at = rng.randrange(1, len(word))
        new = rng.choice([c for c in letters if c != word[at]])
        return word[:at] + new + word[at + 1 :]
    if kind == "insert":
        at = rng.randrange(1, len(word) + 1)
        return word[:at] + rng.choice(letters) + word[at:]
    at = rng.randrange(1, len(word))
    return word[:at] + word[at + 1 :]


@dataclass
class Corpus:
    users: list[Put]
    follows: list[Put]
    hashtags: list[Put]
    places: list[Put]
    # Indexes into `users`, most followers first (queries draw popular users more often).
    popular: list[int] = field(default_factory=list)


def generate(
    rng: random.Random, viewer_id: str, n_users: int, n_tags: int, n_places: int
) -> Corpus:
    taken: set[str] = set()
    users = []
    for n in range(n_users):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        doc = {
            "handle": make_handle(rng, first, last, taken),
            "name": f"{first} {last}",
            "follower_count": power_law(rng, 20, 0.9, 50_000_000),
            "is_private": rng.random() < 0.1,
        }
        users.append(Put("users", f"u{n:06d}-{rng.getrandbits(32):08x}", 1, doc))
    popular = sorted(range(n_users), key=lambda i: -users[i].doc["follower_count"])

    def some_user() -> str:
        # Half famous accounts, half anyone: how people follow.
        if rng.random() < 0.5:
            return users[popular[skewed(rng, n_users)]].doc_id
        return users[rng.randrange(n_users)].doc_id

    edges: set[tuple[str, str]] = set()
    followees: list[str] = []
    while len(followees) < min(VIEWER_FOLLOWS, n_users):
        user_id = some_user()
        if (viewer_id, user_id) not in edges:
            edges.add((viewer_id, user_id))
            followees.append(user_id)
    for followee in followees:
        for _ in range(FOLLOWS_EACH):
            other = some_user()
            if other != followee:
                edges.add((followee, other))
    follows = [
        Put("follows", f"{a}:{b}", 1, {"follower": a, "followee": b}) for a, b in sorted(edges)
    ]

    tags: dict[str, Put] = {}
    while len(tags) < n_tags:
        tag = rng.choice(TAG_WORDS)
        if rng.random() < 0.6:
            tag += rng.choice(TAG_WORDS)
        tag += rng.choice(TAG_SUFFIXES)
        if tag in tags:
            tag += str(rng.randint(1, 999))
        if tag in tags:
            continue
        count = 1 + power_law(rng, 5, 0.8, 20_000_000)
        doc = {"tag": tag, "post_count": count, "recent": round(count * rng.random() ** 3, 3)}
        tags[tag] = Put("hashtags", tag, 1, doc)

    weights = [w for *_, w in CITIES]
    places = []
    for n in range(n_places):
        kind, word = rng.choice(PLACE_KINDS), rng.choice(PLACE_WORDS)
        city, lat, lng, _ = rng.choices(CITIES, weights)[0]
        if rng.random() < 0.1:  # anywhere at all
            lat, lng = rng.uniform(-55, 70), rng.uniform(-180, 180)
        else:
            spread = 0.08 if rng.random() < 0.8 else 0.5
            lat = max(-89.9, min(89.9, rng.gauss(lat, spread)))
            lng = max(-179.9, min(179.9, rng.gauss(lng, spread)))
        name = rng.choice((f"{kind} {word}", f"{word} {kind}", f"{kind} {word} {city}"))
        count = 1 + power_law(rng, 3, 0.8, 5_000_000)
        doc = {
            "name": name,
            "lat": round(lat, 6),
            "lng": round(lng, 6),
            "post_count": count,
            "recent": round(count * rng.random() ** 3, 3),
        }
        places.append(Put("places", f"p{n:06d}", 1, doc))
    return Corpus(users, follows, list(tags.values()), places, popular)


@dataclass(frozen=True)
class Queries:
    prefixes: list[str]
    typos: list[tuple[str, str]]  # (query, the user id it was made from)
    tags: list[str]
    places: list[tuple[str, Near]]


def prefix_of(rng: random.Random, doc: dict[str, Any]) -> str:
    """What someone has typed so far, 1-8 characters, of a handle (60%) or of a name,
    accents typed or not."""
    if rng.random() < 0.6:
        source = str(doc["handle"])
    else:
        source = str(doc["name"])
        if rng.random() < 0.5:
            source = fold(source)
    while True:
        typed = source[: rng.randint(1, 8)].rstrip()
        if compact(typed):
            return typed


def make_queries(rng: random.Random, corpus: Corpus) -> Queries:
    n = len(corpus.users)

    def popular_user() -> Put:
        return corpus.users[corpus.popular[skewed(rng, n)]]

    prefixes = [prefix_of(rng, popular_user().doc) for _ in range(PREFIXES)]
    typos: list[tuple[str, str]] = []
    while len(typos) < TYPOS:
        user = popular_user()
        handle = compact(str(user.doc["handle"]))
        if len(handle) >= TYPO_FROM:
            typos.append((one_typo(rng, handle), user.doc_id))
    by_count = sorted(corpus.hashtags, key=lambda p: -p.doc["post_count"])
    tags = []
    for _ in range(TAG_PREFIXES):
        tag = str(by_count[skewed(rng, len(by_count))].doc["tag"])
        typed = tag[: rng.randint(1, 8)]
        tags.append(("#" + typed) if rng.random() < 0.2 else typed)
    by_posts = sorted(corpus.places, key=lambda p: -p.doc["post_count"])
    weights = [w for *_, w in CITIES]
    places = []
    for _ in range(PLACE_QUERIES):
        place = by_posts[skewed(rng, len(by_posts))]
        word = rng.choice(words(str(place.doc["name"])))
        _, lat, lng, _ = rng.choices(CITIES, weights)[0]
        near = Near(rng.gauss(lat, 0.05), rng.gauss(lng, 0.05))
        places.append((word[: rng.randint(2, 6)], near))
    return Queries(prefixes, typos, tags, places)


# --- the naive baseline --------------------------------------------------------------


@dataclass(frozen=True)
class Scanned:
    user_id: str
    folded: str
    compact: str
    words: tuple[str, ...]
    follower_count: int
    doc: dict[str, Any]


def scan_list(users: Sequence[Put]) -> list[Scanned]:
    return [
        Scanned(
            u.doc_id,
            fold(u.doc["handle"]),
            compact(u.doc["handle"]),
            tuple(words(u.doc["name"])),
            int(u.doc["follower_count"]),
            u.doc,
        )
        for u in users
    ]


def _naive_pass(
    docs: list[Scanned], query: str, followees: set[str], size: int, *, typos: bool
) -> list[Hit]:
    exact, short, query_words = fold(query).strip(), compact(query), words(query)
    scored = []
    for d in docs:
        if d.folded == exact:
            score = 100.0
        elif d.compact.startswith(short):
            score = 3.0
        elif typos and typo_match(short, d.compact):
            score = 1.5
        elif query_words and all(
            any(n.startswith(w) or (typos and typo_match(w, n)) for n in d.words)
            for w in query_words
        ):
            score = 1.0
        else:
            continue
        if d.user_id in followees:
            score += 20
        scored.append((-score, -d.follower_count, d.user_id, d))
    scored.sort(key=lambda s: s[:3])
    return [Hit(d.user_id, d.doc, followed=d.user_id in followees) for *_, d in scored[:size]]


def naive_users(docs: list[Scanned], query: str, followees: set[str], size: int) -> list[Hit]:
    """`SearchIndex.users` as a scan of every document: the exact handle, a compact
    prefix of the handle, every query word starting a word of the name; only when
    those are fewer than `size`, a second scan allowing one typo (from TYPO_FROM
    letters) in the handle or the name's words, as the engines do; scored and
    ordered as the SQLite engine orders them."""
    short = compact(query)
    if not short:
        return []
    hits = _naive_pass(docs, query, followees, size, typos=False)
    if len(hits) < size and len(short) >= TYPO_FROM:
        hits = _naive_pass(docs, query, followees, size, typos=True)
    return hits


# --- engines -------------------------------------------------------------------------


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


@dataclass
class Engine:
    name: str
    index: SearchIndex
    # The process whose memory holds the index (osmem-server's, or this one for SQLite).
    pid: int
    db_path: Path | None = None
    url: str | None = None
    note: str = ""
    rates: dict[str, float] = field(default_factory=dict)
    build_s: float = 0.0
    memory: dict[str, int] = field(default_factory=dict)
    timings: dict[str, Timing] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)
    by_length: dict[int, float] = field(default_factory=dict)
    typo_recall: float = 0.0
    demo_s: float = 0.0

    def db_bytes(self) -> int:
        if self.db_path is None:
            return 0
        return sum(
            p.stat().st_size for p in (self.db_path, Path(f"{self.db_path}-wal")) if p.exists()
        )


def opensearch_index(url: str, prefix: str, *, refresh: bool = False) -> SearchIndex:
    from opensearchpy import OpenSearch

    from photogram.adapters.search.opensearch import OpenSearchIndex

    # The functions' client gives up after 2 s (search_timeout_seconds); a 5,000-doc
    # bulk write takes about one, and the benchmark would rather see a slow query.
    return OpenSearchIndex(OpenSearch(url, timeout=120, pool_maxsize=4), prefix, refresh=refresh)


def load(engine: Engine, corpus: Corpus) -> None:
    before = rss_kb(engine.pid)
    engine.memory["before load"] = before
    started = time.perf_counter()
    for kind, puts in (
        ("users", corpus.users),
        ("follows", corpus.follows),
        ("hashtags", corpus.hashtags),
        ("places", corpus.places),
    ):
        t0 = time.perf_counter()
        for at in range(0, len(puts), BATCH):
            written = engine.index.write(puts[at : at + BATCH])
            assert written.stale == 0, f"{kind}: {written}"
        engine.rates[kind] = len(puts) / (time.perf_counter() - t0)
        if kind == "users":
            engine.memory["after users"] = rss_kb(engine.pid)
    engine.build_s = time.perf_counter() - started
    engine.memory["after all"] = rss_kb(engine.pid)
    engine.memory["db kb"] = engine.db_bytes() // 1024
    print(f"  {engine.name}: loaded in {engine.build_s:.1f} s", flush=True)


def timed(engine: Engine, kind: str, call: Callable[[Any], Any], items: Sequence[Any]) -> list[Any]:
    """Each of `items` through `call`, timed one by one (after a few unmeasured ones);
    the results, None where the engine raised (counted as an error, not timed)."""
    for item in items[:WARMUP]:
        with contextlib.suppress(Exception):  # the measured loop below counts them
            call(item)
    samples: list[float] = []
    results: list[Any] = []
    errors: list[str] = []
    for item in items:
        started = time.perf_counter()
        try:
            result = call(item)
        except Exception as exc:  # any engine failure is a finding to print, not a crash
            errors.append(f"{item!r}: {type(exc).__name__}: {str(exc)[:160]}")
            results.append(None)
            continue
        samples.append((time.perf_counter() - started) * 1000)
        results.append(result)
    engine.timings[kind] = Timing(samples or [float("nan")])
    if errors:
        engine.errors[kind] = errors
    return results


def measure_adapter(
    engine: Engine, queries: Queries, viewer_id: str
) -> tuple[list[str], dict[str, list[Any]]]:
    index = engine.index
    followees = index.following(viewer_id, 1000)
    prefix_hits = timed(
        engine, "users prefix", lambda q: index.users(q, followees, WINDOW), queries.prefixes
    )
    typo_hits = timed(
        engine,
        "users one typo",
        lambda q: index.users(q[0], followees, WINDOW),
        queries.typos,
    )
    timed(engine, "hashtags prefix", lambda q: index.hashtags(q, WINDOW), queries.tags)
    timed(engine, "places near", lambda q: index.places(q[0], q[1], WINDOW), queries.places)
    samples = engine.timings["users prefix"].samples_ms
    lengths: dict[int, list[float]] = {}
    ok = [q for q, h in zip(queries.prefixes, prefix_hits, strict=True) if h is not None]
    for query, ms in zip(ok, samples, strict=True):
        lengths.setdefault(min(len(query), 8), []).append(ms)
    engine.by_length = {n: Timing(v).p50 for n, v in sorted(lengths.items())}
    found = [
        hits is not None and user_id in {h.doc_id for h in hits}
        for (_, user_id), hits in zip(queries.typos, typo_hits, strict=True)
    ]
    engine.typo_recall = sum(found) / len(found)
    # What the service asks the engine per query besides `users` (search/service.py,
    # _ranked_users): my followees again, then how many of them follow each hit.
    sample = [(q, h) for q, h in zip(queries.prefixes, prefix_hits, strict=True) if h]
    sample = sample[:SERVICE_SAMPLE]
    timed(engine, "following (1000)", lambda _: index.following(viewer_id, 1000), sample)
    timed(
        engine,
        "followed_by",
        lambda qh: index.followed_by(followees, [h.doc_id for h in qh[1]]),
        sample,
    )
    print(f"  {engine.name}: queries done", flush=True)
    return followees, {"prefix": prefix_hits, "typo": typo_hits}


# --- the demo data ---------------------------------------------------------------------


def demo_documents() -> list[Put]:
    """`make seed`'s users, follows and hashtags (local/seed.py), as the indexer writes them."""
    from local import seed

    writes = [
        Put(
            "users",
            f"demo-{name}",
            2,
            {
                "handle": name,
                "name": profile["display_name"],
                "follower_count": sum(1 for _, b in seed.FOLLOWS if b == name),
                "is_private": bool(profile["is_private"]),
            },
        )
        for name, profile in seed.USERS.items()
    ]
    for a, b in seed.FOLLOWS:
        doc = {"follower": f"demo-{a}", "followee": f"demo-{b}"}
        writes.append(Put("follows", f"demo-{a}:demo-{b}", 1, doc))
    counts: dict[str, int] = {}
    for captions in seed.CAPTIONS.values():
        for caption in captions:
            for tag in re.findall(r"#(\w+)", caption):
                counts[tag] = counts.get(tag, 0) + 1
    for tag, count in sorted(counts.items()):
        writes.append(Put("hashtags", tag, 1, {"tag": tag, "post_count": count, "recent": count}))
    return writes


def demo_build(engine: Engine, folder: Path) -> None:
    """An empty index set created and the demo documents written into it."""
    docs = demo_documents()
    index: SearchIndex
    started = time.perf_counter()
    if engine.url is not None:
        index = opensearch_index(engine.url, "demo", refresh=True)
        index.reset()
    else:
        from photogram.adapters.search.sqlite import SqliteIndex

        index = SqliteIndex(str(folder / "demo.db"))
    index.write(docs)
    engine.demo_s = time.perf_counter() - started
    assert [h.doc_id for h in index.users("alice", [], 5)][:1] == ["demo-alice"]


# --- through HTTP ----------------------------------------------------------------------


@dataclass
class Api:
    url: str
    session: requests.Session

    def signed_up(self, info: dict[str, Any], name: str) -> tuple[str, dict[str, str]]:
        from local.client import id_token

        auth = {"Authorization": f"Bearer {id_token(info, name)}"}
        response = self.session.put(f"{self.url}/me", json={"handle": name}, headers=auth)
        response.raise_for_status()
        return str(response.json()["user_id"]), auth

    def search(self, query: str, auth: dict[str, str]) -> requests.Response:
        return self.session.get(
            f"{self.url}/search/users", params={"q": query}, headers=auth, timeout=10
        )


def profiles_for(
    index: SearchIndex,
    corpus: Corpus,
    followees: list[str],
    queries: list[str],
    hits: list[Any],
) -> int:
    """Writes a profile to the table for every user on the first page of `queries`
    (the service's ranking of the engine's hits), so those pages are full pages of cards."""
    from photogram import clock
    from photogram.search.service import rank_users
    from photogram.settings import settings
    from photogram.users.keys import profile_key
    from photogram.users.repository import ProfileRow

    page = settings().page_size_default
    wanted: set[str] = set()
    for query, found in zip(queries, hits, strict=True):
        if not found:
            continue
        friends = index.followed_by(followees, [h.doc_id for h in found])
        wanted.update(h.doc_id for h in rank_users(query, found, friends)[:page])
    now = clock.iso()
    with ProfileRow.batch_write() as batch:
        for user in corpus.users:
            if user.doc_id in wanted:
                batch.save(
                    ProfileRow(
                        *profile_key(user.doc_id),
                        user_id=user.doc_id,
                        handle=user.doc["handle"],
                        display_name=user.doc["name"],
                        is_private=user.doc["is_private"],
                        follower_count=user.doc["follower_count"],
                        created_at=now,
                        updated_at=now,
                        # As indexed: the indexer's re-write of it is refused as stale.
                        revision=1,
                    )
                )
    return len(wanted)


def measure_http(
    api: Api, auth: dict[str, str], queries: list[str]
) -> tuple[Timing, float, list[str]]:
    for query in queries[:WARMUP]:
        api.search(query, auth)
    samples, cards, errors = [], [], []
    for query in queries:
        started = time.perf_counter()
        response = api.search(query, auth)
        ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            errors.append(f"{query!r}: {response.status_code} {response.text[:160]}")
            continue
        samples.append(ms)
        cards.append(len(response.json()["items"]))
    return Timing(samples or [float("nan")]), sum(cards) / max(1, len(cards)), errors


ENGINE_STEPS = ("following", "users", "followed_by")


class _TimedIndex:
    """`index` with the time of each of its calls the service makes added to `spent`."""

    def __init__(self, index: SearchIndex, spent: dict[str, float]) -> None:
        self._index, self._spent = index, spent

    def __getattr__(self, name: str) -> Any:
        call = getattr(self._index, name)

        def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self._spent[name] = self._spent.get(name, 0.0) + time.perf_counter() - started

        return timed_call


def measure_stages(index: SearchIndex, viewer_id: str, queries: list[str]) -> dict[str, Timing]:
    """Where an HTTP query's time goes: `search_users` itself for the same queries, run
    here against the runtime's engine and its table (moto, over HTTP as the functions
    reach it), each engine call timed; the rest is the table read for the cards (with
    the ranking and the cursor). What the HTTP figure adds on top is the local API
    Gateway, the authorizer and the handler."""
    from photogram.pagination import PageRequest
    from photogram.search import service
    from photogram.settings import settings

    page = PageRequest(limit=settings().page_size_default)
    samples: dict[str, list[float]] = {step: [] for step in (*ENGINE_STEPS, "cards (table)")}
    spent: dict[str, float] = {}
    timed_index = _TimedIndex(index, spent)
    with mock.patch.object(service, "search_index", lambda: timed_index):
        for query in queries:
            spent.clear()
            started = time.perf_counter()
            service.search_users(viewer_id, query, page)
            total = time.perf_counter() - started
            for step in ENGINE_STEPS:
                samples[step].append(spent.get(step, 0.0) * 1000)
            samples["cards (table)"].append((total - sum(spent.values())) * 1000)
    return {step: Timing(s) for step, s in samples.items()}


@dataclass(frozen=True)
class Lag:
    indexed: Timing
    visible: Timing
    missed: int


def measure_lag(
    api: Api,
    index: SearchIndex,
    rng: random.Random,
    viewer: dict[str, str],
    subject: tuple[str, dict[str, str]],
    *,
    changes: int,
    deadline_s: float = 10,
) -> Lag:
    """`changes` display-name changes of `subject` to a fresh word, each timed from
    sending the change (the PUT included) until the engine finds the word (polled every
    5 ms through the adapter: a poll over HTTP takes longer than the lag's resolution
    should be) and until `GET /search/users?q=<word>` shows the subject to `viewer`."""
    subject_id, subject_auth = subject
    indexed, visible, missed = [], [], 0
    for _ in range(changes):
        word = "".join(rng.choice(string.ascii_lowercase) for _ in range(12))
        started = time.perf_counter()
        response = api.session.put(
            f"{api.url}/me", json={"display_name": f"Lag {word}"}, headers=subject_auth
        )
        response.raise_for_status()
        deadline = started + deadline_s
        seen = False
        while not seen and time.perf_counter() < deadline:
            seen = subject_id in {h.doc_id for h in index.users(word, [], 5)}
            if not seen:
                time.sleep(0.005)
        if seen:
            indexed.append((time.perf_counter() - started) * 1000)
        while seen and time.perf_counter() < deadline:
            found = api.search(word, viewer)
            if found.ok and any(i["user_id"] == subject_id for i in found.json()["items"]):
                visible.append((time.perf_counter() - started) * 1000)
                break
        else:
            missed += 1
    nan = [float("nan")]
    return Lag(Timing(indexed or nan), Timing(visible or nan), missed)


# --- the printout ----------------------------------------------------------------------


def mark(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def figures(t: Timing) -> str:
    return f"p50 {t.p50:7.2f}  p95 {t.percentile(95):7.2f}  p99 {t.p99:7.2f} ms"


def report(
    args: argparse.Namespace,
    engines: list[Engine],
    naive: dict[str, tuple[Timing, dict[str, float]]],
    http: dict[str, Any],
) -> None:
    print(
        f"search (bench/search_bench.py): {args.users:,} users, {args.hashtags:,} hashtags, "
        f"{args.places:,} places; viewer follows {VIEWER_FOLLOWS} (x{FOLLOWS_EACH} each)"
    )
    print("  bulk write (SearchIndex.write, batches of 2,000)")
    for e in engines:
        rates = ", ".join(f"{k} {v:,.0f}" for k, v in e.rates.items())
        print(f"    {e.name:<7} {rates} docs/s; everything in {e.build_s:.1f} s {e.note}")
    print(f"  adapter latency (window {WINDOW}; users typeahead target p50<=5, p99<=50 ms)")
    for e in engines:
        for kind, t in e.timings.items():
            verdict = ""
            if kind.startswith("users"):
                verdict = f"  {mark(t.p50 <= 5)} p50, {mark(t.p99 <= 50)} p99"
            failed = f"  ({len(e.errors[kind])} errors)" if kind in e.errors else ""
            print(
                f"    {e.name:<7} {kind:<16} n={len(t.samples_ms):<5} {figures(t)}{verdict}{failed}"
            )
        lengths = "  ".join(f"{n}:{ms:.1f}" for n, ms in e.by_length.items())
        print(f"    {e.name:<7} users prefix p50 by prefix length (chars:ms)  {lengths}")
        print(
            f"    {e.name:<7} one-typo queries that found the user they came from: "
            f"{e.typo_recall:.0%}"
        )
    scan, ratios = naive["scan"]
    print(
        f"  naive scan of {args.users:,} docs in a list (same matching and order), "
        f"{NAIVE_PREFIXES} prefixes + {NAIVE_TYPOS} typos: {figures(scan)}"
    )
    for name, ratio in ratios.items():
        print(
            f"    {name:<7} {ratio:6.0f}x faster at p50 on the same queries  "
            f"{mark(ratio >= 50)} (>= 50x)"
        )
    agree = naive["agree"][1].get("sqlite")
    if agree is not None:
        print(f"    the scan's top 10 equals the SQLite engine's on {agree:.0%} of them")
    t = http["timing"]
    print(
        f"  HTTP GET /search/users?q= ({http['engine']}, as a signed-in viewer, "
        f"{len(t.samples_ms)} queries): {figures(t)}  {mark(t.p50 <= 15)} (p50 <= 15 ms)"
    )
    print(
        f"    {http['profiles']:,} users on those queries' first pages were given profiles "
        f"in the table (the service drops hits without one): {http['cards']:.1f} cards a page"
        + (f"; {len(http['errors'])} errors, first: {http['errors'][0]}" if http["errors"] else "")
    )
    stages = "  ".join(f"{stage} {t.p50:.1f}" for stage, t in http["stages"].items())
    print(f"    where it goes, p50 ms of the same queries step by step: {stages}")
    lag: Lag = http["lag"]
    print(f"  index lag ({LAG_CHANGES} display-name changes by PUT /me, timed from sending it)")
    for label, t in (("in the engine", lag.indexed), ("in GET /search/users", lag.visible)):
        print(
            f"    {label:<22} p50 {t.p50:5.0f} ms  p95 {t.percentile(95):5.0f} ms  "
            f"max {max(t.samples_ms):5.0f} ms  {mark(t.percentile(95) <= 2000 and not lag.missed)}"
            " (p95 <= 2 s)" + (f"; {lag.missed} not seen within 10 s" if lag.missed else "")
        )
    print("  bulk build of the demo data (make seed's 4 users, 5 follows, 10 hashtags into")
    print("  a fresh, empty index set, index creation included)")
    for e in engines:
        print(f"    {e.name:<7} {e.demo_s * 1000:7.1f} ms  {mark(e.demo_s <= 1)} (<= 1 s)")
    print("  memory")
    for e in engines:
        mb = {k: v / 1024 for k, v in e.memory.items()}
        if e.db_path is None:
            print(
                f"    {e.name:<7} osmem-server RSS {mb['before load']:.0f} MB before, "
                f"{mb['after users']:.0f} MB with {args.users:,} users, "
                f"{mb['after all']:.0f} MB with everything"
            )
        else:
            print(
                f"    {e.name:<7} database {e.memory['db kb'] / 1024:.0f} MB on disk "
                "(with its WAL); "
                f"this process's RSS +{mb['after users'] - mb['before load']:.1f} MB for the "
                f"users, +{mb['after all'] - mb['before load']:.1f} MB for everything (its "
                "page cache is 2 MB a connection, often in memory this process had freed)"
            )
    for e in engines:
        for kind, errors in e.errors.items():
            print(f"  {e.name} {kind}: {len(errors)} errors, first: {errors[0]}")


# --- main ------------------------------------------------------------------------------


def osmem_pid(runtime_pid: int) -> int:
    """The osmem-server the runtime started (it is told its parent's pid)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (
            b"--parent-pid" in argv
            and argv[argv.index(b"--parent-pid") + 1] == str(runtime_pid).encode()
        ):
            return int(proc.name)
    raise SystemExit(f"no osmem-server started by process {runtime_pid}")


def use_table(info: dict[str, Any]) -> None:
    """This process writes profiles to the runtime's table (moto), as a function would."""
    os.environ.update(
        {
            "AWS_ENDPOINT_URL": info["aws_endpoint_url"],
            "AWS_DEFAULT_REGION": info["region"],
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "PHOTOGRAM_TABLE_NAME": info["table_name"],
            "PHOTOGRAM_CURSOR_SECRET_ID": "photogram/cursor-key",
            **info["search_env"],
        }
    )
    from photogram.settings import settings

    settings.cache_clear()


def engines_for(info: dict[str, Any], folder: Path) -> tuple[list[Engine], Any]:
    """Both local engines: the runtime's own (its indexes, which the API reads) and the
    other one, started here; and the standalone osmem-server, if one was started."""
    from local.search import osmem_available
    from photogram.adapters.search.sqlite import SqliteIndex
    from photogram.settings import settings

    here, at = info["search"]["engine"], info["search"]["at"]
    engines: list[Engine] = []
    standalone: Any = None
    if here == "osmem":
        osmem = Engine("osmem", opensearch_index(at, settings().search_index_prefix), 0)
        osmem.pid, osmem.url = osmem_pid(int(info["pid"])), at
        osmem.note = "(the runtime's osmem-server)"
        engines.append(osmem)
    elif osmem_available():
        from osmem_server import OsmemServer

        standalone = OsmemServer.start(japanese=False)
        osmem = Engine("osmem", opensearch_index(standalone.url, "bench"), standalone.pid)
        osmem.url = standalone.url
        osmem.index.prepare()
        osmem.note = "(a standalone osmem-server)"
        engines.append(osmem)
    if here == "sqlite":
        path, note = Path(at), "(the runtime's database)"
    else:
        path, note = folder / "search.db", "(a temp file)"
    engines.append(Engine("sqlite", SqliteIndex(str(path)), os.getpid(), db_path=path, note=note))
    return engines, standalone


def naive_baseline(
    rng: random.Random,
    engines: list[Engine],
    runs: dict[str, tuple[list[str], dict[str, list[Any]]]],
    queries: Queries,
    docs: list[Scanned],
) -> dict[str, tuple[Timing, dict[str, float]]]:
    """The scan on a sample of the queries, against each engine's times for exactly
    those queries (an engine's samples are in query order, its errors left out)."""
    picks = {
        "prefix": sorted(rng.sample(range(len(queries.prefixes)), NAIVE_PREFIXES)),
        "typo": sorted(rng.sample(range(len(queries.typos)), NAIVE_TYPOS)),
    }
    texts = {"prefix": queries.prefixes, "typo": [q for q, _ in queries.typos]}
    timing_of = {"prefix": "users prefix", "typo": "users one typo"}
    followees = set(runs[engines[0].name][0])
    scan_samples, agree = [], []
    sqlite_hits = runs["sqlite"][1]
    for kind, chosen in picks.items():
        for i in chosen:
            t0 = time.perf_counter()
            hits = naive_users(docs, texts[kind][i], followees, WINDOW)
            scan_samples.append((time.perf_counter() - t0) * 1000)
            theirs = sqlite_hits[kind][i]
            if theirs is not None:
                agree.append([h.doc_id for h in hits[:10]] == [h.doc_id for h in theirs[:10]])
    scan = Timing(scan_samples)
    ratios = {}
    for engine in engines:
        same = []
        for kind, chosen in picks.items():
            results = runs[engine.name][1][kind]
            samples = iter(engine.timings[timing_of[kind]].samples_ms)
            by_query = {i: next(samples) for i, r in enumerate(results) if r is not None}
            same += [by_query[i] for i in chosen if i in by_query]
        ratios[engine.name] = scan.p50 / Timing(same).p50
    print("  naive scan done", flush=True)
    return {"scan": (scan, ratios), "agree": (scan, {"sqlite": sum(agree) / max(1, len(agree))})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=USERS)
    parser.add_argument("--hashtags", type=int, default=HASHTAGS)
    parser.add_argument("--places", type=int, default=PLACES)
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()

    from bench.api_latency import start_dev

    rng = random.Random(args.seed)
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        folder = Path(tmp)
        # `make dev` in its own process, as bench/api_latency.py runs it: the runtime's
        # threads (stream poller, moto, TTL sweeper) would otherwise share this
        # process's GIL with the engine being timed.
        process, _ = start_dev(folder / "local.json")
        try:
            info = json.loads((folder / "local.json").read_text())
            use_table(info)
            here = info["search"]["engine"]
            api = Api(info["api_url"], requests.Session())
            viewer_id, viewer = api.signed_up(info, f"bench_viewer_{os.getpid()}")
            subject = api.signed_up(info, f"bench_lag_{os.getpid()}")
            started = time.perf_counter()
            corpus = generate(rng, viewer_id, args.users, args.hashtags, args.places)
            queries = make_queries(rng, corpus)
            docs = scan_list(corpus.users)
            total = sum(
                len(x) for x in (corpus.users, corpus.follows, corpus.hashtags, corpus.places)
            )
            print(
                f"  generated {total:,} documents in {time.perf_counter() - started:.1f} s "
                f"(the runtime's engine: {here})",
                flush=True,
            )
            engines, standalone = engines_for(info, folder)
            runs: dict[str, tuple[list[str], dict[str, list[Any]]]] = {}
            for engine in engines:
                load(engine, corpus)
                runs[engine.name] = measure_adapter(engine, queries, viewer_id)
                demo_build(engine, folder)
            if standalone is not None:
                standalone.close()
            naive = naive_baseline(rng, engines, runs, queries, docs)

            # HTTP against the runtime's engine, with profiles for the pages it will show.
            mine = next(e for e in engines if e.name == here)
            followees, hits = runs[here]
            typed = [q for q, _ in queries.typos]
            http_queries = queries.prefixes[:HTTP_PREFIXES] + typed[:HTTP_TYPOS]
            http_hits = hits["prefix"][:HTTP_PREFIXES] + hits["typo"][:HTTP_TYPOS]
            profiles = profiles_for(mine.index, corpus, followees, http_queries, http_hits)
            # The stream delivers in order: once a change made now is searchable, the
            # indexer has also worked through the profiles written above.
            drained = measure_lag(api, mine.index, rng, viewer, subject, changes=1, deadline_s=300)
            print(
                f"  profiles written and indexed ({drained.visible.p50 / 1000:.0f} s)", flush=True
            )
            timing, cards, errors = measure_http(api, viewer, http_queries)
            stages = measure_stages(mine.index, viewer_id, http_queries)
            print("  HTTP done", flush=True)
            lag = measure_lag(api, mine.index, rng, viewer, subject, changes=LAG_CHANGES)
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=30)
    report(
        args,
        engines,
        naive,
        {
            "engine": here,
            "timing": timing,
            "cards": cards,
            "errors": errors,
            "profiles": profiles,
            "lag": lag,
            "stages": stages,
        },
    )
    print(f"  ({time.perf_counter() - wall:.0f} s in all)")


if __name__ == "__main__":
    main()
