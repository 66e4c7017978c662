"""The corridor network: gauges by year, the gauge break, roads, routing and its errors."""

from __future__ import annotations

import geopandas as gpd
import osmnx as ox
import pytest

from mobility.errors import NetworkError, NoRouteError
from mobility.network import load_network
from mobility.network.edits import close, sections
from mobility.network.io import network_gpkg
from mobility.network.routing import Mover, Router

YEARS = (2015, 2021, 2025, 2026, 2030, 2031, 2035, 2036, 2040)


@pytest.fixture(scope="module")
def routers() -> dict[int, Router]:
    return {y: Router(load_network(year=y)) for y in YEARS}


@pytest.mark.parametrize("year", [2025, 2030])
def test_standard_gauge_runs_from_the_polish_border_to_palemonas(routers, year):
    route = routers[year].route("trakiszki", "palemonas", Mover.train(gauge=1435))
    assert [leg.mode for leg in route.legs] == ["rail"]
    assert route.legs[0].gauge == 1435
    assert "mockava" in route.nodes and route.gauge_changes == []


@pytest.mark.parametrize("year", [2025, 2030])
def test_no_standard_gauge_path_to_riga_before_the_latvian_section(routers, year):
    with pytest.raises(NoRouteError, match=rf"no 1435 mm rail path from .* to Rīga in {year}: standard gauge"):
        routers[year].route("bialystok", "riga", Mover.train(gauge=1435))


def test_standard_gauge_reaches_riga_in_2036(routers):
    route = routers[2036].route("bialystok", "riga", Mover.train(gauge=1435))
    assert route.gauge_changes == [] and {leg.gauge for leg in route.legs} == {1435}


def test_the_no_route_message_names_where_standard_gauge_ends(routers):
    with pytest.raises(NoRouteError) as exc:
        routers[2025].route("bialystok", "vilnius", Mover.train(gauge=1435))
    msg = str(exc.value)
    assert msg == ("no 1435 mm rail path from Białystok to Vilnius in 2025: standard gauge (1435 mm) ends at "
                   "Kaunas Intermodal Terminal (Palemonas); change gauge there or use 1520 mm stock")


@pytest.mark.parametrize("year", YEARS)
def test_every_gauge_change_happens_at_a_gauge_terminal(routers, year):
    r = routers[year]
    net = r.network
    pairs = [("warszawa_wsch", d) for d in ("vilnius", "gaiziunai", "riga", "tallinn", "pabrade", "klaipeda")]
    pairs += [(o, "bialystok") for o in ("vilnius", "riga", "tallinn")]
    changes = 0
    for o, d in pairs:
        g = 1520 if o in ("vilnius", "riga", "tallinn") else 1435
        route = r.route(o, d, Mover.train(gauge=g, change_gauge=True))
        gauges = [g] + [leg.gauge for leg in route.legs if leg.mode == "rail"]
        for (node, a, b, method) in route.gauge_changes:
            changes += 1
            assert node in net.gauge_terminals and {a, b} == {1435, 1520}
            assert method in ("transload", "bogie_exchange")
            assert net.terminals_at(node, method=method)
        # the stock's gauge changes exactly where the route has a gauge change
        assert len(route.gauge_changes) == sum(1 for a, b in zip(gauges, gauges[1:], strict=False) if a != b)
    assert changes > 0


def test_both_gauges_meet_without_a_terminal_at_kaunas_and_trains_cannot_change_there(routers):
    net = routers[2026].network if 2026 in routers else load_network(year=2026)
    assert {1435, 1520} <= net.gauges_at("kaunas") and "kaunas" not in net.gauge_terminals
    route = routers[2025].route("kaunas", "vilnius", Mover.train(gauge=1435, change_gauge=True))
    assert [c[0] for c in route.gauge_changes] != ["kaunas"]
    assert all(c[0] in net.gauge_terminals for c in route.gauge_changes)


