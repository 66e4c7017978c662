"""Real line geometry for network sections: OpenStreetMap, Natural Earth, or schematic.

A section of the embedded network joins two nodes. Its drawn line (and, where no
published length exists, its length) comes from the best source that covers it:

``osm``           OpenStreetMap ways (the Latvian rail sections, ``shared/data/rail-lv``)
``naturalearth``  Natural Earth 1:10m railroads or roads (public domain, generalised to
                  about +-1 km): the shortest path along the Natural Earth lines between
                  the section's two end nodes, accepted only when its length agrees with
                  the section's (:class:`Rule`)
``schematic``     a straight line between the two nodes: planned lines (the Rail Baltica
                  new alignments are in no source), and what the data lacks (e.g. the
                  roads via Lazdijai, which Natural Earth leaves out)

The functions here are pure: features in, graph out; graph and two points in, a
:class:`Match` out. Reading the Natural Earth files is the build step's job
(``networks/<name>/build_geometry.py``); loading a network reads only the small
precomputed ``geometry.geojson`` (:func:`parse_geometry`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
from shapely.geometry import LineString, Point, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union
from shapely.strtree import STRtree

GEOMETRY_SOURCES = ("osm", "naturalearth", "schematic")
NATURAL_EARTH_CREDIT = "Made with Natural Earth"
Coord = tuple[float, float]

__all__ = [
    "GEOMETRY_SOURCES", "NATURAL_EARTH_CREDIT", "RAIL_RULE", "ROAD_RULE", "Match", "Rule",
    "SectionGeometry", "crosses", "ellipse", "haversine_m", "judge", "line_length_m",
    "match_section", "orient", "parse_geometry", "rail_graph", "real_geometry_share",
    "road_graph", "section_geometry",
]


def haversine_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Great-circle distance in metres (the loader's formula and radius)."""
    r = 6_371_008.8
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def line_length_m(coords: Sequence[Coord]) -> float:
    """Great-circle length of a lon/lat polyline, metres."""
    return sum(haversine_m(*a, *b) for a, b in zip(coords[:-1], coords[1:], strict=False))


# --------------------------------------------------------------------------- acceptance


@dataclass(frozen=True)
class Rule:
    """When a path along the source lines is taken as a section's real geometry.

    A path (node -> snapped point -> lines -> snapped point -> node) is accepted when
    both snaps are at most ``max_snap_m`` and its length agrees with the section's:
    within ``published_tol`` of the published length where the section has one, else
    ``ratio_lo``-``ratio_hi`` x the straight line between the nodes (the model's
    length of such a section is straight x 1.15).
    """

    max_snap_m: float
    ratio_lo: float = 1.0
    ratio_hi: float = 1.6
    published_tol: float = 0.10


#: rail: the rule of ``shared/data/ne-rail-corridor/check_sections.py`` (51 of 62 rows)
RAIL_RULE = Rule(max_snap_m=3000.0)
#: roads: Natural Earth leaves the city pieces out, so city nodes lie up to ~9 km from a line
#: (Kaunas 4.8, Szczecin 7.7, Leipzig 8.0 km); the stub is drawn straight and counts in the length
ROAD_RULE = Rule(max_snap_m=10000.0)


@dataclass(frozen=True)
class Match:
    """The outcome of matching one section to source lines.

    ``verdict`` is ``ok`` (accepted: ``coords`` is the section's geometry, from the
    first node to the second), ``rejected`` (``reason`` says which test failed),
    ``planned`` (the section is not built yet; the source's lines are today's, so
    they are not its alignment) or ``no-path`` (the nodes are on unconnected lines).
    """

    section: str
    verdict: str
    reason: str = ""
    coords: tuple[Coord, ...] = ()
    length_m: float = float("nan")
    straight_m: float = float("nan")
    snap_from_m: float = float("nan")
    snap_to_m: float = float("nan")
    published_km: float | None = None

    @property
    def ok(self) -> bool:
        return self.verdict == "ok"

    @property
    def ratio(self) -> float:
        return self.length_m / self.straight_m if self.straight_m else float("nan")


def judge(length_m: float, straight_m: float, snap_from_m: float, snap_to_m: float,
          published_km: float | None, rule: Rule) -> str:
    """Why a path fails ``rule`` ("" when it passes)."""
    why = []
    if max(snap_from_m, snap_to_m) > rule.max_snap_m:
        why.append(f"snap {max(snap_from_m, snap_to_m):.0f} m > {rule.max_snap_m:.0f} m")
    if published_km is not None:
        if abs(length_m / 1000.0 - published_km) > rule.published_tol * published_km:
            why.append(f"{length_m / 1000:.1f} km vs published {published_km:g} km "
                       f"(more than {rule.published_tol:.0%} off)")
    else:
        ratio = length_m / straight_m if straight_m else float("inf")
        if not rule.ratio_lo <= ratio <= rule.ratio_hi:
            why.append(f"{ratio:.2f} x straight line, outside {rule.ratio_lo}-{rule.ratio_hi}")
    return "; ".join(why)


