"""Offline folium maps: no internet references, layers, legend, escaping, atomic save.

The event log, bottleneck table and tier table used here are SYNTHETIC: made by
hand on the real embedded network to exercise the map functions; they are not
simulation results.
"""

from __future__ import annotations

import html
import math
import os
import re
from pathlib import Path

import folium
import pandas as pd
import pytest
from folium.plugins import Fullscreen

from mobility.briefing import maps
from mobility.briefing.maps import base, playback
from mobility.network import load_network

COLUMNS = ["time", "unit", "mover", "mode", "event", "place", "resource", "troops", "vehicles"]
RAIL_SECTION = "rail:suwalki-trakiszki:1435"
ROAD_SECTION = "road:suwalki-budzisko"
VENDORED_BLOCK = re.compile(
    r"<(script|style)\b[^>]*data-vendored[^>]*>.*?</\1>", re.DOTALL | re.IGNORECASE
)
# a citation's link (<a href=... target=_blank>) is followed only when clicked: the page never loads it
CITATION_LINK = re.compile(
    r'(?:<|\\u003c)a href=\\?"[^"]*?\\?" target=\\?"_blank\\?" rel=\\?"noopener noreferrer\\?"'
)
URL_ATTR = re.compile(
    r"\b(?:src|href)\s*=\s*\\?[\"']?\s*((?:https?:)?//[^\"'\s>\\]*)", re.IGNORECASE
)


def synthetic_events() -> pd.DataFrame:
    """A SYNTHETIC event log (docs/event-log.md columns): two trains, one march unit."""
    r1, r2, v1 = "abct-1/rail/1", "abct-1/rail/2", "abct-1/road/1"
    track = f"track:{RAIL_SECTION}:fwd"
    rows = [
        (0.0, "abct-1", "", "", "ready", "suwalki", "", 1300, 240),
        (0.0, "abct-1", r1, "rail", "load", "suwalki", "ramp:suwalki", 400, 60),
        (6.0, "abct-1", r1, "rail", "loaded", "suwalki", "ramp:suwalki", 400, 60),
        (8.0, "abct-1", r1, "rail", "enter", RAIL_SECTION, track, 400, 60),
        (10.0, "abct-1", r1, "rail", "leave", RAIL_SECTION, track, 400, 60),
        (10.0, "abct-1", r1, "rail", "request", "trakiszki", "border:trakiszki", 400, 60),
        (12.0, "abct-1", r1, "rail", "arrive", "trakiszki", "", 400, 60),
        (20.0, "abct-1", r2, "rail", "load", "suwalki", "ramp:suwalki", 400, 60),
        (26.0, "abct-1", r2, "rail", "loaded", "suwalki", "ramp:suwalki", 400, 60),
        (30.0, "abct-1", r2, "rail", "enter", RAIL_SECTION, track, 400, 60),
        (36.0, "abct-1", r2, "rail", "leave", RAIL_SECTION, track, 400, 60),
        (36.0, "abct-1", r2, "rail", "arrive", "trakiszki", "", 400, 60),
        (2.0, "abct-1", v1, "road", "enter", ROAD_SECTION, "", 500, 120),
        (4.0, "abct-1", v1, "road", "leave", ROAD_SECTION, "", 500, 120),
        (4.0, "abct-1", v1, "road", "request", "budzisko", "border:budzisko", 500, 120),
        (5.0, "abct-1", v1, "road", "cleared", "budzisko", "border:budzisko", 500, 120),
        (5.0, "abct-1", v1, "road", "arrive", "budzisko", "", 500, 120),
        (36.0, "abct-1", "", "", "closed", "trakiszki", "", 1300, 240),
    ]
    return pd.DataFrame(rows, columns=COLUMNS)


