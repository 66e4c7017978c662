"""The embedded networks shipped in ``networks/<name>/`` (no network access needed).

A network folder holds ``network.json`` (name, valid years, attribution),
``nodes.csv``, ``rail_lines.csv``, ``roads.csv``, ``terminals.csv`` (one row per
two-way section or facility, each with ``source`` and ``confidence``) and,
optionally, ``geometry.geojson``: real line geometry for some sections, keyed
by ``section`` and precomputed by the folder's ``build_geometry.py`` (OpenStreetMap
or Natural Earth, see :mod:`mobility.network.geometry`; loading never reads the
source data). A row may name its section in an ``id`` column (needed when two
rows join the same nodes, e.g. an old road that ``closes`` the year its
replacement ``opens``); otherwise the id is ``rail:<from>-<to>:<gauge>`` or
``road:<from>-<to>``. Each edge says ``geometry_source``: ``osm``, ``naturalearth``
or ``schematic`` (a straight line between the nodes).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

# numpy before shapely, from Python: loaded first by shapely's C extension, numpy's C API would print an
# interrupt while it loads (Ctrl-C, SIGTERM) as a traceback instead of the command's one line
import numpy  # noqa: F401
from shapely.geometry import LineString

from mobility.errors import NetworkError
from mobility.network.geometry import SectionGeometry, haversine_m, parse_geometry, section_geometry
from mobility.network.model import CRS, Network, Terminal

ROAD_CLASS_TO_HIGHWAY = {
    "motorway": "motorway",
    "expressway": "trunk",  # Polish S-roads are highway=trunk (+motorroad) in OSM
    "trunk": "trunk",
    "primary": "primary",
    "secondary": "secondary",
}


def networks_root() -> Path:
    """Folder holding the embedded networks (``networks/`` of the source tree)."""
    here = Path(__file__).resolve().parents[2] / "networks"
    if here.is_dir():
        return here
    return Path(str(resources.files("mobility.networks")))


def available_networks() -> list[str]:
    """Names of the embedded networks."""
    return sorted(p.parent.name for p in networks_root().glob("*/network.json"))


def network_meta(name: str) -> dict[str, Any]:
    """``network.json`` of an embedded network; NetworkError naming the fix if unknown."""
    path = networks_root() / name / "network.json"
    if not path.is_file():
        raise NetworkError(
            f"unknown network {name!r}: embedded networks are {', '.join(available_networks())}; "
            "or load an OpenStreetMap extract with --osm FILE"
        )
    return json.loads(path.read_text(encoding="utf-8"))


def line_length_m(line: LineString) -> float:
    """Length of a lon/lat LineString in metres."""
    xy = list(line.coords)
    return sum(haversine_m(*a, *b) for a, b in zip(xy[:-1], xy[1:], strict=False))


def _int(value: str) -> int | None:
    value = (value or "").strip()
    return int(float(value)) if value else None


def _float(value: str) -> float | None:
    value = (value or "").strip()
    return float(value) if value else None


def _bool(value: str) -> bool | None:
    value = (value or "").strip().lower()
    if value in ("yes", "true", "1"):
        return True
    if value in ("no", "false", "0"):
        return False
    return None


def _read_csv(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise NetworkError(f"{path}: missing network file; restore it from the repository")
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def side_table_rows(name: str, filename: str) -> Iterator[tuple[str, dict[str, str]]]:
    """Rows of the side table ``filename`` of the embedded network ``name`` (e.g. ``holding_tracks.csv``),
    each with where it stands (``path:line``) for error messages; none when ``name`` is not an embedded
    network or has no such table."""
    if name not in available_networks():
        return
    path = networks_root() / name / filename
    if not path.exists():
        return
    with path.open(encoding="utf-8", newline="") as fh:
        for i, row in enumerate(csv.DictReader(fh), start=2):
            yield f"{path}:{i}", row


def side_count(where: str, field: str, text: str | None, fix: str) -> int:
    """A side table's cell as a whole number >= 0, else a :class:`NetworkError` naming the row
    (``where``), the field and the ``fix``."""
    try:
        n = int(text)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        n = -1
    if n < 0:
        raise NetworkError(f"{where}: {field} {text!r} is not a whole number >= 0; {fix}")
    return n


def side_source(where: str, row: dict[str, str]) -> str:
    """A side table row's ``source`` (a source key or the word assumption), else a :class:`NetworkError`."""
    src = (row.get("source") or "").strip()
    if not src:
        raise NetworkError(f"{where}: source is empty; give a source key or the word assumption")
    return src