# --------------------------------------------------------------------------- areas to avoid


def crosses(coords: Sequence[Coord], area: BaseGeometry | None) -> bool:
    """True when the polyline enters ``area`` (e.g. Kaliningrad and Belarus)."""
    if area is None or area.is_empty or len(coords) < 2:
        return False
    return LineString(coords).intersects(area)


def ellipse(a: Coord, b: Coord, *, ratio: float, margin_m: float) -> BaseGeometry:
    """Points p with d(a,p) + d(p,b) <= ratio x d(a,b) + 2 x margin (lon/lat, local metric).

    Every path accepted under a :class:`Rule` with ``ratio_hi = ratio`` and snaps up to
    ``margin_m`` lies inside it, so the source lines outside all sections' ellipses can
    be left out of a shipped extract without changing any match.
    """
    lat0 = (a[1] + b[1]) / 2
    kx, ky = math.cos(math.radians(lat0)) * 111_320.0, 110_574.0
    ax, ay, bx, by = a[0] * kx, a[1] * ky, b[0] * kx, b[1] * ky
    d = math.hypot(bx - ax, by - ay)
    major = (ratio * d + 2 * margin_m) / 2
    minor = math.sqrt(max(major**2 - (d / 2) ** 2, 1.0))
    ang = math.atan2(by - ay, bx - ax)
    cx, cy = (ax + bx) / 2, (ay + by) / 2
    t = np.linspace(0, 2 * math.pi, 73)
    ex = major * np.cos(t)
    ey = minor * np.sin(t)
    xs = cx + ex * math.cos(ang) - ey * math.sin(ang)
    ys = cy + ex * math.sin(ang) + ey * math.cos(ang)
    from shapely.geometry import Polygon

    return Polygon(list(zip(xs / kx, ys / ky, strict=True)))


# --------------------------------------------------------------------------- graphs


def _inside(area: BaseGeometry | None, pts: Iterable[Coord]) -> set[Coord]:
    if area is None or area.is_empty:
        return set()
    from shapely import points as _points
    from shapely import prepare

    pts = list(pts)
    if not pts:
        return set()
    prepare(area)
    mask = area.contains(_points(np.array(pts)))
    return {p for p, m in zip(pts, mask, strict=True) if m}


def rail_graph(features: Iterable[Mapping[str, Any]], *, join_m: float = 300.0,
               avoid: BaseGeometry | None = None) -> nx.Graph:
    """Vertex graph of Natural Earth railroads (GeoJSON features, ``featurecla`` Railroad).

    Railroad ferries are left out. Natural Earth lines meet at junctions without always
    sharing a vertex, so each line end is joined to every vertex within ``join_m``.
    Vertices inside ``avoid`` (Kaliningrad, Belarus) are dropped, so no path runs there.
    Edge attribute ``w``: great-circle metres.
    """
    g = nx.Graph()
    ends: set[Coord] = set()
    for f in features:
        if (f.get("properties") or {}).get("featurecla") != "Railroad":
            continue
        cs = [(round(float(x), 6), round(float(y), 6)) for x, y in f["geometry"]["coordinates"]]
        ends.update([cs[0], cs[-1]])
        for a, b in zip(cs[:-1], cs[1:], strict=False):
            if a != b:
                g.add_edge(a, b, w=haversine_m(*a, *b))
    g.remove_nodes_from(_inside(avoid, g.nodes))
    if g.number_of_nodes() == 0:
        return g
    from scipy.spatial import cKDTree

    verts = sorted(g.nodes)
    tree = cKDTree(_xyz(verts))
    todo = [e for e in sorted(ends) if e in g]
    for e, near in zip(todo, tree.query_ball_point(_xyz(todo), join_m / 6_371_008.8), strict=True):
        for j in sorted(near):
            v = verts[j]
            if v != e:
                g.add_edge(e, v, w=haversine_m(*e, *v))
    return g


def _xyz(pts: Sequence[Coord]) -> np.ndarray:
    """Points on the unit sphere (chord distance ~ great-circle distance / R when short)."""
    a = np.radians(np.asarray(pts, dtype=float).reshape(-1, 2))
    c = np.cos(a[:, 1])
    return np.column_stack([c * np.cos(a[:, 0]), c * np.sin(a[:, 0]), np.sin(a[:, 1])])


