"""Real line geometry: OSM and Natural Earth lines on the sections, schematic where the data lacks them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from shapely.geometry import LineString, Polygon, shape
from shapely.ops import unary_union

from mobility.network import load_network
from mobility.network.builtin import builtin_network
from mobility.network.geometry import (
    RAIL_RULE,
    ROAD_RULE,
    Rule,
    crosses,
    haversine_m,
    line_length_m,
    match_section,
    parse_geometry,
    rail_graph,
    real_geometry_share,
    road_graph,
    section_geometry,
)
from mobility.network.io import describe

ROOT = Path(__file__).resolve().parents[1]
BALTIC = ROOT / "networks" / "baltic"


def _matches() -> dict[str, dict[str, str]]:
    with (BALTIC / "geometry_matches.csv").open(encoding="utf-8", newline="") as fh:
        return {r["section"]: r for r in csv.DictReader(fh)}


def _sections(graph) -> dict[str, tuple[str, str, dict]]:
    out = {}
    for u, v, d in graph.edges(data=True):
        out.setdefault(d["section"], (u, v, d))
    return out


@pytest.fixture(scope="module")
def network():
    return builtin_network("baltic")


@pytest.fixture(scope="module")
def avoid():
    fc = json.loads((BALTIC / "geodata" / "avoid_ru_by.geojson").read_text(encoding="utf-8"))
    assert {f["properties"]["name"] for f in fc["features"]} == {"Russia", "Belarus"}
    return unary_union([shape(f["geometry"]) for f in fc["features"]])


# --------------------------------------------------------------------------- the shipped network


def test_match_table_covers_every_section_and_the_edges_carry_its_verdict(network):
    table = _matches()
    edges = {**_sections(network.rail), **_sections(network.road)}
    assert set(edges) == set(table), "run python networks/baltic/build_geometry.py after editing sections"
    for sid, (_, _, d) in edges.items():
        row = table[sid]
        assert d["geometry_source"] == row["geometry_source"], sid
        assert (row["verdict"] == "ok") == (row["geometry_source"] != "schematic"), sid
        if row["geometry_source"] == "schematic":
            assert len(d["geometry"].coords) == 2, sid
        else:  # a real line: more than the two end points, the stored length
            assert len(d["geometry"].coords) > 2, sid
            assert d["geometry_detail"] and d["geometry_detail"] != "straight line between the nodes"


# The 51 rail rows that shared/data/ne-rail-corridor/check_sections.py (an independent script) matched
# to Natural Earth (verdict ok in its sections_ne.csv, run on the 62 rows of the first network)
SHARED_CHECK_OK = """
gdynia-gdansk:1435 gdansk-warszawa_wsch:1435 warszawa_wsch-tluszcz:1435 tluszcz-sadowne:1435
sadowne-malkinia:1435 malkinia-czyzew:1435 czyzew-lapy:1435 lapy-bialystok:1435 bialystok-sokolka:1435
sokolka-dabrowa_bial:1435 dabrowa_bial-augustow:1435 augustow-suwalki:1435 suwalki-trakiszki:1435
trakiszki-mockava:1435 bialystok-monki:1435 monki-grajewo:1435 grajewo-elk:1435 elk-orzysz:1435
elk-suwalki:1435 sestokai-kazlu_ruda:1435 kazlu_ruda-kaunas:1435 kaunas-palemonas:1435
sestokai-kazlu_ruda:1520 sestokai-alytus:1520 kazlu_ruda-kaunas:1520 kaunas-palemonas:1520
kaunas-kaisiadorys:1520 kaisiadorys-vilnius:1520 kaisiadorys-gaiziunai:1520 palemonas-gaiziunai:1520
gaiziunai-jonava:1520 jonava-radviliskis:1520 radviliskis-siauliai:1520 siauliai-klaipeda:1520
radviliskis-panevezys:1520 panevezys-daugavpils:1520 siauliai-meitene:1520 siauliai-renge:1520
vilnius-n_vilnia:1520 n_vilnia-pabrade:1520 pabrade-turmantas:1520 daugavpils-krustpils:1520
krustpils-riga:1520 meitene-jelgava:1520 jelgava-riga:1520 renge-jelgava:1520 riga-valga:1520
valga-tartu:1520 tartu-tapa:1520 tapa-tallinn:1520 tallinn-paldiski:1520
""".split()


def test_every_rail_row_the_shared_check_matched_has_real_geometry():
    """The build agrees with the shared check on the first network's rows; planned lines stay schematic."""
    table = _matches()
    assert len(SHARED_CHECK_OK) == 51
    for sid in SHARED_CHECK_OK:
        assert table["rail:" + sid]["geometry_source"] in ("osm", "naturalearth"), sid
    for r in table.values():
        if r["mode"] == "rail" and r["status"] != "open":  # Rail Baltica: Natural Earth has today's lines
            assert r["geometry_source"] == "schematic" and r["verdict"] == "planned", r["section"]
    # the shared check's 3 'check' rows fail here too, each for its stated reason
    assert "published 7.5 km" in table["rail:mockava-sestokai:1435;1520"]["reason"]
    assert "published 25.2 km" in table["rail:turmantas-daugavpils:1520"]["reason"]
    assert "snap" in table["rail:tallinn-muuga:1520"]["reason"]
    # what the data lacks: the roads via Lazdijai are not in Natural Earth at scalerank <= 7
    for sid in ("road:ogrodniki-lazdijai", "road:lazdijai-alytus"):
        assert table[sid]["geometry_source"] == "schematic" and "snap" in table[sid]["reason"]


