"""Tests of :func:`mobility.network.osm.from_osm` on real OSM extracts and hand-made fixtures.

Every file used lives in ``tests/data/osm/`` (see its README for provenance).
No test touches the network: sockets are refused for the whole module, and the
online path (place name, bbox) replays a recorded Overpass reply.
"""

from __future__ import annotations

import gzip
import json
import socket
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import osmium
import osmnx as ox
import pytest
import requests
from shapely.geometry import LineString

from mobility.errors import NetworkError
from mobility.network import osm
from mobility.network.model import CRS, Network
from mobility.network.osm import from_osm

DATA = Path(__file__).parent / "data" / "osm"
HANDMADE = DATA / "handmade_gauge_break.osm"
RECORDED_OVERPASS = DATA / "overpass_tczew_rail.recorded.json.gz"
HANDMADE_NOMINATIM = DATA / "nominatim_tczew_test_area.handmade.json"
TCZEW_BBOX = (18.785, 54.085, 18.80, 54.095)  # the bbox the Overpass reply was recorded for

RAIL_KEYS = {
    "section", "osmid", "length", "length_source", "geometry", "geometry_source", "railway",
    "gauge", "gauge_source", "tracks", "electrified", "maxspeed", "maxaxleload", "usage",
    "service", "bridge", "name", "ref", "line", "status", "source", "confidence", "opens",
    "closes", "max_train_length_m", "trains_per_day", "oneway",
}
ROAD_KEYS = {
    "section", "osmid", "length", "length_source", "geometry", "geometry_source", "highway",
    "link", "ref", "name", "lanes", "maxspeed", "maxweight", "mlc", "bridge", "border_crossing",
    "opens", "closes", "source", "confidence", "oneway",
}
NODE_KEYS = {"x", "y", "osmid", "kind", "name", "country", "source"}