def road_graph(features: Iterable[Mapping[str, Any]], *, join_m: float = 5000.0,
               points: Sequence[Coord] = (), avoid: BaseGeometry | None = None) -> nx.Graph:
    """Routable graph of Natural Earth roads (``featureclass`` Road; ferries left out).

    Natural Earth roads cross without a shared vertex and stop short of each other (at
    borders, in cities whose pieces are not in the 1:10m data), so, as in
    ``shared/data/ne-roads-de-pl-baltic/check_routes.py``: every line end is tied to the
    nearest point of the nearest other line within ``join_m``, each of ``points`` (the
    network's nodes) to the nearest point of the nearest line at any distance, and all
    lines are noded so that crossings become vertices. Each point becomes a vertex of
    the graph (rounded to 7 decimals); its connector is its snap. The lines are cut
    where they enter ``avoid`` (Kaliningrad, Belarus) and the parts inside dropped.
    Edge attribute ``w``: great-circle metres.
    """
    lines = [LineString(f["geometry"]["coordinates"]) for f in features
             if (f.get("properties") or {}).get("featureclass") == "Road"]
    if avoid is not None and not avoid.is_empty:  # cut the lines at the border, so nodes tie outside
        cut = []
        for ln in lines:
            rest = ln.difference(avoid) if ln.intersects(avoid) else ln
            cut += [p for p in getattr(rest, "geoms", [rest]) if p.geom_type == "LineString" and not p.is_empty]
        lines = cut
    tree = STRtree(lines)
    connectors = []
    ends = [(i, e) for i, ln in enumerate(lines) for e in (ln.coords[0], ln.coords[-1])]
    ends += [(-1, (float(p[0]), float(p[1]))) for p in points]
    for i, e in ends:
        kx, ky = math.cos(math.radians(e[1])) * 111_320.0, 110_574.0
        p = Point(e)
        if i >= 0:
            candidates = tree.query(p.buffer(join_m / ky * 2))
        else:
            candidates = [int(tree.nearest(p))]
            candidates += list(tree.query(p.buffer(lines[candidates[0]].distance(p) * 2 + 1e-6)))
        best = None
        for j in candidates:
            if j == i:
                continue
            q = lines[j].interpolate(lines[j].project(p))
            d = math.hypot((q.x - e[0]) * kx, (q.y - e[1]) * ky)
            if (i < 0 or d < join_m) and (best is None or d < best[0]):
                best = (d, q)
        if best is None:
            continue
        if best[0] < 0.01:  # on a line already: a 2 m cross makes it a vertex when noded
            if i < 0:
                dx, dy = 1.0 / kx, 1.0 / ky
                connectors += [LineString([(e[0] - dx, e[1]), (e[0] + dx, e[1])]),
                               LineString([(e[0], e[1] - dy), (e[0], e[1] + dy)])]
            continue
        d, q = best
        ux, uy = (q.x - e[0]) * kx / d, (q.y - e[1]) * ky / d  # run 1 m past q so it is noded
        connectors.append(LineString([e, (q.x + ux / kx, q.y + uy / ky)]))
    noded = unary_union(lines + connectors)
    g = nx.Graph()
    for piece in getattr(noded, "geoms", [noded]):
        cs = [(round(x, 7), round(y, 7)) for x, y in piece.coords]
        for a, b in zip(cs[:-1], cs[1:], strict=False):
            if a != b:
                g.add_edge(a, b, w=haversine_m(*a, *b))
    g.remove_nodes_from(_inside(avoid, g.nodes))
    return g


# --------------------------------------------------------------------------- matching


def _snap_vertex(g: nx.Graph, verts: np.ndarray, p: Coord) -> tuple[Coord, float]:
    d = np.hypot((verts[:, 0] - p[0]) * math.cos(math.radians(p[1])), verts[:, 1] - p[1]) * 111_320.0
    j = int(np.argmin(d))
    v = (float(verts[j, 0]), float(verts[j, 1]))
    return v, haversine_m(*p, *v)


def _snap_point(g: nx.Graph, p: Coord) -> tuple[Coord, float] | None:
    v = (round(p[0], 7), round(p[1], 7))
    if v not in g:  # a node that lay on a line: the noded vertex may differ in the last digits
        verts = list(g.nodes)
        if not verts:
            return None
        d = np.hypot(*(np.asarray(verts, dtype=float) - np.asarray(v)).T)
        j = int(np.argmin(d))
        if haversine_m(*verts[j], *v) > 1.0:
            return None
        v = verts[j]
    if g.degree(v) == 0:
        return None
    if g.degree(v) == 1:  # the node's connector to the nearest line
        (u,) = g.neighbors(v)
        return v, g[v][u]["w"]
    return v, 0.0


