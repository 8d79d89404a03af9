"""The embedded search engine, for machines osmem-server has no build for (Linux arm64,
Intel macOS): the standard library's SQLite with FTS5 for names and an R*Tree for
places, behind the same `SearchIndex` contract as OpenSearch (tests hold both to
one suite). Words and folding come from `text.py`, as OpenSearch's analyzers make
them; a typo is found by checking the index's vocabulary for words one edit away.

One database file is shared by every thread of the local runtime (WAL mode, one
connection per thread); ":memory:" keeps a private database per index object.
"""

from __future__ import annotations

import json
import math
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from typing import Any

from photogram.adapters.search import INDEXES, Hit, Near, Put, Write, Written
from photogram.adapters.search.text import (
    TYPO_FROM,
    compact,
    fold,
    one_edit_variants,
    typo_match,
    words,
)

# Above every character: `x >= p AND x < p + MAX` is "x starts with p".
MAX = "\U0010ffff"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    idx TEXT NOT NULL, doc_id TEXT NOT NULL, version INTEGER NOT NULL, live INTEGER NOT NULL,
    PRIMARY KEY (idx, doc_id)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS users (
    rowid INTEGER PRIMARY KEY, user_id TEXT UNIQUE NOT NULL, handle TEXT NOT NULL,
    compact TEXT NOT NULL, words TEXT NOT NULL, follower_count INTEGER NOT NULL,
    doc TEXT NOT NULL);
-- Covering: a handle prefix's best by follower count without reading the table.
CREATE INDEX IF NOT EXISTS users_by_compact ON users (compact, follower_count, user_id);
CREATE INDEX IF NOT EXISTS users_by_handle ON users (handle);
-- A name's words, one row each, for the best users with a word starting with a prefix.
CREATE TABLE IF NOT EXISTS name_words (
    word TEXT NOT NULL, user_id TEXT NOT NULL, follower_count INTEGER NOT NULL,
    PRIMARY KEY (word, user_id)) WITHOUT ROWID;
