"""The search benchmark's generators and its naive baseline (bench/search_bench.py):
the pure logic its figures rest on, on a few hundred documents."""

import random

from bench.search_bench import (
    generate,
    make_handle,
    naive_users,
    one_typo,
    scan_list,
    skewed,
)
from photogram.adapters.search import Put
from photogram.adapters.search.text import TYPO_FROM, typo_match, within_one_edit


def test_a_typo_is_exactly_one_edit_after_the_first_letter():
    rng = random.Random(1)
    words = ["bobjones", "alice", "zoe1", "anna", "mariagarcia22"]

    typos = [(word, one_typo(rng, word)) for word in words for _ in range(200)]

    for word, typo in typos:
        assert typo != word and within_one_edit(word, typo)
        assert typo[0] == word[0] and len(typo) >= TYPO_FROM
        assert typo_match(typo, word)


def test_handles_are_unique_and_use_separators():
    rng = random.Random(2)
    taken: set[str] = set()

    handles = [make_handle(rng, "Zoë", "Ørsted", taken) for _ in range(300)]

    assert len(set(handles)) == 300
    assert all(h.isascii() and len(h) <= 30 for h in handles)
    assert any("_" in h for h in handles) and any("." in h for h in handles)


def test_skewed_ranks_favour_the_top():
    rng = random.Random(3)

    ranks = [skewed(rng, 1000) for _ in range(5000)]

    assert all(0 <= r < 1000 for r in ranks)
    assert sum(r < 10 for r in ranks) > sum(r >= 900 for r in ranks)


def test_generated_data_is_deterministic_and_has_the_viewers_follows():
    first = generate(random.Random(4), "viewer", 400, 50, 20)
    again = generate(random.Random(4), "viewer", 400, 50, 20)

    assert first.users == again.users and first.places == again.places
    assert sum(f.doc["follower"] == "viewer" for f in first.follows) == 300
    assert len({h.doc_id for h in first.hashtags}) == 50


def user(user_id, handle, name, followers):
    doc = {"handle": handle, "name": name, "follower_count": followers, "is_private": False}
    return Put("users", user_id, 1, doc)


def test_the_naive_scan_ranks_exact_then_followees_then_followers():
    docs = scan_list(
        [
            user("u1", "bob_jones", "Bob Jones", 50),
            user("u2", "bob", "Robert", 1),
            user("u3", "bobby.tables", "Bobby Tables", 900),
            user("u4", "alice", "Alice Bobson", 10),
            user("u5", "carol", "Carol", 5000),
        ]
    )

    hits = naive_users(docs, "bob", {"u4"}, 10)

    assert [h.doc_id for h in hits] == ["u2", "u4", "u3", "u1"]
    assert [h.doc_id for h in naive_users(docs, "bobjnes", set(), 10)] == ["u1"]