# ---------------------------------------------------------------------------
# no network access anywhere in this module
# ---------------------------------------------------------------------------
def _refuse(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError(f"test_osm touched the network: {args!r}")


@pytest.fixture(autouse=True, scope="module")
def _no_network() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(socket.socket, "connect", _refuse)
        mp.setattr(socket.socket, "connect_ex", _refuse)
        mp.setattr(socket, "create_connection", _refuse)
        mp.setattr(socket, "getaddrinfo", _refuse)
        mp.setattr(ox.settings, "use_cache", False)  # no ./cache read or written
        yield


def test_network_access_is_refused() -> None:
    with pytest.raises(AssertionError, match="touched the network"):
        socket.create_connection(("overpass-api.de", 443), timeout=1)
    with pytest.raises(AssertionError, match="touched the network"):
        requests.get("https://nominatim.openstreetmap.org/", timeout=1)


# ---------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pomorskie() -> Network:
    return from_osm(DATA / "pomorskie_pl_rail.osm.bz2")


@pytest.fixture(scope="module")
def helsinki_pbf() -> Network:
    return from_osm(DATA / "helsinki_fi_rail_roads_clipped.osm.pbf")


@pytest.fixture(scope="module")
def handmade() -> Network:
    return from_osm(HANDMADE)


def _check_schema(net: Network) -> None:
    """The invariants every OSM network keeps (schema of mobility.network.model)."""
    for mode, graph, keys in (("rail", net.rail, RAIL_KEYS), ("road", net.road, ROAD_KEYS)):
        assert isinstance(graph, nx.MultiDiGraph)
        assert graph.graph["crs"] == CRS
        sections: dict[str, list[tuple[str, str]]] = {}
        for n, d in graph.nodes(data=True):
            assert NODE_KEYS <= d.keys(), (n, d)
            assert n == f"{mode}:{d['osmid']}"
            assert d["kind"] in ("station", "junction")
        for u, v, d in graph.edges(data=True):
            assert keys <= d.keys(), (u, v, sorted(keys - d.keys()))
            lists = {k for k, val in d.items() if isinstance(val, list) and k != "osmid"}
            assert not lists, (u, v, lists)
            assert d["length"] > 0
            assert isinstance(d["geometry"], LineString)
            first, last = d["geometry"].coords[0], d["geometry"].coords[-1]
            assert first == pytest.approx((graph.nodes[u]["x"], graph.nodes[u]["y"]))
            assert last == pytest.approx((graph.nodes[v]["x"], graph.nodes[v]["y"]))
            assert d["section"].startswith(f"{mode}:osm")
            assert d["source"] == graph.graph["source"]
            sections.setdefault(d["section"], []).append((u, v))
        for section, pairs in sections.items():
            # one section = one edge, or an edge and its reverse
            assert len(pairs) <= 2, section
            if len(pairs) == 2:
                assert pairs[0] == pairs[1][::-1], section
            elif mode == "rail":
                pytest.fail(f"rail section {section} runs one way only")
    assert not set(net.rail) & set(net.road)
    assert net.transfer_nodes == []
    assert net.terminals == ()
    assert net.year is None
    assert net.attribution == "© OpenStreetMap contributors (ODbL 1.0)"
    for _, _, d in net.road.edges(data=True):
        assert d["mlc"] is None and d["border_crossing"] is False
    for _, _, d in net.rail.edges(data=True):
        assert d["trains_per_day"] is None and d["max_train_length_m"] is None
        assert d["opens"] is None and d["closes"] is None


def _edge_summary(graph: nx.MultiDiGraph) -> Counter[tuple[Any, ...]]:
    return Counter(
        (u, v, d["section"], d.get("gauge"), d.get("highway"), round(d["length"], 3))
        for u, v, d in graph.edges(data=True)
    )


def _ways_with_missing_nodes(path: Path) -> int:
    present: set[int] = set()
    missing = 0
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            present.add(obj.id)
        elif any(n.ref not in present for n in obj.nodes):
            missing += 1
    return missing


def _assert_one_line_error(exc: pytest.ExceptionInfo[NetworkError], *names: str) -> str:
    msg = str(exc.value)
    for name in names:
        assert name in msg, msg
    assert "\n" not in msg
    assert "Traceback" not in msg and 'File "' not in msg
    return msg


# ---------------------------------------------------------------------------
# real extracts
# ---------------------------------------------------------------------------
def test_pomorskie_rail_edges_are_standard_gauge_with_schema(pomorskie: Network) -> None:
    net = pomorskie
    assert net.name == "pomorskie_pl_rail"
    assert net.rail.number_of_edges() > 400
    _check_schema(net)
    gauges = Counter(d["gauge"] for _, _, d in net.rail.edges(data=True))
    assert set(gauges) <= {"1435", None}
    assert gauges["1435"] > 0.95 * net.rail.number_of_edges()
    for _, _, d in net.rail.edges(data=True):
        assert d["railway"] == "rail"  # disused and preserved left out by default
        assert d["source"] == "osm:pomorskie_pl_rail.osm.bz2"
        if d["gauge"] is None:
            assert d["gauge_source"] == "unknown: no gauge tag on the OSM way"
        else:
            assert d["gauge_source"] == "osm"
        assert d["electrified"] in (True, False, None)
        assert d["maxspeed"] is None or 0 < d["maxspeed"] <= 200
    lines = {d["line"] for _, _, d in net.rail.edges(data=True)}
    assert {"9", "201", "202"} <= lines  # PKP PLK line numbers from ref
    assert net.road.number_of_edges() == 0  # a rail-only extract
    nodes, edges = ox.graph_to_gdfs(net.rail)
    assert len(nodes) == net.rail.number_of_nodes() and len(edges) == net.rail.number_of_edges()
    assert edges.crs == CRS
    assert edges["length"].sum() > 1_000_000  # over 1000 km of track, both directions


def test_pomorskie_station_points_name_the_nearest_rail_node(pomorskie: Network) -> None:
    stations = {
        d["name"]: d for _, d in pomorskie.rail.nodes(data=True) if d["kind"] == "station"
    }
    assert "Gdańsk Główny" in stations
    assert all(0 <= d["station_distance_m"] <= 300 for d in stations.values())
    assert len(stations) > 50


def test_helsinki_pbf_and_xml_give_1524_rail_and_roads(helsinki_pbf: Network) -> None:
    assert _ways_with_missing_nodes(DATA / "helsinki_fi_rail_roads_clipped.osm.pbf") > 0  # clipped
    from_pbf = helsinki_pbf
    from_xml = from_osm(DATA / "helsinki_fi_rail_roads.osm.bz2")
    for net in (from_pbf, from_xml):
        _check_schema(net)
        assert {d["gauge"] for _, _, d in net.rail.edges(data=True)} == {"1524"}
        assert {d["highway"] for _, _, d in net.road.edges(data=True)} == {"primary", "secondary"}
        assert net.road.number_of_edges() > 50
    # subway (1522) and tram (1000) are not freight railways
    assert all(d["railway"] == "rail" for _, _, d in from_pbf.rail.edges(data=True))
    # the XML was trimmed upstream the same way the PBF is trimmed on reading
    assert set(from_pbf.rail) == set(from_xml.rail)
    assert from_pbf.rail.number_of_edges() == from_xml.rail.number_of_edges()
    # the Helsinki station node stands off the track and names the nearest rail node
    names = {d["name"] for _, d in from_pbf.rail.nodes(data=True) if d["kind"] == "station"}
    assert names == {"Helsinki"}  # the two metro stations (station=subway) are not used


def test_clipped_xml_that_osmnx_refuses_is_read(tmp_path: Path, helsinki_pbf: Network) -> None:
    xml = tmp_path / "helsinki_clipped.osm"
    writer = osmium.SimpleWriter(str(xml))
    for obj in osmium.FileProcessor(str(DATA / "helsinki_fi_rail_roads_clipped.osm.pbf")):
        (writer.add_node if obj.is_node() else writer.add_way)(obj)
    writer.close()
    with pytest.raises(ValueError, match="clipping"):
        ox.graph_from_xml(xml, simplify=False, retain_all=True)
    net = from_osm(xml)
    _check_schema(net)
    assert _edge_summary(net.rail) == _edge_summary(helsinki_pbf.rail)
    assert _edge_summary(net.road) == _edge_summary(helsinki_pbf.road)


def test_kouvola_clipped_pbf_gives_1524_line_and_motorway() -> None:
    pbf = DATA / "kouvola_fi.osm.pbf"
    assert _ways_with_missing_nodes(pbf) > 0
    net = from_osm(pbf)
    _check_schema(net)
    assert {d["gauge"] for _, _, d in net.rail.edges(data=True)} == {"1524"}
    classes = Counter(d["highway"] for _, _, d in net.road.edges(data=True))
    assert set(classes) == {"motorway", "secondary"}
    assert any(d["link"] for _, _, d in net.road.edges(data=True))  # motorway_link kept


def test_aguascalientes_pbf_and_xml_give_the_same_network() -> None:
    a = from_osm(DATA / "aguascalientes_mx.osm.pbf")
    b = from_osm(DATA / "aguascalientes_mx.osm.bz2")
    _check_schema(a)
    assert {d["gauge"] for _, _, d in a.rail.edges(data=True)} == {"1435"}
    assert _edge_summary(a.rail) == _edge_summary(b.rail)
    assert _edge_summary(a.road) == _edge_summary(b.road)


def test_overpass_json_file_with_other_railway_values() -> None:
    path = DATA / "warsaw_metro_pl.overpass.json.gz"
    with pytest.raises(NetworkError) as exc:
        from_osm(path)
    msg = _assert_one_line_error(exc, "warsaw_metro_pl.overpass.json.gz", "railway=subway")
    assert "railway=('rail', 'subway')" in msg
    net = from_osm(path, railway=("subway",), name="metro")
    _check_schema(net)
    assert net.name == "metro"
    edges = list(net.rail.edges(data=True))
    assert {d["railway"] for _, _, d in edges} == {"subway"}
    assert {d["gauge"] for _, _, d in edges} == {"1435"}
    assert all(d["electrified"] is True for _, _, d in edges)  # electrified=rail
    assert {d["line"] for _, _, d in edges} == {"M1", "M2"}


# ---------------------------------------------------------------------------
# the hand-made gauge-break fixture
# ---------------------------------------------------------------------------
def _edges_at(graph: nx.MultiDiGraph, node: str) -> list[dict[str, Any]]:
    return [d for _, _, d in graph.out_edges(node, data=True)] + [
        d for _, _, d in graph.in_edges(node, data=True)
    ]


def test_handmade_gauge_change_survives_simplification(handmade: Network) -> None:
    net = handmade
    _check_schema(net)
    assert sorted(net.rail) == [f"rail:{n}" for n in (1001, 1003, 1004, 1005, 1006, 1007, 1009)]
    # 1435 | dual gauge at 1003, dual gauge | 1520 at 1005: both stay nodes
    assert {d["gauge"] for d in _edges_at(net.rail, "rail:1003")} == {"1435", "1435;1520"}
    assert {d["gauge"] for d in _edges_at(net.rail, "rail:1005")} == {"1435;1520", "1520"}
    assert net.rail.degree("rail:1005") == 4  # two neighbours, both directions
    assert net.gauges_at("rail:1005") == frozenset({1435, 1520})
    assert net.gauge_terminals == []  # OSM gives no gauge-change terminal
    gauges = Counter(d["gauge"] for _, _, d in net.rail.edges(data=True))
    assert gauges == {"1435": 4, "1435;1520": 4, "1520": 4}


def test_handmade_tags_are_parsed(handmade: Network) -> None:
    rail = {d["section"]: d for _, _, d in handmade.rail.edges(data=True)}
    west = rail["rail:osm101:1001-1003"]
    assert (west["gauge"], west["tracks"], west["electrified"]) == ("1435", 2, True)
    assert west["maxspeed"] == 100.0 and west["maxspeed_source"] == "osm maxspeed:freight"
    assert west["maxaxleload"] == 22.5 and west["line"] == "W1" and west["bridge"] is False
    dual = rail["rail:osm102:1003-1004"]
    assert dual["gauge"] == "1435;1520"  # tagged "1520;1435"
    assert (dual["tracks"], dual["electrified"], dual["bridge"]) == (1, False, True)
    assert dual["maxspeed"] == pytest.approx(80.4672)  # 50 mph
    east = rail["rail:osm103:1005-1006"]
    assert (east["gauge"], east["electrified"], east["maxspeed"]) == ("1520", True, 60.0)
    siding = rail["rail:osm104:1004-1009"]  # oneway=yes in OSM, usable both ways
    assert siding["service"] == "siding" and siding["tracks"] is None
    assert handmade.rail.has_edge("rail:1004", "rail:1009")
    assert handmade.rail.has_edge("rail:1009", "rail:1004")
    assert len(rail) == 6  # six two-way sections
    roads = {d["section"]: (u, v, d) for u, v, d in handmade.road.edges(data=True)}
    _, _, primary = roads["road:osm201:1040-1041"]
    assert primary["highway"] == "primary" and primary["ref"] == "H99"
    assert (primary["lanes"], primary["maxspeed"], primary["maxweight"]) == (1, 90.0, 7.5)
    assert primary["bridge"] is True and primary["mlc"] is None
    _, _, secondary = roads["road:osm205:1041-1061"]
    assert secondary["maxweight"] == 20.0 and secondary["maxspeed"] == pytest.approx(48.28032)
    u, v, motorway = roads["road:osm202:1050-1051"]
    assert (u, v) == ("road:1050", "road:1051") and motorway["oneway"] is True
    assert not handmade.road.has_edge("road:1051", "road:1050")  # one-way stays one-way
    assert (motorway["lanes"], motorway["maxspeed"]) == (3, None)  # maxspeed=none: no number
    _, _, link = roads["road:osm203:1051-1052"]
    assert link["highway"] == "motorway" and link["link"] is True
    assert "road:1062" not in handmade.road  # residential left out


def test_handmade_stations(handmade: Network) -> None:
    on_track = handmade.rail.nodes["rail:1004"]
    assert on_track["kind"] == "station" and on_track["name"] == "Handmade Junction"
    snapped = handmade.rail.nodes["rail:1006"]  # an interstitial node kept for the station
    assert snapped["kind"] == "station" and snapped["name"] == "Handmade Off-track"
    assert snapped["station_osmid"] == 1020 and 40 < snapped["station_distance_m"] < 50
    names = {d["name"] for _, d in handmade.rail.nodes(data=True)}
    assert "Handmade Metro" not in names  # station=subway


def test_handmade_gauge_change_node_stops_a_standard_gauge_train(handmade: Network) -> None:
    routing = pytest.importorskip("mobility.network.routing")
    from mobility.errors import NoRouteError

    router = routing.Router(handmade)
    route = router.route("rail:1001", "rail:1004", routing.Mover.train(gauge=1435))
    assert route.nodes == ["rail:1001", "rail:1003", "rail:1004"]  # onto the dual gauge
    with pytest.raises(NoRouteError, match="rail:1005"):
        router.route("rail:1001", "rail:1007", routing.Mover.train(gauge=1435))


def test_handmade_unsimplified_keeps_level_crossing_apart() -> None:
    net = from_osm(HANDMADE, simplify=False)
    _check_schema(net)
    # OSM node 1030 is on the railway and on the road: two nodes, no transfer
    assert "rail:1030" in net.rail and "road:1030" in net.road
    assert net.transfer_nodes == []
    assert "rail:1002" in net.rail  # interstitial nodes stay without simplification
    assert net.rail.number_of_edges() == 2 * 8


def test_osmnx_settings_are_restored() -> None:
    before_way = list(ox.settings.useful_tags_way)
    before_node = list(ox.settings.useful_tags_node)
    from_osm(HANDMADE)
    with pytest.raises(NetworkError):
        from_osm(DATA / "west_oakland_us.osm.bz2")
    assert ox.settings.useful_tags_way == before_way
    assert ox.settings.useful_tags_node == before_node


# ---------------------------------------------------------------------------
# bad input
# ---------------------------------------------------------------------------
def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "expect"),
    [
        (lambda d: d / "missing.osm.pbf", "no such file"),
        (lambda d: _write(d / "empty.osm", b""), "empty file"),
        (lambda d: _write(d / "garbage.osm", b"this is not xml\x00"), "not a readable OSM XML"),
        (lambda d: _write(d / "garbage.osm.pbf", b"\x00\x00\xff\xffnot a pbf"), "not a readable PBF"),
        (lambda d: _write(d / "garbage.osm.bz2", b"BZh9 not bzip2"), "not a readable OSM XML"),
        (
            lambda d: _write(
                d / "truncated.osm.bz2", (DATA / "pomorskie_pl_rail.osm.bz2").read_bytes()[:20_000]
            ),
            "not a readable OSM XML",
        ),
        (lambda d: _write(d / "garbage.json", b"{not json"), "not a readable Overpass JSON"),
        (lambda d: _write(d / "other.json", b'{"type": "FeatureCollection"}'), "not a readable Overpass JSON"),
        (lambda d: _write(d / "network.geojson", b"{}"), "unsupported file type"),
        (lambda d: _write(d / "no_ways.osm", b'<osm version="0.6"></osm>'), "no railway=rail ways"),
        (lambda d: _mkdir(d / "folder.osm"), "not a file"),
    ],
    ids=[
        "missing", "empty", "garbage-xml", "garbage-pbf", "garbage-bz2", "truncated-bz2",
        "garbage-json", "not-overpass-json", "unsupported", "no-ways", "directory",
    ],
)
def test_bad_files_raise_one_line_network_error(tmp_path: Path, make: Any, expect: str) -> None:
    path = make(_mkdir(tmp_path / "in"))
    with pytest.raises(NetworkError) as exc:
        from_osm(path)
    _assert_one_line_error(exc, str(path), expect)


