"""Network export (GeoPackage for QGIS) and the plain-text description."""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from mobility.network.geometry import real_geometry_share
from mobility.network.model import Network

_SCALARS = (str, int, float, bool, type(None))


def _clean(value: object) -> object:
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, (list, tuple, set)):
        return ";".join(str(v) for v in value)
    return str(value)


def sections_gdf(network: Network, mode: str) -> gpd.GeoDataFrame:
    """One row per two-way section of the ``"rail"``, ``"road"`` or ``"sea"`` graph (the data's direction)."""
    graph = {"rail": network.rail, "road": network.road, "sea": network.sea}[mode]
    seen: set[str] = set()
    if graph is None:
        return gpd.GeoDataFrame({"section": [], "length_km": []}, geometry=[], crs="EPSG:4326")
    rows = []
    for u, v, _k, d in graph.edges(keys=True, data=True):
        sec = d.get("section") or f"{mode}:{u}-{v}"
        if sec in seen:
            continue
        seen.add(sec)
        row = {"u": u, "v": v, **{k: _clean(x) for k, x in d.items() if k != "geometry"}}
        row["length_km"] = d.get("length", 0.0) / 1000.0
        row["geometry"] = d.get("geometry")
        rows.append(row)
    if not rows:
        return gpd.GeoDataFrame({"section": [], "length_km": []}, geometry=[], crs="EPSG:4326")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=graph.graph.get("crs", "EPSG:4326"))


def nodes_gdf(network: Network) -> gpd.GeoDataFrame:
    """Every node once, with ``on_rail``, ``on_road``, ``gauges`` and its terminals."""
    rows = []
    terms = defaultdict(list)
    for t in network.terminals:
        if t.is_open(network.year):
            terms[t.node].append(f"{t.method}({t.ramps if t.ramps is not None else '?'})")
    for n in network.node_ids:
        d = network.node(n)
        rows.append({"id": n, **{k: _clean(x) for k, x in d.items() if k not in ("x", "y")},
                     "on_rail": n in network.rail, "on_road": n in network.road,
                     "gauges": ";".join(str(g) for g in sorted(network.gauges_at(n))),
                     "gauge_terminal": n in network.gauge_terminals,
                     "terminals": ", ".join(terms.get(n, [])),
                     "geometry": Point(d["x"], d["y"])})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