def _load_geometry(folder: Path) -> dict[str, SectionGeometry]:
    path = folder / "geometry.geojson"
    if not path.is_file():
        return {}
    try:
        return parse_geometry(json.loads(path.read_text(encoding="utf-8")), path=str(path))
    except ValueError as exc:  # includes JSONDecodeError
        raise NetworkError(str(exc) if str(path) in str(exc) else
                           f"{path}: not valid GeoJSON ({exc}); rebuild it with build_geometry.py") from None


def rail_section_id(u: str, v: str, gauge: str) -> str:
    """Id of a two-way rail section (the CSV row's direction)."""
    return f"rail:{u}-{v}:{gauge}"


def road_section_id(u: str, v: str) -> str:
    """Id of a two-way road section (the CSV row's direction)."""
    return f"road:{u}-{v}"


def _add_both_ways(
    graph: nx.MultiDiGraph, u: str, v: str, attrs: dict[str, Any], geometry: LineString
) -> None:
    graph.add_edge(u, v, **attrs, geometry=geometry)
    graph.add_edge(v, u, **attrs, geometry=LineString(list(geometry.coords)[::-1]))


def _node_capacities(folder: Path, nodes: dict[str, dict[str, Any]]) -> None:
    """Attach the optional ``ports.csv`` and ``airports.csv`` capacities to their nodes.

    Ports get ``berths`` (military RoRo berths) and ``pieces_per_berth_day``
    (None: the factor table's rate), airports ``personnel_per_day``; each with
    its ``*_source``. A row for a node of another kind is refused.
    """
    specs = (("ports.csv", "port", (("berths", _int, "berths_source"),
                                    ("pieces_per_berth_day", _float, "rate_source"))),
             ("airports.csv", "airport", (("personnel_per_day", _int, "personnel_per_day_source"),)))
    for file, kind, cols in specs:
        path = folder / file
        if not path.is_file():
            continue
        for i, row in enumerate(_read_csv(path), start=2):
            node = nodes.get(row["node_id"])
            if node is None or node["kind"] != kind:
                raise NetworkError(f"{path} line {i}: node_id {row['node_id']!r} is not a {kind} in nodes.csv; "
                                   f"fix the id or the node's kind")
            for col, conv, src in cols:
                try:
                    value = conv(row.get(col, ""))
                except ValueError:
                    raise NetworkError(f"{path} line {i}: {col} {row[col]!r} is not a number; fix it") from None
                if value is not None and value <= 0:
                    raise NetworkError(f"{path} line {i}: {col} must be positive, got {value}")
                node[col] = value
                node[f"{col}_source"] = row.get(src, "")