def _mkdir(path: Path) -> Path:
    path.mkdir(exist_ok=True)
    return path


def test_road_only_extract_says_how_to_get_railways() -> None:
    path = DATA / "west_oakland_us.osm.bz2"
    with pytest.raises(NetworkError) as exc:
        from_osm(path)
    msg = _assert_one_line_error(exc, str(path), "no railway=rail ways in this extract")
    assert "osmium tags-filter" in msg and "w/railway=rail" in msg
    assert "railway=subway (2 ways)" in msg
    net = from_osm(path, railway=("rail", "subway"))  # BART is tagged subway, 1676 mm
    assert {d["gauge"] for _, _, d in net.rail.edges(data=True)} == {"1676"}


@pytest.mark.parametrize(
    ("kwargs", "expect"),
    [
        ({"path": HANDMADE, "place": "Suwałki"}, "exactly one of path, place or bbox"),
        ({}, "exactly one of path, place or bbox"),
        ({"place": "Suwałki", "bbox": (22.0, 54.0, 23.0, 54.5)}, "exactly one"),
        ({"bbox": (23.0, 54.0, 22.0, 54.5)}, "west < east"),
        ({"bbox": (22.0, 54.0, 23.0)}, "four numbers"),
        ({"place": "  "}, "place name"),
        ({"path": HANDMADE, "railway": ()}, "railway="),
    ],
)
def test_bad_arguments_raise_network_error(kwargs: dict[str, Any], expect: str) -> None:
    with pytest.raises(NetworkError) as exc:
        from_osm(**kwargs)
    _assert_one_line_error(exc, expect)