def test_suwalki_trakiszki_mockava_is_single_track_with_tr0603_capacity(routers):
    rail = routers[2026].network.rail
    for u, v in (("suwalki", "trakiszki"), ("trakiszki", "mockava")):
        edges = [d for d in rail[u][v].values() if d["gauge"] == "1435"]
        assert edges and all(d["tracks"] == 1 for d in edges)
        assert all(d["trains_per_day"] == 10 for d in edges)


def test_via_baltica_and_dk16_via_lazdijai_both_join_poland_to_lithuania():
    net = load_network(year=2026)
    convoy = Mover.convoy()  # no weight limit: topology only
    only_e67 = Router(close(net, nodes=["ogrodniki"]))
    only_dk16 = Router(close(net, nodes=["budzisko"]))
    a = only_e67.route("suwalki", "kaunas", convoy)
    b = only_dk16.route("suwalki", "kaunas", convoy)
    assert "budzisko" in a.nodes and "kalvarija" in a.nodes
    assert "ogrodniki" in b.nodes and "lazdijai" in b.nodes
    assert {net.node(n)["country"] for n in a.nodes} >= {"PL", "LT"}


def test_a_heavy_convoy_is_refused_the_lazdijai_road_and_told_why():
    net = close(load_network(year=2026), nodes=["budzisko"])
    with pytest.raises(NoRouteError) as exc:
        Router(net).route("augustow", "lazdijai", Mover.convoy(mlc=70, weight_t=62))
    msg = str(exc.value)
    assert msg.startswith("no road for MLC 70, 62 t path from Augustów to Lazdijai in 2026: ")
    assert "limited to" in msg and " t (" in msg  # names the limit and its source


def test_unknown_network_and_years_outside_the_data_are_clear_errors():
    with pytest.raises(NetworkError, match="unknown network 'nowhere'"):
        load_network("nowhere")
    with pytest.raises(NetworkError, match="outside .* data"):
        load_network(year=1990)


def test_graphs_follow_osmnx_conventions_and_osmnx_tools_work():
    net = load_network(year=2026)
    for g in (net.rail, net.road):
        assert g.graph["crs"] == "EPSG:4326"
        nodes, edges = ox.graph_to_gdfs(g)
        assert len(edges) == g.number_of_edges() and (edges["length"] > 0).all()
        assert set(nodes.columns) >= {"x", "y", "kind", "name", "country"}
        assert edges["source"].notna().all() and (edges["source"] != "").all()
    rail_edges = ox.graph_to_gdfs(net.rail, nodes=False)
    assert set(rail_edges["gauge"]) == {"1435", "1520", "1435;1520"}


def test_every_section_and_node_carries_a_source():
    net = load_network(all_years=True)
    for g in (net.rail, net.road):
        assert all(d.get("source") for _, _, d in g.edges(data=True))
        assert all(d.get("source") for _, d in g.nodes(data=True))
    assert len(sections(net)) > 90


def test_geopackage_has_rail_road_nodes_layers(tmp_path):
    net = load_network(year=2030)
    path = network_gpkg(net, tmp_path / "net.gpkg")
    rail = gpd.read_file(path, layer="rail")
    road = gpd.read_file(path, layer="road")
    nodes = gpd.read_file(path, layer="nodes")
    assert len(rail) == len({d["section"] for _, _, d in net.rail.edges(data=True)})
    assert len(road) == len({d["section"] for _, _, d in net.road.edges(data=True)})
    assert len(nodes) == len(net.node_ids)
    assert rail.crs.to_epsg() == 4326 and set(rail["gauge"]) == {"1435", "1520", "1435;1520"}
    assert not list(tmp_path.glob(".net-*"))  # no temp file left behind


def test_setting_a_terminal_replaces_its_rows_rather_than_adding_to_them():
    from mobility.network.edits import at_year, set_terminal

    every = set_terminal(load_network(all_years=True), "palemonas", "transload", ramps=3)
    for year in (2026, 2030):  # Palemonas has two transload rows from 2027 in the data
        rows = at_year(every, year).terminals_at("palemonas", method="transload")
        assert [t.ramps for t in rows] == [3]
