"""How search reads text, written once for every engine: what OpenSearch's analyzers
in `opensearch.py` do (lowercase, ASCII folding, separators dropped from handles),
the embedded SQLite index and the search service do with these functions, so a
query means the same in both engines and the service can tell how a hit matched."""

from __future__ import annotations

import re
import unicodedata

# Letters NFKD does not decompose that Lucene's ASCIIFoldingFilter folds.
_FOLDS = str.maketrans(
    {
        "ß": "ss",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "đ": "d",
        "ł": "l",
        "þ": "th",
        "\u0131": "i",
        "ð": "d",
    }
)
# What a handle may hold besides letters and digits, and what people type for it.
_SEPARATORS = re.compile(r"[\s._\-]+")
# Inside a name's word these join rather than split ("O'Brien" is "obrien"), and
# OpenSearch's name analyzers drop them too (their `join_marks` char filter).
JOIN_MARKS = "'\u2019_"
_JOINS = str.maketrans("", "", JOIN_MARKS)
_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower-case, without accents: "Zoë Ørsted" -> "zoe orsted"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_FOLDS))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).translate(_FOLDS)


def compact(text: str) -> str:
    """Folded, without spaces and handle separators: "Bob Jones", "bob_jones" and
    "bob.jones" are all "bobjones"."""
    return _SEPARATORS.sub("", fold(text))


def words(text: str) -> list[str]:
    """The folded words of a name or a query."""
    return _WORD.findall(fold(text).translate(_JOINS))


def within_one_edit(a: str, b: str) -> bool:
    """True when `a` becomes `b` by at most one insertion, deletion, substitution or
    swap of two neighbours (Damerau's edit, which OpenSearch's fuzziness counts as one)."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    shorter, longer = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(shorter) and shorter[i] == longer[i]:
        i += 1
    return shorter[i:] == longer[i + 1 :]


# A query this long or longer tolerates one typo (issue 14: "from 4 characters on").
TYPO_FROM = 4


def typo_match(query: str, term: str) -> bool:
    """`query` (folded) names `term` (folded) with one typo: the first letter right
    (OpenSearch's prefix_length 1), then one edit away from the term or from a
    prefix of it, so "alcie" finds "alice" and "alicee" too."""
    if len(query) < TYPO_FROM or not term or query[0] != term[0]:
        return False
    return any(
        within_one_edit(query, term[:n])
        for n in range(max(1, len(query) - 1), min(len(term), len(query) + 1) + 1)
    )


# What a handle is made of once compact: handles are ASCII letters, digits and . _ -.
HANDLE_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def one_edit_variants(query: str, alphabet: str = HANDLE_ALPHABET) -> set[str]:
    """Every string one edit from `query` that keeps its first letter, and `query`:
    a term starts with one of them exactly when `typo_match(query, term)` (for
    terms of `alphabet`)."""
    if len(query) < TYPO_FROM:
        return set()
    head, rest = query[0], query[1:]
    variants = {query}
    for i in range(len(rest)):
        variants.add(head + rest[:i] + rest[i + 1 :])
        for c in alphabet:
            variants.add(head + rest[:i] + c + rest[i + 1 :])
        if i + 1 < len(rest):
            variants.add(head + rest[:i] + rest[i + 1] + rest[i] + rest[i + 2 :])
    for i in range(len(rest) + 1):
        for c in alphabet:
            variants.add(head + rest[:i] + c + rest[i:])
    return variants