# ---------------------------------------------------------------------------
# tag parsing
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expect"),
    [("1435", "1435"), ("1520", "1520"), ("1524", "1524"), ("1435;1520", "1435;1520"),
     ("1520;1435", "1435;1520"), (" 1520 ; 1435 ", "1435;1520"), ("standard", None), (None, None)],
)
def test_parse_gauge(value: str | None, expect: str | None) -> None:
    assert osm._parse_gauge(value) == expect


@pytest.mark.parametrize(
    ("value", "expect"),
    [("120", 120.0), ("120 km/h", 120.0), ("50 mph", 80.4672), ("100;80", 80.0),
     ("80;50 mph", 80.0), ("RU:urban", None), ("none", None), ("signals", None), (None, None)],
)
def test_parse_maxspeed(value: str | None, expect: float | None) -> None:
    assert osm._parse_maxspeed(value) == (pytest.approx(expect) if expect else None)


@pytest.mark.parametrize(
    ("value", "expect"),
    [("7.5", 7.5), ("7.5 t", 7.5), ("7,5t", 7.5), ("20000 kg", 20.0), ("10 st", 9.0718474),
     ("none", None), (None, None)],
)
def test_parse_weight(value: str | None, expect: float | None) -> None:
    assert osm._parse_weight(value) == (pytest.approx(expect) if expect else None)