def synthetic_bottlenecks() -> pd.DataFrame:
    """SYNTHETIC bottleneck table: one node resource, one section resource."""
    return pd.DataFrame(
        [
            ("ramp:suwalki", "ramp", "suwalki", 1, 0.9, 7.5, 14.0, 2),
            (f"track:{RAIL_SECTION}:fwd", "track", RAIL_SECTION, 10, 0.4, 1.5, 2.0, 2),
        ],
        columns=[
            "resource",
            "kind",
            "place",
            "capacity",
            "utilisation",
            "mean_wait_h",
            "max_wait_h",
            "requests",
        ],
    )


def synthetic_tiers() -> pd.DataFrame:
    """SYNTHETIC tier table: tier 1 short, tier 2 met in time, tier 3 met late."""
    return pd.DataFrame(
        {
            "day": [10, 30, 60],
            "required": [1000, 1300, 1500],
            "closed": [900, 1300, 1300],
            "met_day": [math.nan, 2.0, 75.0],
        }
    )


@pytest.fixture(scope="module")
def network():
    return load_network(year=2026)


def full_map(network, **kwargs) -> folium.Map:
    m = maps.network_map(network, title="Test map", **kwargs)
    events = synthetic_events()
    maps.add_flows(m, network, events)
    maps.add_bottlenecks(m, network, synthetic_bottlenecks())
    maps.add_playback(m, network, events)
    maps.add_tier_table(m, synthetic_tiers(), scenario="synthetic", year=2026)
    return m


@pytest.fixture(scope="module")
def page(network, tmp_path_factory) -> str:
    path = maps.save_map(full_map(network), tmp_path_factory.mktemp("map") / "map.html")
    return path.read_text(encoding="utf-8")


def online_urls(page: str) -> list[str]:
    """http(s) or protocol-relative URLs in src=/href= outside the vendored libraries and citation links."""
    return URL_ATTR.findall(CITATION_LINK.sub("", VENDORED_BLOCK.sub("", page)))


def test_synthetic_sections_exist(network):
    sections = {
        d.get("section") for g in (network.rail, network.road) for *_, d in g.edges(data=True)
    }
    assert {RAIL_SECTION, ROAD_SECTION} <= sections


def test_no_internet_references(page):
    assert online_urls(page) == []
    assert maps.external_references(page) == []
    assert "cdn.jsdelivr" not in page and "cdnjs" not in page and "code.jquery" not in page
    assert 'data-vendored="leaflet 1.9.3"' in page
    assert "tile.openstreetmap" not in page  # no tiles by default


def test_tiles_only_when_asked(network, tmp_path):
    page = maps.save_map(maps.network_map(network, tiles=True), tmp_path / "t.html").read_text(
        encoding="utf-8"
    )
    assert "tile.openstreetmap.org" in page
    # the tile URL is a Leaflet template, not a src/href the page loads on its own
    assert online_urls(page) == []


def test_layers_legend_title_attribution(page, network):
    for name in (
        "Rail 1435 mm",
        "Rail 1520 mm",
        "Rail Baltica (status in 2026)",
        "Roads: motorway",
        "Roads: expressway / trunk road",
        "Gauge-change terminals",
        "Railheads and ramps",
        "Ports",
        "Border crossings",
        "Flows",
        "Bottlenecks",
        "Playback",
    ):
        assert f'"{name}' in page, name
    assert "L.control.layers(" in page
    assert 'id="mob-legend"' in page and 'id="mob-title"' in page and "Test map" in page
    assert "Schematic geometry" in page
    assert "under construction in 2026" in page  # Rail Baltica status from the all-years data
    assert "OpenStreetMap contributors" in page and "ODbL" in page
    assert "addAttribution(" in page and "Natural Earth" in page
    assert "MLC not published" in page
    assert "short by 100" in page and "met D+2<" in page  # tier table
    assert 'short by 200</span> · <span class="mob-late">met D+75' in page  # met after its day


def test_flows_sum_both_movers(page):
    # tooltips are JSON-encoded in the page ("·" is \u00b7)
    assert "800 troops \\u00b7 120 vehicles" in page  # two trains of 400 over the rail section
    assert "500 troops \\u00b7 120 vehicles" in page  # the march unit on the road section