@lru_cache(maxsize=8)
def _build(name: str) -> Network:
    meta = network_meta(name)
    folder = networks_root() / name
    detour = float(meta.get("detour_factor", 1.0))
    geoms = _load_geometry(folder)

    nodes: dict[str, dict[str, Any]] = {}
    for row in _read_csv(folder / "nodes.csv"):
        nodes[row["id"]] = {
            "x": float(row["lon"]),
            "y": float(row["lat"]),
            "kind": row["kind"],
            "name": row["name"],
            "country": row["country"],
            "source": row["source"],
            "confidence": row["confidence"],
        }

    _node_capacities(folder, nodes)

    def geometry_for(section: str, u: str, v: str) -> tuple[LineString, str]:
        a, b = nodes[u], nodes[v]
        return section_geometry(section, (a["x"], a["y"]), (b["x"], b["y"]), geoms)

    def length_for(row: dict[str, str], geom: LineString, geom_source: str) -> tuple[float, str]:
        km = _float(row.get("length_km", ""))
        if km is not None:
            return km * 1000.0, "published"
        if geom_source != "schematic":
            return line_length_m(geom), f"geometry ({geom_source})"
        return line_length_m(geom) * detour, f"schematic: straight line x {detour} ({meta.get('detour_factor_source', '')})"

    def check_ids(row: dict[str, str], file: str) -> None:
        for key in ("from_id", "to_id"):
            if row[key] not in nodes:
                raise NetworkError(f"{folder / file}: {key} {row[key]!r} is not in nodes.csv; add the node or fix the id")

    seen: set[str] = set()
    rail = nx.MultiDiGraph(crs=CRS, name=f"{name} rail")
    for row in _read_csv(folder / "rail_lines.csv"):
        check_ids(row, "rail_lines.csv")
        u, v, gauge = row["from_id"], row["to_id"], row["gauge"]
        section = (row.get("id") or "").strip() or rail_section_id(u, v, gauge)
        geom, gsrc = geometry_for(section, u, v)
        length, lsrc = length_for(row, geom, gsrc)
        rb = (row["line_id"] or "").startswith("RB-") or "Rail Baltica" in row["name"]
        tracks = _int(row["tracks"])
        attrs = {
            "section": section,
            "osmid": list(geoms[section].osm_ids) if section in geoms and geoms[section].osm_ids else None,
            "line": row["line_id"],
            "name": row["name"],
            "gauge": gauge,
            "tracks": tracks,
            "electrified": _bool(row["electrified"]),
            "maxspeed": _float(row["max_speed_kmh"]),
            "max_train_length_m": 1050.0 if rb else None,
            "max_train_length_source": "R80 (Rail Baltica design)" if rb else "",
            "trains_per_day": _float(row.get("trains_per_day", "")),
            "opens": _int(row["opens"]),
            "closes": _int(row["closes"]),
            "status": row["status"],
            "rail_baltica": rb,
            "length": length,
            "length_source": lsrc,
            "geometry_source": gsrc,
            "geometry_detail": geoms[section].detail if section in geoms else "straight line between the nodes",
            "source": row["source"],
            "confidence": row["confidence"],
        }
        if section in seen:
            raise NetworkError(f"{folder / 'rail_lines.csv'}: section id {section!r} appears twice; give one row an id")
        seen.add(section)
        for n in (u, v):
            rail.add_node(n, **nodes[n])
        _add_both_ways(rail, u, v, attrs, geom)

    road = nx.MultiDiGraph(crs=CRS, name=f"{name} road")
    for row in _read_csv(folder / "roads.csv"):
        check_ids(row, "roads.csv")
        u, v = row["from_id"], row["to_id"]
        section = (row.get("id") or "").strip() or road_section_id(u, v)
        geom, gsrc = geometry_for(section, u, v)
        length, lsrc = length_for(row, geom, gsrc)
        cls = row["class"].strip()
        if cls not in ROAD_CLASS_TO_HIGHWAY:
            raise NetworkError(f"{folder / 'roads.csv'}: class {cls!r} of {u}-{v} is unknown; use one of {sorted(ROAD_CLASS_TO_HIGHWAY)}")
        attrs = {
            "section": section,
            "highway": ROAD_CLASS_TO_HIGHWAY[cls],
            "road_class": cls,
            "ref": row["ref"],
            "name": row["name"],
            "lanes": _int(row["lanes"]),
            "maxspeed": _float(row["max_speed_kmh"]),
            "mlc": _float(row["mlc"]),
            "maxweight": _float(row.get("maxweight_t", "")),
            "maxweight_source": row.get("maxweight_source", ""),
            "bridge": _bool(row.get("bridge", "")) or False,
            "border_crossing": _bool(row["border_crossing"]) or False,
            "opens": _int(row["opens"]),
            "closes": _int(row.get("closes", "")),
            "length": length,
            "length_source": lsrc,
            "geometry_source": gsrc,
            "geometry_detail": geoms[section].detail if section in geoms else "straight line between the nodes",
            "source": row["source"],
            "confidence": row["confidence"],
        }
        if section in seen:
            raise NetworkError(f"{folder / 'roads.csv'}: section id {section!r} appears twice; give one row an id")
        seen.add(section)
        for n in (u, v):
            road.add_node(n, **nodes[n])
        _add_both_ways(road, u, v, attrs, geom)

    terminals = []
    for row in _read_csv(folder / "terminals.csv"):
        if row["node_id"] not in nodes:
            raise NetworkError(f"{folder / 'terminals.csv'}: node_id {row['node_id']!r} is not in nodes.csv")
        terminals.append(
            Terminal(
                node=row["node_id"],
                method=row["method"],
                ramps=_int(row.get("ramps", "")),
                ramps_source=row.get("ramps_source", ""),
                description=row["tracks_or_ramps"],
                rate=row["rate"],
                opens=_int(row["opens"]),
                closes=_int(row.get("closes", "")),
                source=row["source"],
                confidence=row["confidence"],
            )
        )
    unknown = set(geoms) - seen
    if unknown:
        raise NetworkError(f"{folder / 'geometry.geojson'}: geometry for unknown section(s) "
                           f"{', '.join(sorted(unknown))}; fix the section ids")
    missing = set(nodes) - set(rail) - set(road)
    if missing:
        raise NetworkError(f"{folder / 'nodes.csv'}: nodes on no edge: {', '.join(sorted(missing))}")
    return Network(
        rail=rail,
        road=road,
        terminals=tuple(terminals),
        name=name,
        year=None,
        attribution=meta.get("attribution", ""),
        sea=_sea_legs(folder, nodes, name),
    )


