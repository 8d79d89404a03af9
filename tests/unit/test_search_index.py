"""The SearchIndex contract, one suite for every engine: OpenSearch's queries run
against osmem-server (a fresh copy-on-write clone per test), and the embedded SQLite
index against a private in-memory database. Both must return the same hits in the
same order for these cases."""

import importlib.util

import pytest

from photogram.adapters.search import Near, Put, Remove
from photogram.adapters.search.text import compact, fold, typo_match, within_one_edit, words

HAS_OSMEM = importlib.util.find_spec("osmem_server") is not None


@pytest.fixture(params=["sqlite", "osmem"])
def index(request):
    if request.param == "sqlite":
        from photogram.adapters.search.sqlite import SqliteIndex

        return SqliteIndex(":memory:")
    if not HAS_OSMEM:
        pytest.skip("osmem-server has no build for this machine (the SQLite engine runs)")
    from opensearchpy import OpenSearch

    from photogram.adapters.search.opensearch import OpenSearchIndex

    clone = request.getfixturevalue("osmem_clone")
    engine = OpenSearchIndex(OpenSearch(clone.url, timeout=10), "test", refresh=True)
    engine.prepare()
    return engine


def user(user_id, handle, name="", followers=0, version=1):
    doc = {"handle": handle, "name": name, "follower_count": followers, "is_private": False}
    return Put("users", user_id, version, doc)


def follow(follower, followee, version=1):
    return Put(
        "follows", f"{follower}:{followee}", version, {"follower": follower, "followee": followee}
    )


def ids(hits):
    return [h.doc_id for h in hits]


PEOPLE = [
    user("u-bob", "bob_jones", "Bob Jones", 50),
    user("u-bobby", "bobby", "Bobby Tables", 900),
    user("u-alice", "alice", "Alice Liddell", 10),
    user("u-alicia", "alicia.keys", "Alicia", 5000),
    user("u-zoe", "zoe", "Zoë Ørsted", 3),
    user("u-jon", "jonsnow", "Jon Snow", 700),
]


def test_the_exact_handle_comes_first_even_with_fewer_followers(index):
    index.write(PEOPLE)

    assert ids(index.users("alice", [], 10))[0] == "u-alice"
    assert ids(index.users("Alice", [], 10))[0] == "u-alice"


@pytest.mark.parametrize("typed", ["bob jones", "bobjones", "bob_jones", "bob.jo", "Bob-J"])
def test_separators_in_a_handle_are_optional(index, typed):
    # Pixelfed #784, Bluesky social-app #7511.
    index.write(PEOPLE)

    assert "u-bob" in ids(index.users(typed, [], 10))


def test_a_partial_last_name_finds_the_person(index):
    # elk #635: "jon" is the start of Bob's last name.
    index.write(PEOPLE)

    assert {"u-bob", "u-jon"} <= set(ids(index.users("jon", [], 10)))


def test_every_word_typed_must_start_a_word_of_the_name(index):
    index.write(PEOPLE)

    assert ids(index.users("bob tab", [], 10)) == ["u-bobby"]


def test_case_and_accents_are_folded_both_ways(index):
    index.write(PEOPLE)

    assert ids(index.users("ZOE ORS", [], 10)) == ["u-zoe"]
    assert ids(index.users("ørs", [], 10)) == ["u-zoe"]


def test_one_typo_is_tolerated_from_four_characters_on(index):
    index.write(PEOPLE)

    assert "u-alice" in ids(index.users("alcie", [], 10))  # a swap
    assert "u-alice" in ids(index.users("alise", [], 10))  # a substitution
    assert "u-jon" in ids(index.users("snwo", [], 10))  # in the name
    # Under four characters, no typo: "alx" is nobody's prefix.
    assert ids(index.users("alx", [], 10)) == []
    # Two typos are too many.
    assert "u-alice" not in ids(index.users("axcxe", [], 10))