def test_flows_reject_unknown_measure(network):
    with pytest.raises(ValueError, match="measure"):
        maps.add_flows(maps.network_map(network), network, synthetic_events(), measure="tons")


def test_playback_interpolates_along_the_section(network):
    tracks = {t.mover: t for t in playback._tracks(network, synthetic_events())}
    train = tracks["abct-1/rail/1"]
    s, t = network.node("suwalki"), network.node("trakiszki")
    assert train.position(3.0) == pytest.approx((s["x"], s["y"]))  # loading at Suwałki
    mid = train.position(9.0)  # halfway between enter (8 h) and leave (10 h)
    line = next(
        d["geometry"]
        for u, v, d in network.rail.edges("suwalki", data=True)
        if d["section"] == RAIL_SECTION
    )
    expect = line.interpolate(0.5, normalized=True)
    assert mid == pytest.approx((expect.x, expect.y), abs=0.02)
    assert train.position(11.0) == pytest.approx((t["x"], t["y"]))
    assert tracks["abct-1/rail/2"].position(1.0) is None  # not started yet
    assert train.arrive == 12.0


def test_names_are_escaped(network, tmp_path):
    evil = '<script>alert("x")</script>'
    rail, road = network.rail.copy(), network.road.copy()
    for g in (rail, road):
        if "suwalki" in g:
            g.nodes["suwalki"]["name"] = evil
        for *_, d in g.edges(data=True):
            if d.get("section") == RAIL_SECTION:
                d["name"] = "`${alert(2)}` \\ " + evil
    net = network.with_graphs(rail=rail, road=road)
    m = maps.network_map(net, title=evil)
    maps.add_playback(m, net, synthetic_events())
    maps.add_tier_table(m, synthetic_tiers(), scenario=evil, year=2026)
    page = maps.save_map(m, tmp_path / "x.html").read_text(encoding="utf-8")
    assert "<script>alert" not in page
    assert "\\u003cscript\\u003ealert" not in page  # nor raw inside embedded JSON (innerHTML)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page  # title box and tier table
    assert "lt;script\\u0026gt;alert" in page  # tooltips and popups: escaped, then JSON-encoded
    # backtick, ${...} and backslash cannot end or interpolate folium's JS template strings
    assert "${alert(2)}" not in page and "#36;{alert(2)}" in page
    assert "#96;" in page and "#92;" in page


def test_save_map_is_atomic(network, tmp_path, monkeypatch):
    m = maps.network_map(network)
    target = tmp_path / "map.html"
    target.write_text("old map", encoding="utf-8")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(base.os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        maps.save_map(m, target)
    assert target.read_text(encoding="utf-8") == "old map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]  # no temp file left

    monkeypatch.undo()
    new = tmp_path / "new.html"

    def broken_fsync(fd):
        raise OSError("io error")

    monkeypatch.setattr(base.os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="io error"):
        maps.save_map(m, new)
    assert not new.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.html"]


def test_save_map_writes_a_readable_file(network, tmp_path):
    path = maps.save_map(maps.network_map(network), tmp_path / "sub" / "m.html")
    assert isinstance(path, Path) and path.is_file()
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask  # like any file, not mkstemp's 0600
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_save_map_refuses_cdn_assets(network, tmp_path):
    m = maps.network_map(network)
    Fullscreen().add_to(m)  # a plugin whose assets are not vendored
    with pytest.raises(ValueError, match="internet"):
        maps.save_map(m, tmp_path / "cdn.html")
    assert not (tmp_path / "cdn.html").exists()


def test_empty_outputs_do_not_break_the_map(network, tmp_path):
    m = maps.network_map(network)
    empty = pd.DataFrame(columns=COLUMNS)
    maps.add_flows(m, network, empty)
    maps.add_bottlenecks(m, network, pd.DataFrame(columns=synthetic_bottlenecks().columns))
    maps.add_playback(m, network, empty)
    page = maps.save_map(m, tmp_path / "e.html").read_text(encoding="utf-8")
    assert '"Flows"' in page and '"Playback"' in page


def _decoded(page: str) -> str:
    """The page's text as a reader sees it: JSON escapes of the GeoJSON and HTML entities undone."""
    text = re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page).replace('\\"', '"')
    return html.unescape(text)