def _sea_legs(folder: Path, nodes: dict[str, dict[str, Any]], name: str) -> nx.MultiDiGraph | None:
    """The optional ``sea_legs.csv``: legs between port nodes, drawn along their waypoints."""
    path = folder / "sea_legs.csv"
    if not path.is_file():
        return None
    sea = nx.MultiDiGraph(crs=CRS, name=f"{name} sea")
    for i, row in enumerate(_read_csv(path), start=2):
        u, v = row["from_id"], row["to_id"]
        for end in (u, v):
            if nodes.get(end, {}).get("kind") != "port":
                raise NetworkError(f"{path} line {i}: {end!r} is not a port in nodes.csv; sea legs join ports")
        try:
            coords = [tuple(float(x) for x in p.split()) for p in row["waypoints"].split(";") if p.strip()]
            nm = float(row["distance_nm"])
        except ValueError:
            raise NetworkError(f"{path} line {i}: waypoints or distance_nm unreadable; rebuild with build_sea.py") from None
        attrs = {"section": row.get("id") or f"sea:{u}-{v}", "distance_nm": nm, "length": nm * 1852.0,
                 "length_source": row["source"], "geometry_source": "schematic (hand-drawn sea lanes)",
                 "name": f"{nodes[u]['name']} – {nodes[v]['name']} (sea)", "source": row["source"],
                 "confidence": row["confidence"]}
        for n in (u, v):
            sea.add_node(n, **nodes[n])
        _add_both_ways(sea, u, v, attrs, LineString(coords))
    return sea


def builtin_network(name: str = "baltic") -> Network:
    """The embedded network ``name`` with all years (edges keep ``opens``/``closes``).

    The graphs are built once per process and copied on return, so callers
    may edit them freely.
    """
    net = _build(name)
    return net.with_graphs(rail=net.rail.copy(), road=net.road.copy())
