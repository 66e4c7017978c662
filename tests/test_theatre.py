"""The embedded network reaches the origins of reinforcements, and never runs through Russia or Belarus."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from shapely.geometry import Point, shape

from mobility.errors import NetworkError
from mobility.network import load_network
from mobility.network.routing import Mover, Router

ORIGINS = ["bremerhaven", "hamburg", "bergen_hohne", "berlin", "grafenwohr", "nurnberg", "szczecin", "swinoujscie",
           "drawsko", "poznan", "powidz", "zagan", "swietoszow"]
PORTS = ["klaipeda", "liepaja", "ventspils", "riga_port", "muuga", "paldiski"]
AIRPORTS = ["vilnius_airport", "siauliai_airport", "riga_airport", "tallinn_airport", "amari"]


def _forbidden():
    data = json.loads((resources.files("mobility") / "data" / "basemap-ne50m.geojson").read_text(encoding="utf-8"))
    return {f["properties"]["name"]: shape(f["geometry"]) for f in data["features"]
            if f["properties"]["name"] in ("Russia", "Belarus")}


def test_no_node_or_section_lies_in_kaliningrad_or_belarus():
    bad = _forbidden()
    assert set(bad) == {"Russia", "Belarus"}
    net = load_network(all_years=True)
    for nid in net.node_ids:
        d = net.node(nid)
        for name, poly in bad.items():
            assert not poly.contains(Point(d["x"], d["y"])), f"node {nid} lies in {name}"
    graphs = [net.rail, net.road] + ([net.sea] if getattr(net, "sea", None) is not None else [])
    checked = 0
    for g in graphs:
        for _, _, d in g.edges(data=True):
            checked += 1
            for name, poly in bad.items():
                assert not d["geometry"].intersects(poly), f"section {d['section']} crosses {name}"
    assert checked > 300


def test_the_check_would_catch_a_line_through_kaliningrad():
    bad = _forbidden()
    net = load_network()
    from shapely.geometry import LineString

    a, b = net.node("gdansk"), net.node("kaunas")  # the straight line crosses the Kaliningrad region
    assert LineString([(a["x"], a["y"]), (b["x"], b["y"])]).intersects(bad["Russia"])


@pytest.mark.parametrize("year", [2026, 2036])
def test_every_origin_reaches_the_corridor_by_standard_gauge_rail_and_by_road(year):
    r = Router(load_network(year=year))
    for o in ORIGINS:
        rail = r.route(o, "trakiszki", Mover.train(gauge=1435))
        assert rail.km > 100
        road = r.route(o, "kaunas", Mover.convoy(mlc=70))
        assert any(n == "budzisko" or n == "ogrodniki" for leg in road.legs for n in leg.nodes)


def test_bremerhaven_to_warsaw_by_rail_runs_via_berlin_and_poznan():
    route = Router(load_network()).route("bremerhaven", "warszawa_wsch", Mover.train(gauge=1435))
    nodes = [n for leg in route.legs for n in leg.nodes]
    assert "poznan" in nodes and "frankfurt_oder" in nodes
    assert 700 < route.km < 1100  # straight line 800 km; published-free schematic lengths


def test_baltic_ports_and_airports_are_on_the_road_network_with_capacity():
    net = load_network()
    r = Router(net)
    for p in PORTS:
        assert r.route(p, "rukla", Mover.convoy(mlc=70)).km > 0
        d = net.node(p)
        assert d["kind"] == "port" and d["berths"] >= 1 and d["berths_source"]
    for a in AIRPORTS:
        d = net.node(a)
        assert d["kind"] == "airport" and d["personnel_per_day"] > 0 and d["personnel_per_day_source"]
        assert a in net.road and a not in net.rail
    assert net.node("powidz")["kind"] == "base" and "APS-2" in net.node("powidz")["name"]


def test_a_capacity_row_for_a_node_of_another_kind_is_refused(tmp_path, monkeypatch):
    import shutil

    from mobility.network import builtin

    src = builtin.networks_root() / "baltic"
    dst = tmp_path / "baltic"
    shutil.copytree(src, dst)
    with (dst / "airports.csv").open("a", encoding="utf-8") as fh:
        fh.write("kaunas,100,assumption,BK,BK,\n")
    monkeypatch.setattr(builtin, "networks_root", lambda: tmp_path)
    builtin._build.cache_clear()
    try:
        with pytest.raises(NetworkError, match=r"airports.csv line 7: node_id 'kaunas' is not a airport"):
            builtin.builtin_network("baltic")
    finally:
        builtin._build.cache_clear()