def test_popups_speak_plain_words_and_cite_in_full(page):
    text = _decoded(page)
    # no developer text: no factor arithmetic, no script names, no "unknown (not guessed)"
    for dev in ("check.py", "straight line x 1.15", "not guessed", "Status (data)", "highway=", "tracks unknown"):
        assert dev not in text, dev
    assert "estimated: straight-line distance between the ends × 1.15" in text
    assert "schematic: a straight line between its ends, not the real route" in text
    # a key cited by a road row comes with its full citation from mobility/data/sources.csv
    from mobility.sources import lookup

    assert "<b>R48</b> " + lookup("R48").citation in text
    # links read as addresses, not percent codes
    assert ">sagapedia.com/ro/Marijampolė</a>" in text and ">sagapedia.com/ro/Marijampol%C4%97<" not in text
    assert "background knowledge" in text  # the BK tag in words


def test_basemap_has_lakes_from_shipped_natural_earth(page):
    from mobility.briefing.maps.assets import _lakes

    names = {f["properties"]["name"] for f in _lakes()["features"]}
    assert {"Lake Peipus", "Kauno marios", "Zalew Wislany"} <= names
    assert '"fillColor":"#c9dff0"' in page.replace(" ", "")  # drawn in the sea colour, in the saved page


def _page_without_ids(m: folium.Map) -> str:
    ids: dict[str, str] = {}
    return re.sub(r"[0-9a-f]{32}", lambda g: ids.setdefault(g.group(0), f"id{len(ids)}"), m.get_root().render())


@pytest.mark.parametrize("interactive", [True, False])
def test_geojson_layers_written_raw_give_foliums_page(interactive: bool) -> None:
    """The layers whose script skips branca's second Jinja parse render the page folium renders,
    including a feature text that looks like a template tag (which that parse would have eaten)."""
    feats = [{"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[22.9, 54.1], [23.4, 54.6]]},
              "properties": {"style": {"color": "#123456"}, "tooltip": "Suwałki {x} {{ y }}"}}]
    pages = []
    for cls in (base._GeoJson, folium.GeoJson):
        m = folium.Map(tiles=None)
        fg = folium.FeatureGroup(name="layer").add_to(m)
        layer = base._geojson(feats, pane="mob-basemap", interactive=interactive)
        cls(layer.data, control=False, on_each_feature=layer.on_each_feature,
            **({} if interactive else {"interactive": False}), pane="mob-basemap").add_to(fg)
        pages.append(_page_without_ids(m))
    raw, plain = pages
    assert "Suwa\\u0142ki {x} {{ y }}" in raw and "{{ y }}" not in plain  # Jinja ate it there
    assert raw.replace("{{ y }}", "") == plain


def test_towns_near_a_node_are_the_haversine_rule() -> None:
    """The vectorised near-node test equals :func:`haversine_m` pair by pair, 10 km either side."""
    import numpy as np

    from mobility.network.geometry import haversine_m

    rng = np.random.default_rng(3)
    towns = np.column_stack([rng.uniform(20, 26, 400), rng.uniform(53, 57, 400)])
    nodes = np.column_stack([rng.uniform(20, 26, 30), rng.uniform(53, 57, 30)])
    near = base._near_any(towns, nodes, 10_000.0)
    loop = [any(haversine_m(a, b, x, y) < 10_000.0 for x, y in nodes) for a, b in towns]
    assert near.tolist() == loop
    assert 0 < sum(loop) < len(loop)  # both answers occur
    assert base._near_any(towns[:0], nodes, 1.0).shape == (0,)
