"""Place ids: one per folded name per neighbourhood."""

from photogram.posts.places import geohash, nearby_ids, place_id


def test_geohash_matches_the_published_examples():
    # Gustavo Niemeyer's examples (geohash.org) and the Wikipedia article's.
    assert geohash(57.64911, 10.40744, 11) == "u4pruydqqvj"
    assert geohash(42.6, -5.6, 5) == "ezs42"
    assert geohash(-90, -180, 4) == "0000"


def test_a_place_id_ignores_case_accents_and_spacing_but_not_the_cell():
    assert place_id("Café  Central", 52.52, 13.405) == place_id("cafe central", 52.52, 13.405)
    assert place_id("Café Central", 52.52, 13.405) != place_id("Café Central", 48.85, 2.35)
    assert place_id("Café Central", 52.52, 13.405) != place_id("Café Zentral", 52.52, 13.405)


def test_neighbouring_cells_are_looked_at_first_the_own_cell_then_the_eight_around():
    # 52.52 and 52.5202 fall on either side of a cell's edge.
    here, there = nearby_ids("Park", 52.52, 13.405), nearby_ids("Park", 52.5202, 13.405)
    assert len(here) == 9 and len(set(here)) == 9
    assert here[0] == place_id("Park", 52.52, 13.405)
    assert there[0] in here and there[0] != here[0]
    # At the antimeridian and the poles the cells wrap or stop.
    assert len(set(nearby_ids("Dateline", 0.0, 179.999))) == 9
    assert len(set(nearby_ids("Pole", 89.999, 0.0))) == 6