@pytest.mark.parametrize(
    ("value", "expect"),
    [("contact_line", True), ("rail", True), ("yes", True), ("contact_line;rail", True),
     ("no", False), ("unknown", None), (None, None)],
)
def test_parse_electrified(value: str | None, expect: bool | None) -> None:
    assert osm._parse_electrified(value) is expect


def test_longest_run_of_present_nodes() -> None:
    present = {1, 2, 3, 4, 5, 6}.__contains__
    assert osm._longest_run([1, 2, 99, 3, 4, 5, 98, 6], present) == [3, 4, 5]
    assert osm._longest_run([1, 2, 99, 3, 4], present) == [1, 2]  # first on a tie
    assert osm._longest_run([99, 98], present) == []


def test_parse_tracks_and_merged_values() -> None:
    assert osm._parse_int("2") == 2 and osm._parse_int("1;2") == 1 and osm._parse_int("x") is None
    assert osm._agg_electrified([True, True]) is True
    assert osm._agg_electrified([True, None]) is None
    assert osm._agg_electrified([True, False]) is False
    assert osm._agg_min([2, None, 1]) == 1 and osm._agg_min([None]) is None
    assert osm._agg_text(["B", "A", None, "B"]) == "A;B"
    assert osm._agg_osmid([5, 3, 5]) == [3, 5] and osm._agg_osmid([7, 7]) == 7