def test_accepted_matches_pass_the_rule_they_claim():
    for r in _matches().values():
        if r["geometry_source"] != "naturalearth":
            continue
        rule = RAIL_RULE if r["mode"] == "rail" else ROAD_RULE
        assert max(float(r["snap_from_m"]), float(r["snap_to_m"])) <= rule.max_snap_m, r["section"]
        if r["published_km"]:
            pub = float(r["published_km"])
            assert abs(float(r["path_km"]) - pub) <= rule.published_tol * pub, r["section"]
        else:
            assert rule.ratio_lo <= float(r["ratio"]) <= rule.ratio_hi, r["section"]


def test_no_geometry_crosses_kaliningrad_or_belarus(network, avoid):
    for graph in (network.rail, network.road):
        for sid, (_, _, d) in _sections(graph).items():
            assert not d["geometry"].intersects(avoid), sid


def test_geometry_runs_from_the_first_node_to_the_second(network):
    for graph in (network.rail, network.road):
        for u, v, d in graph.edges(data=True):
            first, last = d["geometry"].coords[0], d["geometry"].coords[-1]
            a, b = graph.nodes[u], graph.nodes[v]
            assert haversine_m(*first, a["x"], a["y"]) < 1.0, (d["section"], u)
            assert haversine_m(*last, b["x"], b["y"]) < 1.0, (d["section"], v)


def test_real_geometry_gives_the_length_unless_a_length_is_published(network):
    for graph in (network.rail, network.road):
        for _, _, d in graph.edges(data=True):
            if d["length_source"] == "published":
                continue
            drawn = line_length_m(list(d["geometry"].coords))
            if d["geometry_source"] == "schematic":
                assert d["length"] == pytest.approx(drawn * 1.15), d["section"]
            else:
                assert d["length"] == pytest.approx(drawn), d["section"]
                assert d["length_source"] == f"geometry ({d['geometry_source']})"


def test_describe_reports_the_share_of_sections_with_real_geometry_by_mode():
    net = load_network(year=2026)
    rail, road = real_geometry_share(net.rail), real_geometry_share(net.road)
    in_service = {r["section"] for r in _matches().values()}
    assert rail["total"] + road["total"] < len(in_service)  # the year filter applies
    assert rail["real"] == rail["osm"] + rail["naturalearth"] and rail["osm"] == 8  # 6 + the Liepāja and Ventspils lines
    text = describe(net)
    assert (f"real line geometry, sections in service in 2026: rail {rail['real']} of {rail['total']} "
            f"({rail['real'] / rail['total']:.0%}: osm {rail['osm']}, naturalearth {rail['naturalearth']}; "
            f"schematic {rail['schematic']}), road {road['real']} of {road['total']}") in text