def write_gpkg(layers: dict[str, gpd.GeoDataFrame], path: str | Path) -> Path:
    """Write layers to a GeoPackage atomically (a temp file renamed into place)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".gpkg", dir=path.parent, prefix=f".{path.stem}-")
    os.close(fd)
    os.unlink(tmp)
    try:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def network_gpkg(network: Network, path: str | Path) -> Path:
    """The network as a GeoPackage with layers ``rail``, ``road``, ``nodes`` and ``sea`` if any (opens in QGIS)."""
    layers = {"rail": sections_gdf(network, "rail"), "road": sections_gdf(network, "road"),
              "nodes": nodes_gdf(network)}
    if network.sea is not None and network.sea.number_of_edges():
        layers["sea"] = sections_gdf(network, "sea")
    return write_gpkg(layers, path)


def describe(network: Network, *, all_years: Network | None = None, sections: bool = False) -> str:
    """Plain-text description: km by gauge and road class, terminals, crossings, and what the year changes."""
    rail, road = sections_gdf(network, "rail"), sections_gdf(network, "road")
    lines = [f"{network.name} network" + (f", {network.year}" if network.year is not None else ", all years"),
             f"  nodes {len(network.node_ids)} (rail {network.rail.number_of_nodes()}, road "
             f"{network.road.number_of_nodes()}, transfer {len(network.transfer_nodes)}); sections rail "
             f"{len(rail)}, road {len(road)}"]
    if len(rail) and "gauge" in rail:
        lines.append("  rail km by gauge: " + ", ".join(
            f"{g} mm {km:,.0f}" for g, km in rail.groupby("gauge")["length_km"].sum().items()))
    if len(road) and "highway" in road:
        cls = "road_class" if "road_class" in road else "highway"
        lines.append(f"  road km by class ({cls}): " + ", ".join(
            f"{c} {km:,.0f}" for c, km in road.groupby(cls)["length_km"].sum().items()))
    lines.append(geometry_share_line(network))
    gt = network.gauge_terminals
    lines.append("  gauge terminals: " + (", ".join(
        f"{network.label(n)} ({', '.join(sorted({t.method for t in network.terminals_at(n)}))})" for n in gt)
        or "none"))
    ramps = sorted({t.node for t in network.terminals if t.is_open(network.year) and t.method == "ramp"})
    lines.append("  military ramps: " + (", ".join(network.label(n) for n in ramps) or "none"))
    crossings = [n for n in network.node_ids if network.node(n).get("kind") == "border_crossing"]
    lines.append("  border crossings: " + (", ".join(network.label(n) for n in crossings) or "none"))
    lines.extend(_places(network))
    if all_years is not None and network.year is not None:
        y = network.year
        changes = []
        for mode, g in (("rail", all_years.rail), ("road", all_years.road)):
            seen = set()
            for _, _, d in g.edges(data=True):
                if d["section"] in seen:
                    continue
                seen.add(d["section"])
                if d.get("opens") == y:
                    changes.append(f"opens  {d.get('name') or d['section']} ({mode})")
                if d.get("closes") == y:
                    changes.append(f"closes {d.get('name') or d['section']} ({mode})")
        for t in all_years.terminals:
            if t.opens == y:
                changes.append(f"opens  {t.method} at {all_years.label(t.node)}")
        lines.append(f"  in {y}: " + ("; ".join(changes) if changes else "nothing opens or closes"))
        later = sorted({d.get("opens") for g in (all_years.rail, all_years.road) for _, _, d in g.edges(data=True)
                        if d.get("opens") and d["opens"] > y})
        if later:
            lines.append("  later openings in the data: " + ", ".join(str(x) for x in later))
    if sections:
        lines.append("  sections:")
        for df in (rail, road):
            for _, r in df.iterrows():
                lines.append(f"    {r['section']:<48} {r.get('name') or ''} ({r['length_km']:.1f} km)")
    return "\n".join(lines)


def geometry_share_line(network: Network) -> str:
    """One line: sections with real line geometry (OSM or Natural Earth) by mode, of those in the network."""
    parts = []
    for mode, graph in (("rail", network.rail), ("road", network.road)):
        c = real_geometry_share(graph)
        if not c["total"]:
            continue
        src = ", ".join(f"{s} {c[s]}" for s in ("osm", "naturalearth") if c[s])
        parts.append(f"{mode} {c['real']} of {c['total']} ({c['real'] / c['total']:.0%}"
                     + (f": {src}" if src else "") + f"; schematic {c['schematic']})")
    where = f"in service in {network.year}" if network.year is not None else "in the data, all years"
    return f"  real line geometry, sections {where}: " + ", ".join(parts)


def _places(network: Network) -> list[str]:
    """Origins (bases, railheads by country), ports with berths, airports with capacity."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for n in network.node_ids:
        by_kind[network.node(n).get("kind", "")].append(n)
    out = []
    bases = by_kind["base"] + by_kind["railhead"]
    if bases:
        out.append("  bases, training areas and railheads (origins): " + ", ".join(
            f"{network.label(n)} [{n}, {network.node(n).get('country', '')}]" for n in sorted(bases)))
    if by_kind["port"]:
        def port(n: str) -> str:
            d = network.node(n)
            berths = d.get("berths")
            rate = d.get("pieces_per_berth_day")
            cap = (f"{berths} berth{'s' if berths != 1 else ''}" if berths else "berths: factor port_berths_default") + (
                f" x {rate:g} pieces/day" if rate else "")
            return f"{network.label(n)} [{n}, {cap}]"
        out.append("  ports: " + ", ".join(port(n) for n in by_kind["port"]))
    if by_kind["airport"]:
        out.append("  airports of debarkation: " + ", ".join(
            f"{network.label(n)} [{n}, {network.node(n).get('personnel_per_day') or '?'} personnel/day]"
            for n in by_kind["airport"]))
    sea = getattr(network, "sea", None)
    if sea is not None and sea.number_of_edges():
        legs = sorted({d["section"] for _, _, d in sea.edges(data=True)})
        out.append(f"  sea legs: {len(legs)} between {sea.number_of_nodes()} ports")
    return out


def describe_frame(network: Network) -> pd.DataFrame:
    """Km by gauge and by road class as a table (for reports and tests)."""
    rail, road = sections_gdf(network, "rail"), sections_gdf(network, "road")
    a = rail.groupby("gauge")["length_km"].sum().rename("km").reset_index().assign(mode="rail").rename(
        columns={"gauge": "class"})
    b = road.groupby("highway")["length_km"].sum().rename("km").reset_index().assign(mode="road").rename(
        columns={"highway": "class"})
    return pd.concat([a, b], ignore_index=True)[["mode", "class", "km"]]