def test_typos_are_looked_for_only_when_prefixes_do_not_fill_the_window(index):
    index.write([user("u-alice", "alice", followers=5), user("u-alicia", "alicia")])

    # "alic" is a prefix of both: with room for three, the typo match comes too.
    index.write([user("u-alix", "alixe", followers=100)])
    assert ids(index.users("alic", [], 3)) == ["u-alice", "u-alicia", "u-alix"]
    # With room for two, the prefixes fill it and no typo is looked for.
    assert ids(index.users("alic", [], 2)) == ["u-alice", "u-alicia"]


def test_prefix_search_starts_at_the_first_character(index):
    # Mastodon #28238: prefix search on usernames.
    index.write(PEOPLE)

    assert {"u-bob", "u-bobby"} <= set(ids(index.users("b", [], 10)))


def test_a_short_prefix_finds_distinct_people_and_a_renamed_one_by_the_new_name_only(index):
    # Every word of these names starts with "a": one person, three matching words.
    index.write([user(f"u-{n}", f"x{n}", "Anna Alba Amsel", n) for n in range(1, 6)])

    assert ids(index.users("a", [], 3)) == ["u-5", "u-4", "u-3"]
    assert ids(index.users("alba ams", [], 2)) == ["u-5", "u-4"]

    index.write([user("u-5", "x5", "Bea Berg", 5, version=2)])

    assert ids(index.users("a", [], 3)) == ["u-4", "u-3", "u-2"]
    assert ids(index.users("ber", [], 3)) == ["u-5"]


def test_among_equals_more_followers_rank_higher(index):
    index.write(PEOPLE)

    assert ids(index.users("bob", [], 10))[:2] == ["u-bobby", "u-bob"]


def test_accounts_the_viewer_follows_come_before_strangers(index):
    index.write([*PEOPLE, follow("viewer", "u-bob")])

    hits = index.users("bob", index.following("viewer", 10), 10)

    assert ids(hits)[:2] == ["u-bob", "u-bobby"]
    assert [h.followed for h in hits[:2]] == [True, False]


def test_follows_answer_who_follows_whom(index):
    index.write([follow("a", "x"), follow("b", "x"), follow("a", "y"), follow("c", "z")])

    assert sorted(index.following("a", 10)) == ["x", "y"]
    assert index.followed_by(["a", "b"], ["x", "y", "z"]) == {"x": 2, "y": 1}


def test_an_older_version_never_replaces_a_newer_one(index):
    written = index.write([user("u1", "first", version=5), user("u1", "older", version=3)])

    assert (written.applied, written.stale) == (1, 1)
    assert ids(index.users("first", [], 10)) == ["u1"]
    assert ids(index.users("older", [], 10)) == []


def test_a_removal_blocks_older_writes_but_not_newer_ones(index):
    index.write([user("u1", "ghost", version=2), Remove("users", "u1", 3)])
    assert ids(index.users("ghost", [], 10)) == []

    assert index.write([user("u1", "ghost", version=2)]).stale == 1
    assert ids(index.users("ghost", [], 10)) == []

    index.write([user("u1", "ghost", version=4)])
    assert ids(index.users("ghost", [], 10)) == ["u1"]


def test_removing_what_was_never_written_is_fine(index):
    assert index.write([Remove("follows", "a:b", 1)]).applied == 1


def tag(name, posts, recent):
    return Put("hashtags", name, 1, {"tag": name, "post_count": posts, "recent": recent})


def test_hashtags_by_prefix_the_exact_tag_first_then_by_recent_use(index):
    index.write(
        [
            tag("cat", 40, 1.0),
            tag("cats", 900, 50.0),
            tag("catsofinstagram", 5000, 20.0),
            tag("café", 70, 5.0),
            tag("dog", 999, 99.0),
        ]
    )

    assert ids(index.hashtags("cat", 10)) == ["cat", "cats", "catsofinstagram"]
    assert ids(index.hashtags("#CA", 10)) == ["cats", "catsofinstagram", "café", "cat"]
    assert ids(index.hashtags("cafe", 10)) == ["café"]


def place(place_id, name, lat, lng, posts=0, recent=0.0):
    doc = {"name": name, "lat": lat, "lng": lng, "post_count": posts, "recent": recent}
    return Put("places", place_id, 1, doc)