def test_shipped_geometry_is_what_the_build_makes_from_the_shipped_extracts():
    """One command rebuilds it; the files in the repository are its output (offline: no shared/data needed)."""
    res = subprocess.run([sys.executable, str(BALTIC / "build_geometry.py"), "--offline", "--check"],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stdout[-2000:] + res.stderr[-2000:]
    assert "shipped geometry is up to date" in res.stdout


# --------------------------------------------------------------------------- the pure functions


def _rail(*lines):
    return [{"type": "Feature", "properties": {"featurecla": "Railroad"},
             "geometry": {"type": "LineString", "coordinates": [list(c) for c in ln]}} for ln in lines]


def _road(*lines):
    return [{"type": "Feature", "properties": {"featureclass": "Road", "type": "Road"},
             "geometry": {"type": "LineString", "coordinates": [list(c) for c in ln]}} for ln in lines]


def test_a_rail_path_is_accepted_and_starts_and_ends_at_the_nodes():
    line = [(23.0 + i * 0.01, 54.0) for i in range(101)]  # about 65 km east-west
    g = rail_graph(_rail(line))
    a, b = (23.0, 54.002), (24.0, 54.001)
    m = match_section(g, a, b, section="s", rule=RAIL_RULE)
    assert m.ok and m.coords[0] == a and m.coords[-1] == b
    assert m.snap_from_m == pytest.approx(222, abs=2)
    assert m.ratio == pytest.approx(1.0, abs=0.01)


def test_a_path_longer_than_the_rule_or_the_published_length_is_rejected():
    detour = [(23.0, 54.0), (23.5, 54.4), (24.0, 54.0)]  # about 2 x the straight line
    g = rail_graph(_rail(detour))
    m = match_section(g, (23.0, 54.0), (24.0, 54.0), section="s", rule=RAIL_RULE)
    assert m.verdict == "rejected" and "outside 1.0-1.6" in m.reason
    straight = [(23.0, 54.0), (24.0, 54.0)]
    g = rail_graph(_rail(straight))
    m = match_section(g, (23.0, 54.0), (24.0, 54.0), section="s", rule=RAIL_RULE, published_km=80.0)
    assert m.verdict == "rejected" and "published 80 km" in m.reason
    m = match_section(g, (23.0, 54.0), (24.0, 54.0), section="s", rule=Rule(max_snap_m=1.0), published_km=65.6)
    assert m.ok


def test_rail_lines_meeting_without_a_shared_vertex_are_joined_within_300_m():
    west = [(23.0, 54.0), (23.5, 54.0)]
    east = [(23.502, 54.0), (24.0, 54.0)]  # a 130 m gap
    m = match_section(rail_graph(_rail(west, east)), (23.0, 54.0), (24.0, 54.0), section="s", rule=RAIL_RULE)
    assert m.ok
    far = [(23.52, 54.0), (24.0, 54.0)]  # a 1.3 km gap: two unconnected parts, snapped to the larger
    m = match_section(rail_graph(_rail(west, far)), (23.0, 54.0), (24.0, 54.0), section="s", rule=RAIL_RULE)
    assert not m.ok


def test_no_path_runs_through_an_avoided_area():
    direct = [(23.0, 54.0), (23.5, 54.0), (24.0, 54.0)]
    around = [(23.0, 54.0), (23.5, 54.15), (24.0, 54.0)]
    area = Polygon([(23.3, 53.95), (23.7, 53.95), (23.7, 54.05), (23.3, 54.05)])
    g = rail_graph(_rail(direct, around), avoid=area)
    m = match_section(g, (23.0, 54.0), (24.0, 54.0), section="s", rule=RAIL_RULE)
    assert m.ok and max(y for _, y in m.coords) > 54.1
    assert not crosses(m.coords, area) and crosses(direct, area)
    g = road_graph(_road(direct, around), avoid=area, points=[(23.0, 54.0), (24.0, 54.0)])
    m = match_section(g, (23.0, 54.0), (24.0, 54.0), section="s", rule=ROAD_RULE, snap="point")
    assert m.ok and not crosses(m.coords, area)


def test_roads_crossing_without_a_vertex_are_noded_and_nodes_tie_to_the_nearest_line():
    ns = [(23.5, 53.7), (23.5, 54.3)]
    ew = [(23.0, 54.0), (24.0, 54.0)]
    a, b = (23.5, 53.72), (23.98, 54.01)  # near the north-south road / near the east end of the other
    g = road_graph(_road(ns, ew), points=[a, b])
    m = match_section(g, a, b, section="s", rule=ROAD_RULE, snap="point")
    assert m.ok
    assert (23.5, 54.0) in [(round(x, 6), round(y, 6)) for x, y in m.coords]  # through the crossing
    assert m.snap_to_m == pytest.approx(1112, abs=5)  # tied to the nearest point, not the nearest vertex


def test_ferries_are_not_lines_to_route_on():
    ferry = [{"type": "Feature", "properties": {"featurecla": "Railroad ferry"},
              "geometry": {"type": "LineString", "coordinates": [[23.0, 54.0], [24.0, 54.0]]}}]
    assert rail_graph(ferry).number_of_nodes() == 0


def test_parse_geometry_refuses_unknown_sources_with_the_file_and_field():
    feat = {"type": "Feature", "properties": {"section": "rail:a-b:1435", "geometry_source": "guess"},
            "geometry": {"type": "LineString", "coordinates": [[23, 54], [24, 54]]}}
    with pytest.raises(ValueError, match=r"g\.geojson: feature 'rail:a-b:1435' has geometry_source 'guess'"):
        parse_geometry({"features": [feat]}, path="g.geojson")
    feat["properties"] = {"geometry_source": "osm"}
    with pytest.raises(ValueError, match="feature 0 has no 'section'"):
        parse_geometry({"features": [feat]}, path="g.geojson")
    feat["properties"] = {"section": "s", "source": "osm:rail-lv (OSM ways)"}  # files of the first pass
    parsed = parse_geometry({"features": [feat]})
    line, src = section_geometry("s", (24.0, 54.0), (23.0, 54.0), parsed)
    assert src == "osm" and line.coords[0] == (24.0, 54.0)  # oriented from the first node
    line, src = section_geometry("other", (24.0, 54.0), (23.0, 54.0), parsed)
    assert src == "schematic" and line.equals(LineString([(24, 54), (23, 54)]))
