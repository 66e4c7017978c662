"""The shipped basemap: rivers, urban areas and place names from Natural Earth, small and in the map."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from shapely.geometry import box, shape

from mobility.briefing.maps import assets
from mobility.briefing.maps.base import TOWN_NEAR_NODE_KM, base_map
from mobility.network import load_network
from mobility.network.geometry import haversine_m

DATA = Path(assets.DATA_DIR)
BOX = box(12.0, 50.0, 32.0, 61.0)
FILES = [assets.BASEMAP_FILE, assets.LAKES_FILE, assets.RIVERS_FILE, assets.URBAN_FILE, assets.PLACES_FILE]


@pytest.mark.parametrize("name", FILES)
def test_each_file_is_small_and_its_provenance_row_gives_its_size(name):
    size = (DATA / name).stat().st_size
    assert size < 100_000  # clipped, simplified, rounded: the map stays a reasonable size
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith(f"| `{name}` |"))
    assert f"| {size:,} |" in row and "sha256" in row and "Natural Earth" in row


def test_rivers_are_the_natural_earth_ones_inside_the_box():
    feats = assets._rivers()["features"]
    names = {f["properties"]["name"] for f in feats}
    assert {"Neman", "Neris", "Vistula", "Daugava", "Bug", "Narew"} <= names
    for f in feats:
        geom = shape(f["geometry"])
        assert BOX.buffer(1e-9).contains(geom), f["properties"]["name"]
        coords = re.findall(r"\d+\.\d+", json.dumps(f["geometry"]["coordinates"]))
        assert all(len(c.split(".")[1]) <= 3 for c in coords)  # rounded to 3 decimals
    main = {f["properties"]["name"] for f in feats if not f["properties"]["minor"]}
    assert {"Neman", "Vistula", "Daugava"} <= main and "Narew" not in main  # the supplement shows closer in


def test_urban_areas_cover_the_capitals():
    urban = shape(assets._urban()["features"][0]["geometry"])
    assert BOX.buffer(1e-9).contains(urban)
    for lon, lat in [(25.28, 54.69), (24.11, 56.95), (21.01, 52.23)]:  # Vilnius, Rīga, Warszawa
        assert urban.buffer(0.02).contains(shape({"type": "Point", "coordinates": [lon, lat]}))


def test_places_are_ranked_as_natural_earth_ranks_them():
    places = assets._places()
    assert len(places) >= 100
    ranks = [(p["scalerank"], -p["pop_max"]) for p in places]
    assert ranks == sorted(ranks)
    by_name = {p["name"]: p for p in places}
    assert by_name["Vilnius"]["scalerank"] < by_name["Ełk"]["scalerank"]
    assert all(12 <= p["lon"] <= 32 and 50 <= p["lat"] <= 61 for p in places)


def _town_rows(html: str) -> list[list]:
    rows = re.search(r"rows = (\[\[.*?\]\]);", html, re.S)
    assert rows, "no towns in the page"
    return json.loads(rows.group(1))


def test_the_map_names_towns_away_from_network_nodes_and_draws_rivers_and_urban_areas():
    network = load_network(year=2026)
    html = base_map(network).get_root().render()
    rows = _town_rows(html)
    names = {r[0] for r in rows}
    assert {"Sovetsk", "Lida", "Kaliningrad"} <= names
    nodes = [(network.node(n)["x"], network.node(n)["y"]) for n in network.node_ids]
    for name, lat, lon, rank, _minz in rows:
        assert min(haversine_m(lon, lat, x, y) for x, y in nodes) >= TOWN_NEAR_NODE_KM * 1000, name
        assert rank >= 10_000  # after every network label
    assert "Vilnius" not in names and "Kaunas" not in names  # the network's own labels name them
    assert html.count('"#6b9bcb"') >= 2 and '"#e2d6c2"' in html  # rivers (main, minor), urban tint
    tiles = base_map(network, tiles=True).get_root().render()
    assert "Towns (Natural Earth)" not in tiles and '"#6b9bcb"' not in tiles  # online tiles bring their own