PLACES = [
    place("louvre", "Musée du Louvre", 48.8606, 2.3376, 500, 9.0),
    place("eiffel", "Tour Eiffel", 48.8584, 2.2945, 900, 30.0),
    place("louvre-lens", "Louvre-Lens", 50.4311, 2.8026, 20, 0.5),
    place("lourdes", "Lourdes", 43.0947, -0.0458, 80, 4.0),
]


def test_places_by_name_prefix_ranked_by_recent_use_without_a_position(index):
    index.write(PLACES)

    assert ids(index.places("lou", None, 10)) == ["louvre", "lourdes", "louvre-lens"]
    assert ids(index.places("musee lou", None, 10)) == ["louvre"]


def test_places_nearest_first_with_their_distance(index):
    index.write(PLACES)

    hits = index.places("louvre", Near(50.0, 2.8), 10)

    assert ids(hits) == ["louvre-lens", "louvre"]
    assert 45 < hits[0].distance_km < 50
    assert 125 < hits[1].distance_km < 135
    assert hits[0].doc["name"] == "Louvre-Lens"


def test_reset_empties_every_index(index):
    index.write([*PEOPLE, *PLACES, tag("cat", 1, 1.0), follow("a", "b")])

    index.reset()

    assert index.users("bob", ["b"], 10) == []
    assert index.places("lou", None, 10) == []
    assert index.hashtags("cat", 10) == []
    assert index.following("a", 10) == []


# --- text: the folding every engine shares ----------------------------------------------


def test_folding_and_compaction():
    assert fold("Zoë ØRSTED Straße") == "zoe orsted strasse"
    assert compact("Bob Jones") == compact("bob_jones") == compact("bob.jones") == "bobjones"
    assert words("O'Brien-Smith, Zoë") == ["obrien", "smith", "zoe"]


def test_one_edit_and_a_typo_of_a_prefix():
    assert within_one_edit("alcie", "alice")  # a swap of neighbours
    assert within_one_edit("alic", "alice") and within_one_edit("alicee", "alice")
    assert not within_one_edit("axcxe", "alice")
    assert typo_match("alcie", "alicekeys")  # one edit from the prefix "alice"
    assert not typo_match("xlice", "alice")  # the first letter must be right
    assert not typo_match("alx", "alex")  # under four characters, none


class RecordingClient:
    """Just enough of opensearch-py's client to see what `write` sends."""

    def __init__(self) -> None:
        self.bulks: list[tuple[list, dict]] = []

    def bulk(self, body, params):
        self.bulks.append((body, params))
        return {"items": [{"index": {"status": 201}}, {"delete": {"status": 404}}]}


def test_without_external_versions_writes_carry_no_version_and_ask_no_refresh():
    from photogram.adapters.search.opensearch import OpenSearchIndex

    client = RecordingClient()
    engine = OpenSearchIndex(client, "test", external_versions=False)

    written = engine.write([user("u-bob", "bob_jones", version=7), Remove("users", "u-old", 3)])

    ((body, params),) = client.bulks
    assert body[0] == {"index": {"_index": "test-users", "_id": "u-bob"}}
    assert body[2] == {"delete": {"_index": "test-users", "_id": "u-old"}}
    assert params == {}
    assert (written.applied, written.stale) == (2, 0)


def test_a_term_starts_with_a_one_edit_variant_exactly_when_it_is_a_typo_match():
    import random

    from photogram.adapters.search.text import HANDLE_ALPHABET, one_edit_variants

    rng = random.Random(7)
    for _ in range(300):
        query = "".join(rng.choice("abc1") for _ in range(rng.randint(4, 7)))
        variants = one_edit_variants(query)
        for _ in range(40):
            term = "".join(
                rng.choice("abc1" + HANDLE_ALPHABET[:2]) for _ in range(rng.randint(3, 9))
            )
            by_variants = any(term.startswith(v) for v in variants)
            assert by_variants == typo_match(query, term), (query, term)
    assert one_edit_variants("abc") == set()
