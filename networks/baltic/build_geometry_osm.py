#!/usr/bin/env python3
"""The OSM part of ``build_geometry.py``: real OSM line geometry for the Latvian rail sections.

Called by ``build_geometry.py`` (``build(shared, folder)``); not run on its own.
``shared`` is the folder holding ``rail-lv/rail_lv_osm2023.geojson``.

What it does
------------
1. Reads the Latvian OSM rail ways (Geofabrik free layer, ~late 2023, ODbL; see
   ``shared/data/rail-lv/README.md``), keeps ``fclass=rail`` (1520 mm, inferred there)
   and builds an undirected graph of their vertices: ways are joined where they share a
   vertex (as OSM ways do at junctions and way ends); edge weight = great-circle metres.
2. Takes every row of ``rail_lines.csv`` that carries 1520 mm and whose two end nodes
   are Latvian nodes or the Latvian border nodes ``meitene``, ``renge``, ``turmantas``,
   ``valga`` (so ``turmantas -> daugavpils`` and ``riga -> valga`` are included).
3. Snaps each end node to the nearest vertex of the largest connected component and
   takes the shortest along-track path between the two vertices (from ``from_id`` to
   ``to_id``). The line drawn is node -> snapped vertex -> path -> snapped vertex -> node,
   so it starts and ends exactly at the node positions (osmnx convention); the two
   straight stubs are reported as ``snap_from_m`` / ``snap_to_m``.
4. Accepts the path only if (a) both snaps are under ``MAX_SNAP_M``, (b) its length is
   1.0-1.6 x the straight line between the nodes and (c) where the row has a published
   ``length_km``, within 10 % of it. Rejected sections stay schematic and are listed.
5. Simplifies in EPSG:3059 (LKS-92 / Latvia TM) with ``--tolerance`` metres
   (Douglas-Peucker, topology preserving; default 10 m: the file is ~18 KB and the stored
   lines are at most ~0.05 % shorter than the OSM path; 50 m would save 6 KB and lose
   ~0.2 %), writes lon/lat with 6 decimals. Sharp reversals (> 150 deg, e.g. through a
   station yard) are listed in ``reversals``; end zig-zags inside a yard are trimmed.

Properties of each feature: ``section`` (the loader's id), ``from_id``, ``to_id``,
``source``, ``length_m`` (great-circle length of the stored, simplified line: what the
loader measures), ``osm_path_length_m`` (the unsimplified path incl. stubs),
``osm_ids`` (OSM way ids in path order), ``snap_from_m``, ``snap_to_m``,
``straight_m``, ``ratio_straight``, ``published_km``, ``simplify_tolerance_m``,
``reversals`` (vertices where the OSM path turns back), ``vertices_osm``, ``vertices_stored``.

Dependencies: standard library, geopandas/shapely (via pyproj), networkx, numpy.
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
from pyproj import Transformer
from shapely.geometry import LineString

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository's mobility package
from mobility.network.geometry import haversine_m  # noqa: E402  (the loader's formula and radius)

RAIL_LV = Path("rail-lv") / "rail_lv_osm2023.geojson"
SOURCE = "osm:rail-lv (OSM ways, Geofabrik ~2023, ODbL)"
BORDER_NODES = {"meitene", "renge", "turmantas", "valga"}
RATIO_LO, RATIO_HI = 1.0, 1.6  # along-track / straight line
PUBLISHED_TOL = 0.10  # along-track vs published length_km
MAX_SNAP_M = 2000.0  # a node farther than this from the track is not snapped


def coords_length_m(coords: list[tuple[float, float]]) -> float:
    return sum(haversine_m(*a, *b) for a, b in zip(coords[:-1], coords[1:], strict=False))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def build_graph(path: Path) -> nx.Graph:
    """Vertex graph of the fclass=rail ways; edge attrs: weight (m), way (OSM id)."""
    ways = gpd.read_file(path)
    ways = ways[ways["fclass"] == "rail"]
    g = nx.Graph()
    for osm_id, geom in zip(ways["osm_id"], ways.geometry, strict=False):
        pts = [(round(x, 7), round(y, 7)) for x, y in geom.coords]
        for a, b in zip(pts[:-1], pts[1:], strict=False):
            if a == b:
                continue
            w = haversine_m(*a, *b)
            if g.has_edge(a, b) and g[a][b]["weight"] <= w:
                continue
            g.add_edge(a, b, weight=w, way=int(osm_id))
    return g


def trim_ends(path: list, nu: dict, nv: dict, du: float, dv: float, tol: float = 25.0) -> list:
    """Cut a path's end zig-zags: start at the LAST vertex within ``tol`` m of the best
    distance to the from-node, end at the FIRST later vertex within ``tol`` m of the best
    distance to the to-node (a station yard can make the shortest path run past the
    nearest vertex and come back on a parallel track)."""
    def d(p, n):
        return haversine_m(float(n["lon"]), float(n["lat"]), *p)
    i = max(k for k, p in enumerate(path) if d(p, nu) <= du + tol)
    j = min(k for k, p in enumerate(path) if k > i and d(p, nv) <= dv + tol)
    return path[i:j + 1]


def reversals(path: list, min_turn_deg: float = 150.0) -> list[tuple[float, float]]:
    """Vertices where the path turns back by more than ``min_turn_deg`` (a reversal,
    e.g. through a station yard)."""
    out = []
    for a, b, c in zip(path[:-2], path[1:-1], path[2:], strict=False):
        k = math.cos(math.radians(b[1]))
        v1 = ((b[0] - a[0]) * k, b[1] - a[1])
        v2 = ((c[0] - b[0]) * k, c[1] - b[1])
        n1, n2 = math.hypot(*v1), math.hypot(*v2)
        if n1 and n2:
            cos = (v1[0] * v2[0] + v1[1] * v2[1]) / (n1 * n2)
            if math.degrees(math.acos(max(-1.0, min(1.0, cos)))) > min_turn_deg:
                out.append((round(b[0], 6), round(b[1], 6)))
    return out


def section_id(row: dict[str, str]) -> str:
    sid = (row.get("id") or "").strip()
    return sid or f"rail:{row['from_id']}-{row['to_id']}:{row['gauge']}"


def _say(out, *parts: str) -> None:
    print(*parts, file=out)


def build(shared: Path, folder: Path = HERE, *, tolerance: float = 10.0, out=sys.stdout) -> tuple[list, list]:
    """OSM features (GeoJSON dicts) for the Latvian rail rows of ``folder`` and the rejected ones."""
    src = Path(shared) / RAIL_LV
    nodes = {r["id"]: r for r in read_csv(folder / "nodes.csv")}
    rails = read_csv(folder / "rail_lines.csv")
    allowed = {n for n, r in nodes.items() if r["country"] == "LV"} | BORDER_NODES
    todo = [r for r in rails
            if r["from_id"] in allowed and r["to_id"] in allowed and "1520" in r["gauge"].split(";")]

    g = build_graph(src)
    comps = sorted(nx.connected_components(g), key=len, reverse=True)
    main_comp = comps[0]
    _say(out, f"rail-lv graph: {g.number_of_nodes()} vertices, {g.number_of_edges()} edges, "
          f"{len(comps)} components, largest {len(main_comp)} vertices")
    verts = np.array(sorted(main_comp))
    lat0 = math.radians(57.0)

    def snap(node_id: str) -> tuple[tuple[float, float], float]:
        lon, lat = float(nodes[node_id]["lon"]), float(nodes[node_id]["lat"])
        dx = (verts[:, 0] - lon) * math.cos(lat0)
        dy = verts[:, 1] - lat
        i = int(np.argmin(dx * dx + dy * dy))
        v = (float(verts[i, 0]), float(verts[i, 1]))
        return v, haversine_m(lon, lat, *v)

    to_3059 = Transformer.from_crs("EPSG:4326", "EPSG:3059", always_xy=True)
    to_4326 = Transformer.from_crs("EPSG:3059", "EPSG:4326", always_xy=True)

    features, rejected = [], []
    _say(out, f"{'section':36s} {'snap_u':>7s} {'snap_v':>7s} {'straight':>9s} {'path':>9s} "
          f"{'ratio':>5s} {'publ.':>6s}  verdict")
    for row in todo:
        u, v, sid = row["from_id"], row["to_id"], section_id(row)
        nu, nv = nodes[u], nodes[v]
        (pu, du), (pv, dv) = snap(u), snap(v)
        straight = haversine_m(float(nu["lon"]), float(nu["lat"]), float(nv["lon"]), float(nv["lat"]))
        path = nx.dijkstra_path(g, pu, pv, weight="weight")
        path = trim_ends(path, nu, nv, du, dv)
        du = haversine_m(float(nu["lon"]), float(nu["lat"]), *path[0])
        dv = haversine_m(float(nv["lon"]), float(nv["lat"]), *path[-1])
        revs = reversals(path)
        ways: list[int] = []
        for a, b in zip(path[:-1], path[1:], strict=False):
            w = g[a][b]["way"]
            if not ways or ways[-1] != w:
                ways.append(w)
        ways = list(dict.fromkeys(ways))
        coords = [(float(nu["lon"]), float(nu["lat"]))] if du >= 1.0 else []
        coords += [tuple(p) for p in path]
        if dv >= 1.0:
            coords.append((float(nv["lon"]), float(nv["lat"])))
        full = coords_length_m(coords)
        ratio = full / straight
        pub = float(row["length_km"]) if row["length_km"].strip() else None
        why = []
        if max(du, dv) > MAX_SNAP_M:
            why.append(f"snap {max(du, dv):.0f} m > {MAX_SNAP_M:.0f} m")
        if not RATIO_LO <= ratio <= RATIO_HI:
            why.append(f"ratio {ratio:.2f} outside {RATIO_LO}-{RATIO_HI}")
        if pub is not None and abs(full / 1000.0 - pub) > PUBLISHED_TOL * pub:
            why.append(f"{full / 1000:.1f} km vs published {pub} km (>10 %)")
        verdict = "ok" if not why else "REJECTED: " + "; ".join(why)
        if revs and not why:
            verdict += f" (path reverses at {revs})"
        _say(out, f"{sid:36s} {du:7.0f} {dv:7.0f} {straight / 1000:8.1f}k {full / 1000:8.1f}k "
              f"{ratio:5.2f} {pub if pub is not None else '':>6}  {verdict}")
        if why:
            rejected.append((sid, why))
            continue
        xs, ys = to_3059.transform(*zip(*coords, strict=False))
        simple = LineString(list(zip(xs, ys, strict=False))).simplify(tolerance, preserve_topology=True)
        lon, lat = to_4326.transform(*zip(*simple.coords, strict=False))
        line = [(round(x, 6), round(y, 6)) for x, y in zip(lon, lat, strict=False)]
        line[0] = (round(float(nu["lon"]), 6), round(float(nu["lat"]), 6))
        line[-1] = (round(float(nv["lon"]), 6), round(float(nv["lat"]), 6))
        features.append({
            "type": "Feature",
            "properties": {
                "section": sid,
                "from_id": u,
                "to_id": v,
                "source": SOURCE,
                "length_m": round(coords_length_m(line), 1),
                "osm_path_length_m": round(full, 1),
                "osm_ids": ways,
                "snap_from_m": round(du, 1),
                "snap_to_m": round(dv, 1),
                "straight_m": round(straight, 1),
                "ratio_straight": round(ratio, 3),
                "published_km": pub,
                "simplify_tolerance_m": tolerance,
                "reversals": [list(r) for r in revs],
                "vertices_osm": len(coords),
                "vertices_stored": len(line),
            },
            "geometry": {"type": "LineString", "coordinates": [list(p) for p in line]},
        })

    return features, rejected