CREATE VIRTUAL TABLE IF NOT EXISTS user_names USING fts5 (
    words, tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3');
CREATE VIRTUAL TABLE IF NOT EXISTS user_words USING fts5vocab (user_names, 'row');
CREATE TABLE IF NOT EXISTS follows (
    follower TEXT NOT NULL, followee TEXT NOT NULL, PRIMARY KEY (follower, followee))
    WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS follows_by_followee ON follows (followee, follower);
CREATE TABLE IF NOT EXISTS hashtags (
    tag TEXT PRIMARY KEY, folded TEXT NOT NULL, compact TEXT NOT NULL,
    post_count INTEGER NOT NULL, recent REAL NOT NULL, doc TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS hashtags_by_compact ON hashtags (compact);
CREATE TABLE IF NOT EXISTS places (
    rowid INTEGER PRIMARY KEY, place_id TEXT UNIQUE NOT NULL, post_count INTEGER NOT NULL,
    recent REAL NOT NULL, doc TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS place_names USING fts5 (
    words, tokenize = 'unicode61 remove_diacritics 0', prefix = '1 2 3');
CREATE VIRTUAL TABLE IF NOT EXISTS place_spots USING rtree (rowid, lat0, lat1, lng0, lng1);
"""
# Prefixes this short match too many rows to sort per query: an index per length keeps
# each one's rows in follower order, so its best `size` are the first `size` entries.
SHORT_PREFIX = 3
_SCHEMA += "".join(
    f"CREATE INDEX IF NOT EXISTS {table}_{n} ON {table} "
    f"(substr({column}, 1, {n}), follower_count DESC, user_id);\n"
    for table, column in (("users", "compact"), ("name_words", "word"))
    for n in range(1, SHORT_PREFIX + 1)
)
_TABLES = (
    "versions",
    "users",
    "name_words",
    "user_names",
    "follows",
    "hashtags",
    "places",
    "place_names",
)
_TABLES_DROPPED = (*_TABLES, "user_words", "place_spots")
EARTH_KM = 6371.0088


def _match_words(query_words: Iterable[str]) -> str:
    """An FTS5 query: every word as a prefix (words hold only letters and digits)."""
    return " AND ".join(f'"{w}"*' for w in query_words)


def haversine_km(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_KM * math.asin(min(1.0, math.sqrt(a)))


class SqliteIndex:
    def __init__(self, path: str) -> None:
        self.path = path
        self._local = threading.local()
        self._shared: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self.prepare()

    # --- connections -----------------------------------------------------------------

    def _db(self) -> sqlite3.Connection:
        if self.path == ":memory:":
            if self._shared is None:
                self._shared = sqlite3.connect(":memory:", check_same_thread=False)
            return self._shared
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def prepare(self) -> None:
        with self._lock:
            self._db().executescript(_SCHEMA)

    def reset(self) -> None:
        with self._lock:
            db = self._db()
            for table in _TABLES_DROPPED:
                db.execute(f"DROP TABLE IF EXISTS {table}")
            db.executescript(_SCHEMA)

    # --- writes ----------------------------------------------------------------------

    def write(self, writes: Sequence[Write]) -> Written:
        applied = stale = 0
        with self._lock:
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                for op in writes:
                    if op.index not in INDEXES:
                        raise ValueError(f"no index {op.index!r}")
                    row = db.execute(
                        "SELECT version FROM versions WHERE idx = ? AND doc_id = ?",
                        (op.index, op.doc_id),
                    ).fetchone()
                    if row is not None and row[0] >= op.version:
                        stale += 1
                        continue
                    db.execute(
                        "INSERT OR REPLACE INTO versions VALUES (?, ?, ?, ?)",
                        (op.index, op.doc_id, op.version, int(isinstance(op, Put))),
                    )
                    self._remove(db, op.index, op.doc_id)
                    if isinstance(op, Put):
                        self._put(db, op)
                    applied += 1
                db.execute("COMMIT")
            except BaseException:  # any failure, even an interrupt: undo the batch, re-raise
                db.execute("ROLLBACK")
                raise
        return Written(applied=applied, stale=stale)

    def _remove(self, db: sqlite3.Connection, index: str, doc_id: str) -> None:
        if index == "users":
            found = db.execute(
                "SELECT rowid, words FROM users WHERE user_id = ?", (doc_id,)
            ).fetchone()
            if found is not None:
                rowid, name_words = found
                for table in ("users", "user_names"):
                    db.execute(f"DELETE FROM {table} WHERE rowid = ?", (rowid,))  # noqa: S608 - ours
                db.executemany(
                    "DELETE FROM name_words WHERE word = ? AND user_id = ?",
                    ((word, doc_id) for word in set(name_words.split())),
                )
        elif index == "follows":
            follower, _, followee = doc_id.partition(":")
            db.execute(
                "DELETE FROM follows WHERE follower = ? AND followee = ?", (follower, followee)
            )
        elif index == "hashtags":
            db.execute("DELETE FROM hashtags WHERE tag = ?", (doc_id,))
        else:
            found = db.execute("SELECT rowid FROM places WHERE place_id = ?", (doc_id,)).fetchone()
            if found is not None:
                for table in ("places", "place_names", "place_spots"):
                    db.execute(f"DELETE FROM {table} WHERE rowid = ?", found)  # noqa: S608 - ours

    def _put(self, db: sqlite3.Connection, op: Put) -> None:
        doc = op.doc
        body = json.dumps(doc, separators=(",", ":"))
        if op.index == "users":
            name_words = " ".join(words(doc.get("name", "")))
            cursor = db.execute(
                "INSERT INTO users (user_id, handle, compact, words, follower_count, doc) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    op.doc_id,
                    fold(doc["handle"]),
                    compact(doc["handle"]),
                    name_words,
                    int(doc.get("follower_count", 0)),
                    body,
                ),
            )
            db.execute(
                "INSERT INTO user_names (rowid, words) VALUES (?, ?)",
                (cursor.lastrowid, name_words),
            )
            db.executemany(
                "INSERT INTO name_words VALUES (?, ?, ?)",
                (
                    (word, op.doc_id, int(doc.get("follower_count", 0)))
                    for word in set(name_words.split())
                ),
            )
        elif op.index == "follows":
            db.execute("INSERT INTO follows VALUES (?, ?)", (doc["follower"], doc["followee"]))
        elif op.index == "hashtags":
            db.execute(
                "INSERT INTO hashtags VALUES (?, ?, ?, ?, ?, ?)",
                (
                    op.doc_id,
                    fold(doc["tag"]),
                    compact(doc["tag"]),
                    int(doc.get("post_count", 0)),
                    float(doc.get("recent", 0.0)),
                    body,
                ),
            )
        else:
            cursor = db.execute(
                "INSERT INTO places (place_id, post_count, recent, doc) VALUES (?, ?, ?, ?)",
                (op.doc_id, int(doc.get("post_count", 0)), float(doc.get("recent", 0.0)), body),
            )
            rowid = cursor.lastrowid
            db.execute(
                "INSERT INTO place_names (rowid, words) VALUES (?, ?)",
                (rowid, " ".join(words(doc["name"]))),
            )
            lat, lng = float(doc["lat"]), float(doc["lng"])
            db.execute(
                "INSERT INTO place_spots VALUES (?, ?, ?, ?, ?)", (rowid, lat, lat, lng, lng)
            )

    # --- users -----------------------------------------------------------------------

    def users(self, query: str, followees: Sequence[str], size: int) -> list[Hit]:
        """Each way of matching is a bounded query of its own: the exact handle, the
        best `size` handle prefixes, the best `size` name matches (by follower count),
        and the viewer's followees that match at all; typos only when those found
        fewer than `size` (as the OpenSearch engine's second query). The best `size`
        of their union are the best `size` overall: anything a bounded query left out
        has `size` others matching as well with more followers."""
        exact, short, query_words = fold(query).strip(), compact(query), words(query)
        if not short:
            return []
        db = self._db()
        scores: dict[str, float] = {}

        def found(user_ids: Iterable[str], score: float) -> None:
            for user_id in user_ids:
                scores[user_id] = max(scores.get(user_id, 0.0), score)

        found(_column(db, "SELECT user_id FROM users WHERE handle = ?", exact), 100)
        found(_best(db, "users", _starts("compact", short), size), 3)
        if query_words:
            found(self._names_starting(db, query_words, size), 1)
        mine = self._followees_matching(db, followees, short, query_words, typos=False)
        typos = len(short) >= TYPO_FROM and len(scores.keys() | mine.keys()) < size
        if typos:
            found(self._handles_one_typo_away(db, short, size), 1.5)
            if query_words:
                found(self._names_matching(db, self._terms(db, query_words), size), 1)
            mine = self._followees_matching(db, followees, short, query_words, typos=True)
        for user_id, score in mine.items():
            scores[user_id] = max(scores.get(user_id, 0.0), score)
        if not scores:
            return []
        followed = mine.keys()
        rows = {
            user_id: (count, doc)
            for user_id, count, doc in _in(
                db, "SELECT user_id, follower_count, doc FROM users WHERE user_id IN", scores
            )
        }
        ranked = sorted(
            rows,
            key=lambda u: (-(scores[u] + (20 if u in followed else 0)), -rows[u][0], u),
        )[:size]
        return [Hit(u, json.loads(rows[u][1]), followed=u in followed) for u in ranked]

    def _followees_matching(
        self,
        db: sqlite3.Connection,
        followees: Sequence[str],
        short: str,
        query_words: list[str],
        *,
        typos: bool,
    ) -> dict[str, float]:
        """The viewer's followees the query matches, scored as `users` scores them,
        read by id (a few hundred rows, cheaper than asking FTS5): without typos SQLite
        matches the handle's range and each word as a prefix of a stored name word
        (the words are stored folded, as FTS5 holds them, and hold no LIKE wildcard);
        with typos the rows come back and are matched here."""
        if not followees:
            return {}
        upper = short + MAX
        if not typos:
            names = " AND ".join("(' ' || words) LIKE ?" for _ in query_words) or "0"
            rows = _in(
                db,
                "SELECT user_id, compact >= ? AND compact < ? FROM users "  # noqa: S608 - placeholders
                f"WHERE ((compact >= ? AND compact < ?) OR ({names})) AND user_id IN",
                followees,
                before=(short, upper, short, upper, *(f"% {w}%" for w in query_words)),
            )
            return {user_id: 3 if by_handle else 1 for user_id, by_handle in rows}
        matched: dict[str, float] = {}
        for user_id, handle_compact, name in _in(
            db, "SELECT user_id, compact, words FROM users WHERE user_id IN", followees
        ):
            name_words = name.split()
            if handle_compact.startswith(short):
                matched[user_id] = 3
            elif typo_match(short, handle_compact):
                matched[user_id] = 1.5
            elif query_words and all(
                any(n.startswith(w) or typo_match(w, n) for n in name_words) for w in query_words
            ):
                matched[user_id] = 1
        return matched

    def _handles_one_typo_away(self, db: sqlite3.Connection, short: str, size: int) -> list[str]:
        """The best `size` handles (separators dropped) starting with a string one edit
        from `short` that keeps its first letter (text.typo_match), by follower count:
        one indexed range per such string."""
        best: dict[str, int] = {}
        for variant in one_edit_variants(short):
            for user_id, count in db.execute(
                "SELECT user_id, follower_count FROM users WHERE compact >= ? AND compact < ? "
                "ORDER BY follower_count DESC LIMIT ?",
                (variant, variant + "\U0010ffff", size),
            ):
                best[user_id] = count
        return sorted(best, key=lambda u: (-best[u], u))[:size]

    def _terms(self, db: sqlite3.Connection, query_words: list[str]) -> list[list[str]]:
        """For each query word, the FTS5 terms that match it: its prefix and, from
        TYPO_FROM letters on, the names' words one typo away."""
        terms = []
        for word in query_words:
            alternatives = [f'"{word}"*']
            if len(word) >= TYPO_FROM:
                alternatives += [
                    f'"{term}"'
                    for (term,) in db.execute(
                        "SELECT term FROM user_words WHERE term >= ? AND term < ?",
                        (word[0], word[0] + "\U0010ffff"),
                    )
                    if typo_match(word, term)
                ]
            terms.append(alternatives)
        return terms

    def _names_starting(
        self, db: sqlite3.Connection, query_words: list[str], size: int
    ) -> list[str]:
        """The best `size` users whose name has, for every query word, a word starting
        with it: the longest query word's rows in follower order (an index walk), each
        checked for the other words in its user's stored name words."""
        lead = max(query_words, key=len)
        others = list(query_words)
        others.remove(lead)
        where, params = _starts("word", lead)
        if others:
            where += (
                " AND EXISTS (SELECT 1 FROM users u WHERE u.user_id = name_words.user_id AND "  # noqa: S608 - placeholders
                + " AND ".join("(' ' || u.words) LIKE ?" for _ in others)
                + ")"
            )
            params += tuple(f"% {w}%" for w in others)
        return _best(db, "name_words", (where, params), size)

    def _names_matching(
        self, db: sqlite3.Connection, terms: list[list[str]], size: int
    ) -> list[str]:
        """The best `size` users (by follower count) whose name matches, for every
        query word, one of its terms."""
        match = " AND ".join("(" + " OR ".join(alternatives) + ")" for alternatives in terms)
        return _column(
            db,
            "SELECT u.user_id FROM user_names n JOIN users u ON u.rowid = n.rowid "
            "WHERE user_names MATCH ? ORDER BY u.follower_count DESC LIMIT ?",
            match,
            size,
        )

    def following(self, user_id: str, size: int) -> list[str]:
        return _column(
            self._db(), "SELECT followee FROM follows WHERE follower = ? LIMIT ?", user_id, size
        )

    def followed_by(self, followers: Sequence[str], among: Sequence[str]) -> dict[str, int]:
        if not followers or not among:
            return {}
        db = self._db()
        db.execute("CREATE TEMP TABLE IF NOT EXISTS wanted_followers (user_id TEXT PRIMARY KEY)")
        with self._lock:
            db.execute("DELETE FROM temp.wanted_followers")
            db.executemany(
                "INSERT OR IGNORE INTO temp.wanted_followers VALUES (?)", ((f,) for f in followers)
            )
            rows = _in(
                db,
                "SELECT followee, count(*) FROM follows "
                "WHERE follower IN (SELECT user_id FROM temp.wanted_followers) AND followee IN",
                among,
                suffix=" GROUP BY followee",
            )
        return {followee: count for followee, count in rows}

    # --- hashtags and places ---------------------------------------------------------

    def hashtags(self, query: str, size: int) -> list[Hit]:
        exact = fold(query).strip().lstrip("#")
        prefix = compact(exact)
        if not prefix:
            return []
        rows = self._db().execute(
            "SELECT tag, doc FROM hashtags WHERE compact >= ? AND compact < ? "
            "ORDER BY folded = ? DESC, recent DESC, post_count DESC, tag LIMIT ?",
            (prefix, prefix + "\U0010ffff", exact, size),
        )
        return [Hit(tag, json.loads(doc)) for tag, doc in rows]

    def places(self, query: str, near: Near | None, size: int) -> list[Hit]:
        query_words = words(query)
        if not query_words:
            return []
        db = self._db()
        match = _match_words(query_words)
        if near is None:
            rows = db.execute(
                "SELECT p.place_id, p.doc FROM place_names n JOIN places p ON p.rowid = n.rowid "
                "WHERE place_names MATCH ? ORDER BY p.recent DESC, p.post_count DESC, p.place_id "
                "LIMIT ?",
                (match, size),
            )
            return [Hit(place_id, json.loads(doc)) for place_id, doc in rows]
        # Nearest first: look in a box around the position, widened until it holds
        # `size` matches (or the whole earth), then order the matches by distance.
        hits: list[Hit] = []
        for radius_km in (25.0, 250.0, 2500.0, 40000.0):
            box = _box(near, radius_km)
            found = db.execute(
                "SELECT p.place_id, p.doc FROM place_names n JOIN places p ON p.rowid = n.rowid "
                "JOIN place_spots s ON s.rowid = n.rowid WHERE place_names MATCH ? "
                "AND s.lat0 <= ? AND s.lat1 >= ? AND s.lng0 <= ? AND s.lng1 >= ?",
                (match, box[1], box[0], box[3], box[2]),
            ).fetchall()
            hits = []
            for place_id, doc in found:
                place = json.loads(doc)
                distance = haversine_km(near.lat, near.lng, place["lat"], place["lng"])
                if distance <= radius_km or radius_km >= 40000:
                    hits.append(Hit(place_id, place, distance_km=distance))
            if len(hits) >= size:
                break
        hits.sort(key=lambda h: (h.distance_km, h.doc_id))
        return hits[:size]


def _box(near: Near, radius_km: float) -> tuple[float, float, float, float]:
    """(lat_min, lat_max, lng_min, lng_max) holding every point within `radius_km`."""
    if radius_km >= 20000:
        return (-90.0, 90.0, -180.0, 180.0)
    dlat = math.degrees(radius_km / EARTH_KM)
    lat_min, lat_max = max(-90.0, near.lat - dlat), min(90.0, near.lat + dlat)
    widest = max(abs(lat_min), abs(lat_max))
    if widest >= 89.9:
        return (lat_min, lat_max, -180.0, 180.0)
    dlng = math.degrees(radius_km / (EARTH_KM * math.cos(math.radians(widest))))
    if dlng >= 180:
        return (lat_min, lat_max, -180.0, 180.0)
    # A box across the antimeridian is widened to every longitude (rare, and correct).
    lng_min, lng_max = near.lng - dlng, near.lng + dlng
    if lng_min < -180 or lng_max > 180:
        return (lat_min, lat_max, -180.0, 180.0)
    return (lat_min, lat_max, lng_min, lng_max)


def _starts(column: str, prefix: str) -> tuple[str, tuple[str, ...]]:
    """A condition (and its parameters) for "`column` starts with `prefix`": by the
    index on the column's first characters for a short prefix, else by range."""
    if len(prefix) <= SHORT_PREFIX:
        return f"substr({column}, 1, {len(prefix)}) = ?", (prefix,)
    return f"{column} >= ? AND {column} < ?", (prefix, prefix + MAX)


def _best(
    db: sqlite3.Connection, table: str, condition: tuple[str, tuple[str, ...]], size: int
) -> list[str]:
    """The `size` distinct user ids of `table`'s rows meeting `condition` with the most
    followers (a user has a row per name word, so a prefix may meet several of them:
    read on until `size` distinct ones, or every row)."""
    where, params = condition
    sql = (
        f"SELECT user_id FROM {table} WHERE {where} "  # noqa: S608 - ours, values bound
        "ORDER BY follower_count DESC, user_id LIMIT ?"
    )
    limit = size
    while True:
        rows = _column(db, sql, *params, limit)
        distinct = list(dict.fromkeys(rows))
        if len(distinct) >= size or len(rows) < limit:
            return distinct[:size]
        limit *= 2


def _column(db: sqlite3.Connection, sql: str, *params: Any) -> list[Any]:
    return [row[0] for row in db.execute(sql, params)]


def _in(
    db: sqlite3.Connection,
    sql: str,
    values: Iterable[str],
    *,
    suffix: str = "",
    before: tuple[Any, ...] = (),
) -> list[tuple[Any, ...]]:
    """`sql` ending in `IN`, completed with one placeholder per value (after the
    parameters `before` them): only placeholders are formatted into the statement."""
    values = list(values)
    marks = ",".join("?" * len(values))
    return db.execute(f"{sql} ({marks}){suffix}", [*before, *values]).fetchall()