def match_section(graph: nx.Graph, a: Coord, b: Coord, *, section: str, rule: Rule,
                  published_km: float | None = None, snap: str = "vertex",
                  component: set[Coord] | None = None) -> Match:
    """Shortest path along ``graph`` from node position ``a`` to ``b``, judged by ``rule``.

    ``snap="vertex"``: each node is snapped to the nearest vertex of ``component`` (the
    graph's largest connected part by default), as for the dense rail vertices;
    ``snap="point"``: the node is already a vertex of the graph (see :func:`road_graph`).
    The coordinates returned run node -> path -> node, so they start and end exactly at
    the node positions; the stubs count in ``length_m``.
    """
    straight = haversine_m(*a, *b)
    if snap == "vertex":
        comp = component if component is not None else max(nx.connected_components(graph), key=len)
        verts = np.array(sorted(comp))
        (sa, da), (sb, db) = _snap_vertex(graph, verts, a), _snap_vertex(graph, verts, b)
    else:
        ra, rb = _snap_point(graph, a), _snap_point(graph, b)
        if ra is None or rb is None:
            return Match(section, "no-path", "a node has no line to tie to (none, or only across an avoided border)", straight_m=straight,
                         published_km=published_km)
        (sa, da), (sb, db) = ra, rb
    try:
        path = nx.shortest_path(graph, sa, sb, weight="w")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return Match(section, "no-path", "the two nodes lie on unconnected lines", straight_m=straight,
                     snap_from_m=da, snap_to_m=db, published_km=published_km)
    coords: list[Coord] = [a] + [p for p in path if p not in (a, b)] + [b]
    coords = [c for i, c in enumerate(coords) if i == 0 or c != coords[i - 1]]
    length = line_length_m(coords)
    why = judge(length, straight, da, db, published_km, rule)
    return Match(section, "rejected" if why else "ok", why, tuple(coords), length, straight, da, db, published_km)


# --------------------------------------------------------------------------- shipped geometry


@dataclass(frozen=True)
class SectionGeometry:
    """A section's stored real geometry (lon/lat, from the first node to the second)."""

    line: LineString
    source: str  # "osm" or "naturalearth"
    detail: str = ""
    osm_ids: tuple[int, ...] = field(default_factory=tuple)


def parse_geometry(data: Mapping[str, Any], *, path: str = "geometry.geojson") -> dict[str, SectionGeometry]:
    """Section id -> :class:`SectionGeometry` from a parsed ``geometry.geojson``.

    Each feature carries ``section`` and ``geometry_source`` (``osm`` or
    ``naturalearth``; files written before Natural Earth was added carry only an
    ``osm:...`` ``source``, read as ``osm``). Raises ValueError naming the file, the
    field and the fix on anything else.
    """
    out: dict[str, SectionGeometry] = {}
    for i, feat in enumerate(data.get("features", [])):
        props = feat.get("properties") or {}
        sid = props.get("section")
        if not sid:
            raise ValueError(f"{path}: feature {i} has no 'section'; give it the section id")
        src = props.get("geometry_source") or str(props.get("source", "")).split(":")[0]
        if src not in ("osm", "naturalearth"):
            raise ValueError(f"{path}: feature {sid!r} has geometry_source {src!r}; use 'osm' or 'naturalearth'")
        geom = shape(feat["geometry"])
        if geom.geom_type != "LineString" or len(geom.coords) < 2:
            raise ValueError(f"{path}: feature {sid!r} geometry is not a LineString; rebuild the file")
        out[sid] = SectionGeometry(geom, src, str(props.get("source", "")),
                                   tuple(int(w) for w in props.get("osm_ids") or ()))
    return out


def orient(line: LineString, a: Coord) -> LineString:
    """``line`` running from the end nearer ``a``."""
    first, last = line.coords[0], line.coords[-1]
    if haversine_m(*last, *a) < haversine_m(*first, *a):
        return LineString(list(line.coords)[::-1])
    return line


def section_geometry(section: str, a: Coord, b: Coord,
                     geometries: Mapping[str, SectionGeometry]) -> tuple[LineString, str]:
    """The line of a section from node ``a`` to node ``b`` and its ``geometry_source``.

    The stored real geometry if there is one (oriented from ``a``), else a straight
    line, ``schematic``.
    """
    g = geometries.get(section)
    if g is not None:
        return orient(g.line, a), g.source
    return LineString([a, b]), "schematic"


def real_geometry_share(graph: nx.MultiDiGraph) -> dict[str, int]:
    """Two-way sections of ``graph`` by ``geometry_source``, plus ``total`` and ``real``."""
    seen: dict[str, str] = {}
    for _, _, d in graph.edges(data=True):
        seen.setdefault(d["section"], d.get("geometry_source") or "schematic")
    counts = {s: 0 for s in GEOMETRY_SOURCES}
    for src in seen.values():
        counts[src if src in counts else "schematic"] += 1
    counts["total"] = len(seen)
    counts["real"] = counts["total"] - counts["schematic"]
    return counts