# ---------------------------------------------------------------------------
# online path, replayed from a recorded Overpass reply
# ---------------------------------------------------------------------------
def _recorded_overpass() -> dict[str, Any]:
    with gzip.open(RECORDED_OVERPASS, "rt", encoding="utf-8") as fh:
        return json.load(fh)


@pytest.fixture
def replay(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replay the recorded reply for the railway query, an empty one for the road query."""
    queries: list[str] = []
    recorded = _recorded_overpass()

    def overpass_request(data: dict[str, Any]) -> dict[str, Any]:
        query = data["data"]
        queries.append(query)
        if '["railway"' in query:
            return recorded
        return {k: recorded[k] for k in ("version", "generator", "osm3s")} | {"elements": []}

    def nominatim_request(params: dict[str, Any], request_type: str = "search") -> list[Any]:
        assert params["q"] == "Tczew test area" and request_type == "search"
        return json.loads(HANDMADE_NOMINATIM.read_text(encoding="utf-8"))

    monkeypatch.setattr(ox._overpass, "_overpass_request", overpass_request)
    monkeypatch.setattr(ox._nominatim, "_nominatim_request", nominatim_request)
    return queries


def _check_tczew(net: Network, queries: list[str]) -> None:
    _check_schema(net)
    assert len(queries) == 2
    assert any('way["railway"~"^(rail)$"]' in q for q in queries)
    assert any('way["highway"~"^(motorway|trunk|primary|secondary)(_link)?$"]' in q for q in queries)
    edges = list(net.rail.edges(data=True))
    assert len(edges) > 10
    assert {d["gauge"] for _, _, d in edges} == {"1435"}
    assert {"9", "131"} <= {d["line"] for _, _, d in edges}
    assert all(d["source"] == "osm:overpass" for _, _, d in edges)
    west, south, east, north = TCZEW_BBOX
    for _, d in net.rail.nodes(data=True):  # truncated to the query area
        assert west - 0.001 <= d["x"] <= east + 0.001 and south - 0.001 <= d["y"] <= north + 0.001
    assert net.road.number_of_edges() == 0


def test_bbox_query_replayed(replay: list[str]) -> None:
    net = from_osm(bbox=TCZEW_BBOX)
    _check_tczew(net, replay)
    assert net.name == "bbox 18.785,54.085,18.8,54.095"


def test_place_query_replayed(replay: list[str]) -> None:
    net = from_osm(place="Tczew test area")
    _check_tczew(net, replay)
    assert net.name == "Tczew test area"


def test_failed_query_is_a_network_error(monkeypatch: pytest.MonkeyPatch) -> None:
    def down(data: dict[str, Any]) -> dict[str, Any]:
        raise requests.ConnectionError("Max retries exceeded with url: /api/interpreter")

    monkeypatch.setattr(ox._overpass, "_overpass_request", down)
    with pytest.raises(NetworkError) as exc:
        from_osm(bbox=TCZEW_BBOX)
    _assert_one_line_error(exc, "bbox (18.785,54.085,18.8,54.095)", "query failed", "from_osm(path)")


def test_query_without_railways_is_a_network_error(monkeypatch: pytest.MonkeyPatch) -> None:
    recorded = _recorded_overpass()
    monkeypatch.setattr(
        ox._overpass, "_overpass_request", lambda data: {**recorded, "elements": []}
    )
    with pytest.raises(NetworkError) as exc:
        from_osm(bbox=TCZEW_BBOX)
    _assert_one_line_error(exc, "bbox (18.785,54.085,18.8,54.095)", "no railway=rail ways")
