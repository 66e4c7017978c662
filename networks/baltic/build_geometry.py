#!/usr/bin/env python3
"""Build ``geometry.geojson`` and ``geometry_matches.csv``: real line geometry for the sections.

Usage (one command, from the repository root or this folder)::

    python networks/baltic/build_geometry.py [--shared DIR] [--check]

For every section of ``rail_lines.csv`` and ``roads.csv`` it takes the best real line:

1. **osm** — Latvian rail sections: the shortest along-track path in the OSM rail ways of
   ``shared/data/rail-lv/`` (ODbL), accepted as described in the README (the OSM part of
   this script is unchanged from the first pass). Without ``shared/data`` the OSM features
   already in ``geometry.geojson`` are kept (their end nodes are checked).
2. **naturalearth** — every other rail section and every road section: the shortest path
   along the Natural Earth 1:10m railroads / roads between the section's end nodes
   (``mobility.network.geometry``: ``rail_graph``/``road_graph`` + ``match_section``),
   with Russia (Kaliningrad) and Belarus cut out of the line graph
   (``geodata/avoid_ru_by.geojson``), accepted when its length agrees with the section's
   (``RAIL_RULE`` / ``ROAD_RULE``: within 10 % of a published length, else 1.0-1.6 x the
   straight line; snaps up to 3 km rail, 10 km road). Rail rows that are not ``open`` (Rail Baltica under
   construction or planned) are not matched: the Natural Earth lines are today's.
3. **schematic** — the rest stays a straight line (the loader draws it and says so).

Inputs: the Natural Earth extracts shipped in ``geodata/`` (``ne_railroads.geojson``,
``ne_roads.geojson``). With ``shared/data`` present (``--shared DIR``, else
``$MOBILITY_SHARED_DATA``, else the first ``shared/data`` above this folder) the extracts are first
re-cut from the full files ``ne-rail-corridor/ne_railroads_de_pl_baltic.geojson`` and
``ne-roads-de-pl-baltic/ne_roads_de_pl_baltic.geojson``: every Natural Earth line that
enters some section's search ellipse (the area any accepted path must lie in) is kept,
whole. So after new sections are added, this one command refreshes the extracts and the
geometry. ``--offline`` uses the shipped extracts (and the shipped OSM features) even where
``shared/data`` exists; ``--check`` rebuilds in memory and exits 1 if the shipped files
differ (``--offline --check`` is what the tests run).

Outputs (this folder): ``geometry.geojson`` (one LineString per section with real
geometry, first node to second, keyed by ``section``, with ``geometry_source``) and
``geometry_matches.csv`` (every section: the verdict and the figures it rests on).
Dependencies: numpy, networkx, shapely, scipy; geopandas and pyproj for the OSM part.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))  # the repository's mobility package

from shapely.geometry import shape  # noqa: E402
from shapely.ops import unary_union  # noqa: E402

from mobility.network.geometry import (  # noqa: E402
    RAIL_RULE,
    ROAD_RULE,
    crosses,
    ellipse,
    haversine_m,
    line_length_m,
    match_section,
    rail_graph,
    road_graph,
)

GEODATA = HERE / "geodata"
NE_RAIL_FULL = Path("ne-rail-corridor") / "ne_railroads_de_pl_baltic.geojson"
NE_ROAD_FULL = Path("ne-roads-de-pl-baltic") / "ne_roads_de_pl_baltic.geojson"
NE_RAIL = GEODATA / "ne_railroads.geojson"
NE_ROAD = GEODATA / "ne_roads.geojson"
AVOID = GEODATA / "avoid_ru_by.geojson"
NE_RAIL_SOURCE = "ne:railroads (Natural Earth 10m railroads, public domain)"
NE_ROAD_SOURCE = "ne:roads (Natural Earth 10m roads, scalerank <= 7, public domain)"
ROAD_JOIN_M = 5000.0
RAIL_JOIN_M = 300.0
MATCH_COLUMNS = ["section", "mode", "from_id", "to_id", "status", "opens", "closes", "geometry_source",
                 "verdict", "reason", "snap_from_m", "snap_to_m", "straight_km", "path_km", "ratio",
                 "published_km", "vertices"]


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def shared_dir(arg: str | None) -> Path | None:
    ups = [str(p / "shared" / "data") for p in HERE.parents]
    for cand in (arg, os.environ.get("MOBILITY_SHARED_DATA"), *ups):
        if cand and (Path(cand) / NE_RAIL_FULL).is_file():
            return Path(cand)
    if arg:
        raise SystemExit(f"error: {Path(arg) / NE_RAIL_FULL} not found; pass the shared data folder")
    return None


def section_id(row: dict[str, str], mode: str) -> str:
    sid = (row.get("id") or "").strip()
    if sid:
        return sid
    return f"rail:{row['from_id']}-{row['to_id']}:{row['gauge']}" if mode == "rail" else \
        f"road:{row['from_id']}-{row['to_id']}"


def load_fc(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def clip_extract(fc: dict, areas, *, keep_props: tuple[str, ...], name: str, note: str) -> dict:
    """The features of ``fc`` that enter ``areas`` (whole lines), with ``keep_props`` only."""
    from shapely import STRtree

    lines = [shape(f["geometry"]) for f in fc["features"]]
    tree = STRtree(lines)
    keep = sorted({int(i) for a in areas for i in tree.query(a, predicate="intersects")})
    feats = [{"type": "Feature",
              "properties": {k: fc["features"][i]["properties"].get(k) for k in keep_props},
              "geometry": {"type": "LineString",
                           "coordinates": [[round(x, 5), round(y, 5)] for x, y in lines[i].coords]}}
             for i in keep]
    return {"type": "FeatureCollection", "name": name, "license": "Public domain (Natural Earth)",
            "attribution": "Made with Natural Earth", "note": note, "features": feats}


def search_areas(rows: list[tuple[str, tuple, tuple, float | None]], rule, join_m: float):
    """The ellipse of each row: an acceptable path is at most 1.6 x straight, or 1.1 x published."""
    out = []
    for _, a, b, pub in rows:
        straight = max(haversine_m(*a, *b), 1.0)
        ratio = max(rule.ratio_hi, (1 + rule.published_tol) * pub * 1000 / straight) if pub else rule.ratio_hi
        out.append(ellipse(a, b, ratio=ratio, margin_m=rule.max_snap_m + join_m))
    return out


def _published(r: dict[str, str]) -> float | None:
    return float(r["length_km"]) if r.get("length_km", "").strip() else None


def osm_features(shared: Path | None, nodes: dict, existing: dict) -> tuple[list[dict], list[dict]]:
    """OSM features for the Latvian rail sections and their match rows."""
    if shared is not None and (shared / "rail-lv" / "rail_lv_osm2023.geojson").is_file():
        import build_geometry_osm as osm

        out = io.StringIO()
        feats, rejected = osm.build(shared, HERE, out=out)
        sys.stdout.write(out.getvalue())
    else:  # keep the shipped OSM features, if their end nodes still sit where they did
        feats, rejected = [], []
        for f in existing.get("features", []):
            p = f["properties"]
            if p.get("geometry_source", str(p.get("source", "")).split(":")[0]) != "osm":
                continue
            cs = f["geometry"]["coordinates"]
            u, v = nodes.get(p["from_id"]), nodes.get(p["to_id"])
            if u and v and haversine_m(*cs[0], *u) < 1 and haversine_m(*cs[-1], *v) < 1:
                feats.append(f)
        print(f"osm: kept {len(feats)} shipped OSM features (no shared/data/rail-lv)")
    for f in feats:
        f["properties"]["geometry_source"] = "osm"
    return feats, rejected


def build(shared: Path | None, *, write_extracts: bool) -> tuple[dict, list[dict], dict[Path, dict]]:
    nodes = {r["id"]: (float(r["lon"]), float(r["lat"])) for r in read_csv(HERE / "nodes.csv")}
    rails = read_csv(HERE / "rail_lines.csv")
    roads = read_csv(HERE / "roads.csv")
    existing = load_fc(HERE / "geometry.geojson") if (HERE / "geometry.geojson").is_file() else {}
    avoid = unary_union([shape(f["geometry"]) for f in load_fc(AVOID)["features"]])

    sys.path.insert(0, str(HERE))
    osm_feats, _ = osm_features(shared, nodes, existing)  # OSM rejections are printed, not tabled
    osm_done = {f["properties"]["section"]: f for f in osm_feats}

    rail_rows = [(section_id(r, "rail"), nodes[r["from_id"]], nodes[r["to_id"]], _published(r)) for r in rails]
    road_rows = [(section_id(r, "road"), nodes[r["from_id"]], nodes[r["to_id"]], _published(r)) for r in roads]
    extracts: dict[Path, dict] = {}
    if shared is not None:
        rail_fc = clip_extract(load_fc(shared / NE_RAIL_FULL), search_areas(rail_rows, RAIL_RULE, RAIL_JOIN_M),
                               keep_props=("featurecla", "scalerank"), name="ne_railroads",
                               note="Natural Earth 10m railroads that enter a rail section's search ellipse "
                                    "(networks/baltic/build_geometry.py); from shared/data/ne-rail-corridor/"
                                    "ne_railroads_de_pl_baltic.geojson")
        road_fc = clip_extract(load_fc(shared / NE_ROAD_FULL), search_areas(road_rows, ROAD_RULE, ROAD_JOIN_M),
                               keep_props=("featureclass", "scalerank", "type"), name="ne_roads",
                               note="Natural Earth 10m roads (scalerank <= 7) that enter a road section's search "
                                    "ellipse (networks/baltic/build_geometry.py); from shared/data/"
                                    "ne-roads-de-pl-baltic/ne_roads_de_pl_baltic.geojson")
        extracts = {NE_RAIL: rail_fc, NE_ROAD: road_fc}
        if write_extracts:
            for path, fc in extracts.items():
                write_json(path, fc)
    else:
        rail_fc, road_fc = load_fc(NE_RAIL), load_fc(NE_ROAD)
    print(f"natural earth extracts: rail {len(rail_fc['features'])} lines, road {len(road_fc['features'])} lines")

    rg = rail_graph(rail_fc["features"], join_m=RAIL_JOIN_M, avoid=avoid)
    import networkx as nx

    comp = max(nx.connected_components(rg), key=len)
    road_nodes = sorted({r[k] for r in roads for k in ("from_id", "to_id")})
    dg = road_graph(road_fc["features"], join_m=ROAD_JOIN_M, points=[nodes[n] for n in road_nodes], avoid=avoid)

    features, table = list(osm_feats), []
    for mode, rows, graph, rule in (("rail", rails, rg, RAIL_RULE), ("road", roads, dg, ROAD_RULE)):
        for r in rows:
            sid, u, v = section_id(r, mode), r["from_id"], r["to_id"]
            pub = _published(r)
            status = r.get("status", "open") or "open"
            rec = {"section": sid, "mode": mode, "from_id": u, "to_id": v, "status": status,
                   "opens": r.get("opens", ""), "closes": r.get("closes", ""), "published_km": pub}
            if sid in osm_done:
                p = osm_done[sid]["properties"]
                table.append({**rec, "geometry_source": "osm", "verdict": "ok", "reason": "OSM (rail-lv)",
                              "snap_from_m": p.get("snap_from_m"), "snap_to_m": p.get("snap_to_m"),
                              "straight_km": round(p["straight_m"] / 1000, 2),
                              "path_km": round(p["length_m"] / 1000, 2), "ratio": p.get("ratio_straight"),
                              "vertices": p.get("vertices_stored")})
                continue
            if mode == "rail" and status != "open":
                table.append({**rec, "geometry_source": "schematic", "verdict": "planned",
                              "reason": f"status {status}: Natural Earth has today's lines only, not this alignment",
                              "straight_km": round(haversine_m(*nodes[u], *nodes[v]) / 1000, 2)})
                continue
            m = match_section(graph, nodes[u], nodes[v], section=sid, rule=rule, published_km=pub,
                              snap="vertex" if mode == "rail" else "point",
                              component=comp if mode == "rail" else None)
            reason = m.reason
            if m.ok and crosses(m.coords, avoid):
                m, reason = None, "path enters Russia or Belarus"
            ok = m is not None and m.ok
            mm = m if m is not None else match_section(graph, nodes[u], nodes[v], section=sid, rule=rule,
                                                       published_km=pub, snap="vertex" if mode == "rail"
                                                       else "point", component=comp if mode == "rail" else None)
            table.append({**rec, "geometry_source": "naturalearth" if ok else "schematic",
                          "verdict": "ok" if ok else ("rejected" if mm.verdict == "ok" else mm.verdict),
                          "reason": reason,
                          "snap_from_m": _r(mm.snap_from_m, 0), "snap_to_m": _r(mm.snap_to_m, 0),
                          "straight_km": _r(mm.straight_m / 1000, 2), "path_km": _r(mm.length_m / 1000, 2),
                          "ratio": _r(mm.ratio, 3), "vertices": len(mm.coords) if ok else ""})
            if ok:
                coords = [[round(x, 5), round(y, 5)] for x, y in m.coords]
                coords[0], coords[-1] = [round(c, 6) for c in nodes[u]], [round(c, 6) for c in nodes[v]]
                features.append({"type": "Feature", "properties": {
                    "section": sid, "from_id": u, "to_id": v, "geometry_source": "naturalearth",
                    "source": NE_RAIL_SOURCE if mode == "rail" else NE_ROAD_SOURCE,
                    "length_m": round(line_length_m([tuple(c) for c in coords]), 1),
                    "snap_from_m": round(m.snap_from_m, 1), "snap_to_m": round(m.snap_to_m, 1),
                    "straight_m": round(m.straight_m, 1), "ratio_straight": round(m.ratio, 3),
                    "published_km": pub},
                    "geometry": {"type": "LineString", "coordinates": coords}})
    order = {r["section"]: i for i, r in enumerate(table)}
    features.sort(key=lambda f: order.get(f["properties"]["section"], 1_000_000))
    fc = {
        "type": "FeatureCollection",
        "name": "baltic_section_geometry",
        "license": "mixed: OSM features ODbL-1.0; Natural Earth features public domain",
        "attribution": "© OpenStreetMap contributors, ODbL 1.0 (Latvian rail ways via Geofabrik free layer, "
                       "~late 2023); Made with Natural Earth (10m railroads and roads)",
        "generator": "networks/baltic/build_geometry.py",
        "features": features,
    }
    return fc, table, extracts


def _r(x: float, nd: int):
    return "" if x is None or (isinstance(x, float) and math.isnan(x)) else round(x, nd)


def write_json(path: Path, data: dict) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")


def table_csv(table: list[dict]) -> str:
    out = io.StringIO()
    w = csv.DictWriter(out, MATCH_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in table:
        w.writerow({k: ("" if r.get(k) is None else r.get(k)) for k in MATCH_COLUMNS})
    return out.getvalue()


def summary(table: list[dict]) -> str:
    lines = []
    for mode in ("rail", "road"):
        rows = [r for r in table if r["mode"] == mode]
        by = {s: sum(1 for r in rows if r["geometry_source"] == s) for s in ("osm", "naturalearth", "schematic")}
        lines.append(f"{mode}: {len(rows)} rows; osm {by['osm']}, naturalearth {by['naturalearth']}, "
                     f"schematic {by['schematic']}")
        for r in rows:
            if r["geometry_source"] == "schematic":
                lines.append(f"  schematic {r['section']}: {r['verdict']}: {r['reason']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", help="shared data folder (default: $MOBILITY_SHARED_DATA, else the first shared/data above this folder)")
    ap.add_argument("--offline", action="store_true",
                    help="use the extracts shipped in geodata/ even where shared/data exists")
    ap.add_argument("--check", action="store_true", help="rebuild in memory; exit 1 if the shipped files differ")
    args = ap.parse_args(argv)
    shared = None if args.offline else shared_dir(args.shared)
    print(f"inputs: {'shared data ' + str(shared) if shared else 'shipped extracts in geodata/'}")
    fc, table, extracts = build(shared, write_extracts=not args.check)
    print(summary(table))
    geo_text = json.dumps(fc, ensure_ascii=False, separators=(",", ":")) + "\n"
    csv_text = table_csv(table)
    if args.check:
        stale = [p.name for p, text in ((HERE / "geometry.geojson", geo_text),
                                        (HERE / "geometry_matches.csv", csv_text))
                 if not p.is_file() or p.read_text(encoding="utf-8") != text]
        if stale:
            print(f"stale: {', '.join(stale)}; run python networks/baltic/build_geometry.py")
            return 1
        print("shipped geometry is up to date")
        return 0
    (HERE / "geometry.geojson").write_text(geo_text, encoding="utf-8")
    (HERE / "geometry_matches.csv").write_text(csv_text, encoding="utf-8")
    print(f"wrote geometry.geojson ({len(geo_text.encode()) / 1024:.0f} KB, {len(fc['features'])} sections), "
          f"geometry_matches.csv ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
