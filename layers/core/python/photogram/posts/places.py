"""Places posts are tagged with. A post names one of the places search found (its
id), or a new one by a name and a position; a new place's id comes from its folded
name and the geohash cell (about 1.2 km by 0.6 km) of its position, and a place of
that name in a neighbouring cell is taken instead of making one, so two people
creating "Café Central" at the same corner make one place, not two, even where a
cell's edge runs between them."""

from __future__ import annotations

import hashlib

from photogram.adapters.search.text import fold

# A geohash of 6 characters names a cell of about 1.2 km by 0.6 km.
CELL_PRECISION = 6
_BASE32 = "0123456789bcdefghjkmnpqrstuvwxyz"


def geohash(lat: float, lng: float, precision: int = CELL_PRECISION) -> str:
    """The geohash of a position: bits alternate longitude and latitude halvings."""
    bounds = {"lat": [-90.0, 90.0], "lng": [-180.0, 180.0]}
    value = {"lat": lat, "lng": lng}
    chars: list[str] = []
    bits, char, axis = 0, 0, "lng"
    while len(chars) < precision:
        low, high = bounds[axis]
        middle = (low + high) / 2
        char <<= 1
        if value[axis] >= middle:
            char |= 1
            bounds[axis][0] = middle
        else:
            bounds[axis][1] = middle
        axis = "lat" if axis == "lng" else "lng"
        bits += 1
        if bits == 5:
            chars.append(_BASE32[char])
            bits, char = 0, 0
    return "".join(chars)


def _id(name: str, cell: str) -> str:
    digest = hashlib.sha256(f"{' '.join(fold(name).split())}\n{cell}".encode())
    return digest.hexdigest()[:20]


def place_id(name: str, lat: float, lng: float) -> str:
    """The id of the place called `name` (case, accents and spacing aside) in the cell
    of (lat, lng)."""
    return _id(name, geohash(lat, lng))


# A cell's size in degrees at CELL_PRECISION: 15 bits of longitude, 15 of latitude.
_CELL_LNG, _CELL_LAT = 360 / 2**15, 180 / 2**15


def nearby_ids(name: str, lat: float, lng: float) -> list[str]:
    """The ids the place called `name` would have in the cell of (lat, lng) and in
    each of the 8 around it, that cell's first."""
    cells = {geohash(lat, lng): None}
    for d_lat in (-1, 0, 1):
        for d_lng in (-1, 0, 1):
            moved_lat = min(90.0, max(-90.0, lat + d_lat * _CELL_LAT))
            moved_lng = (lng + d_lng * _CELL_LNG + 180) % 360 - 180
            cells.setdefault(geohash(moved_lat, moved_lng), None)
    return [_id(name, cell) for cell in cells]
