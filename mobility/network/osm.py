"""Build a :class:`~mobility.network.model.Network` from OpenStreetMap data.

:func:`from_osm` reads a local extract (OSM XML, PBF or Overpass JSON) or
queries Overpass by place name or bounding box, keeps the railway and main
road ways, maps their tags to the schema of :mod:`mobility.network.model` and
returns a rail graph and a road graph in osmnx conventions.

Choices made here
-----------------
Which railways count
    Only ``railway=rail`` by default: main lines, branches, industrial tracks and
    sidings (``service=siding|yard|spur`` stay in, they are where trains load).
    ``light_rail``, ``subway``, ``tram``, ``monorail``, ``funicular`` and
    ``miniature`` cannot take freight trains; ``narrow_gauge`` (600-1000 mm in
    this region) cannot take 1435 or 1520 mm wagons; ``disused``, ``abandoned``,
    ``razed``, ``construction``, ``proposed`` and ``preserved`` (heritage) carry
    no freight today. Pass ``railway=("rail", "narrow_gauge")`` and the like to
    include more.
Which roads count
    ``highway`` motorway, trunk, primary, secondary and their ``_link`` ways. A
    link keeps its class (``highway="trunk"``) and gets ``link=True``.
Node ids
    Strings: ``"rail:<osm id>"`` on the rail graph and ``"road:<osm id>"`` on the
    road graph, so a level crossing (one OSM node on a railway and a road) is not
    taken for a rail-road transfer node. Each node keeps its OSM id in ``osmid``.
Sections
    ``"rail:osm<way id>:<osm node id>-<osm node id>"`` (``road:`` for roads), the
    lowest way id of the edge; both directions of a two-way edge share it, and a
    ``#2``, ``#3`` ... suffix keeps it unique.
Gauge breaks
    The graph is built unsimplified, tags are mapped to the schema, then
    :func:`osmnx.simplify_graph` runs with ``edge_attrs_differ`` on ``railway``,
    ``gauge``, ``usage``, ``highway`` and ``link``: a node where the gauge changes
    always stays a node. OSM has no gauge-change terminals, so ``terminals`` is empty and
    routing cannot cross a 1435/1520 node unless the caller adds a terminal.
Stations
    A ``railway=station`` node (not ``station=subway|light_rail|...``) on a rail
    way is kept through simplification with ``kind="station"``. A station node
    beside the track (the usual way it is mapped) names the nearest rail node
    within 300 m, which then is kept as a station.
Clipped extracts
    Ways cut at the extract's edge reference nodes the file does not hold. PBF,
    o5m and Overpass JSON input is always read with pyosmium / json, and each way
    is trimmed to its longest run of nodes that are present (ways with fewer than
    two are dropped). OSM XML is read by :func:`osmnx.graph_from_xml`; if osmnx
    refuses it for missing nodes, the file is read again the same way as a PBF.
Merged edges
    An edge merged from several OSM segments takes the lowest known ``tracks``,
    ``maxspeed``, ``maxweight``, ``maxaxleload`` and ``lanes``; ``electrified`` is
    True only if every segment is, False if any is not, else None; ``bridge`` is
    True if any segment is a bridge; texts (``name``, ``ref``, ``service`` ...)
    are the sorted distinct values joined by ``;``; ``osmid`` is the sorted list
    of way ids (an int for one way); ``length`` is the exact sum.
Never guessed
    ``mlc`` (OSM has no Military Load Class), ``trains_per_day``,
    ``max_train_length_m``, ``opens``/``closes`` and ``country`` are None; a rail
    edge without a usable ``gauge`` tag has ``gauge=None`` and says why in
    ``gauge_source``.

The osmnx settings ``useful_tags_way`` and ``useful_tags_node`` are changed
while a graph is built and restored afterwards (so building graphs from several
threads at once is not safe).
"""

from __future__ import annotations

import bz2
import gzip
import json
import math
import re
import tempfile
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError
from xml.sax import SAXException

import networkx as nx
import numpy as np
import osmium
import osmnx as ox
import requests
from osmnx._errors import InsufficientResponseError
from scipy.spatial import cKDTree
from shapely.geometry import LineString

from mobility.errors import NetworkError
from mobility.network.geometry import haversine_m
from mobility.network.model import CRS, Network

__all__ = [
    "FREIGHT_RAILWAY",
    "OSM_ATTRIBUTION",
    "ROAD_HIGHWAY",
    "from_osm",
]

OSM_ATTRIBUTION = "© OpenStreetMap contributors (ODbL 1.0)"
FREIGHT_RAILWAY: tuple[str, ...] = ("rail",)
"""``railway`` values kept by default: track that freight trains can use today."""
ROAD_HIGHWAY: tuple[str, ...] = ("motorway", "trunk", "primary", "secondary")
"""``highway`` classes kept (each also with its ``_link``)."""

_USEFUL_TAGS_WAY = (
    "railway", "gauge", "tracks", "electrified", "usage", "service", "maxspeed",
    "maxspeed:freight", "maxweight", "maxaxleload", "bridge", "ref", "name", "highway",
    "lanes", "oneway", "junction",
)
_USEFUL_TAGS_NODE = ("highway", "junction", "railway", "ref", "name", "station")
_SIMPLIFY_DIFFER = ("railway", "gauge", "usage", "highway", "link")
_NOT_FREIGHT_STATIONS = {"subway", "light_rail", "monorail", "funicular", "miniature", "tram"}
_STATION_SNAP_M = 300.0
_KEEP = "_mobility_keep"
_XML_SUFFIXES = (".osm", ".xml")
_OSMIUM_SUFFIXES = (".pbf", ".o5m")
_JSON_SUFFIXES = (".json",)
_COMPRESSIONS = (".bz2", ".gz")
_SUPPORTED = "OSM XML (.osm, .osm.bz2, .osm.gz, .xml), PBF (.osm.pbf) or Overpass JSON (.json, .json.gz)"
_TAGS_FILTER_HINT = (
    "osmium tags-filter IN.osm.pbf w/railway=rail w/highway=motorway,trunk,primary,secondary "
    "-o OUT.osm.pbf"
)
_ELECTRIFIED_YES = {"yes", "contact_line", "rail", "4th_rail", "ground-level_power_supply"}
_SPEED_UNITS = {"": 1.0, "km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}
_WEIGHT_UNITS = {"": 1.0, "t": 1.0, "kg": 0.001, "st": 0.90718474, "lbs": 0.00045359237, "lb": 0.00045359237}
_NUMBER_UNIT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*([a-z/]*)\s*$")


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------
def from_osm(
    path: str | Path | None = None,
    *,
    place: str | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    name: str | None = None,
    simplify: bool = True,
    railway: Collection[str] = FREIGHT_RAILWAY,
) -> Network:
    """Build a network from an OSM extract, a place name or a bounding box.

    Parameters
    ----------
    path
        Local extract: OSM XML (``.osm``, ``.osm.bz2``, ``.osm.gz``, ``.xml``),
        PBF (``.osm.pbf``, converted to OSM XML with pyosmium) or an Overpass
        JSON response (``.json``, ``.json.gz``).
    place
        Place name to geocode with Nominatim and query from Overpass (network
        access needed).
    bbox
        ``(west, south, east, north)`` in degrees to query from Overpass.
    name
        Network name; default the file name without its extensions, the place
        name or ``"bbox w,s,e,n"``.
    simplify
        Merge the chains of interstitial OSM nodes into one edge each (osmnx
        simplification, never across a change of ``railway``, ``gauge``,
        ``usage`` or ``highway``, nor across a station).
    railway
        ``railway`` values that make the rail graph (default ``("rail",)``;
        see the module docstring for why).

    Returns
    -------
    Network
        Rail and road graphs following the schema of
        :mod:`mobility.network.model`, no terminals, ``year=None`` and the ODbL
        attribution.

    Raises
    ------
    NetworkError
        Not exactly one of path, place, bbox; a missing, empty, unreadable or
        unsupported file; a failed query; or no railway of the wanted kind.
    """
    label, source, default_name = _check_input(path, place, bbox)
    railway_values = _check_railway(railway)
    with _osmnx_tags():
        if path is not None:
            raw = _read_file(Path(path).expanduser(), label=label)
        else:
            raw = _download(place=place, bbox=bbox, railway=railway_values, label=label)
    rail_raw = _select_edges(raw, lambda d: d.get("railway") in railway_values)
    road_raw = _select_edges(raw, lambda d: _road_class(d.get("highway")) is not None)
    if rail_raw.number_of_edges() == 0:
        raise NetworkError(_no_rail_message(label, raw, railway_values))
    net_name = name or default_name
    rail = _rail_graph(rail_raw, raw, simplify=simplify, source=source, name=f"{net_name} rail")
    road = _road_graph(road_raw, simplify=simplify, source=source, name=f"{net_name} road")
    return Network(
        rail=rail, road=road, terminals=(), name=net_name, year=None, attribution=OSM_ATTRIBUTION
    )


# ---------------------------------------------------------------------------
# input checks
# ---------------------------------------------------------------------------
def _check_input(
    path: str | Path | None, place: str | None, bbox: tuple[float, float, float, float] | None
) -> tuple[str, str, str]:
    """Label (for messages), ``source`` value and default network name of the input."""
    given = [k for k, v in (("path", path), ("place", place), ("bbox", bbox)) if v is not None]
    if len(given) != 1:
        what = " and ".join(given) if given else "none of them"
        raise NetworkError(
            f"from_osm needs exactly one of path, place or bbox (got {what}); "
            "pass a file path, or place='Name', or bbox=(west, south, east, north)"
        )
    if path is not None:
        p = Path(path).expanduser()
        return str(path), f"osm:{p.name}", _strip_suffixes(p.name)
    if place is not None:
        if not isinstance(place, str) or not place.strip():
            raise NetworkError(f"place {place!r}: give a place name such as 'Suwałki, Poland'")
        return f"place {place!r}", "osm:overpass", place
    assert bbox is not None
    try:
        west, south, east, north = (float(v) for v in bbox)
    except (TypeError, ValueError):
        raise NetworkError(
            f"bbox {bbox!r}: give four numbers (west, south, east, north) in degrees"
        ) from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise NetworkError(
            f"bbox {bbox!r}: not (west, south, east, north) degrees with west < east and "
            "south < north; check the order of the numbers"
        )
    text = f"{west:g},{south:g},{east:g},{north:g}"
    return f"bbox ({text})", "osm:overpass", f"bbox {text}"


def _check_railway(railway: Collection[str]) -> tuple[str, ...]:
    values = (railway,) if isinstance(railway, str) else tuple(railway)
    if not values or not all(isinstance(v, str) and re.fullmatch(r"[a-z_]+", v) for v in values):
        raise NetworkError(
            f"railway={railway!r}: give OSM railway values such as ('rail',) or "
            "('rail', 'narrow_gauge')"
        )
    return tuple(dict.fromkeys(values))


def _strip_suffixes(filename: str) -> str:
    stem = filename
    for suffix in (*_COMPRESSIONS, ".json", ".pbf", ".o5m", ".osm", ".xml", ".overpass"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    return stem or filename


def _file_kind(path: Path) -> tuple[str, str]:
    """(``"xml"``/``"osmium"``/``"json"``, compression suffix) from the file name."""
    suffixes = [s.lower() for s in path.suffixes]
    compression = suffixes.pop() if suffixes and suffixes[-1] in _COMPRESSIONS else ""
    last = suffixes[-1] if suffixes else ""
    if last in _XML_SUFFIXES:
        return "xml", compression
    if last in _OSMIUM_SUFFIXES and not compression:
        return "osmium", ""
    if last in _JSON_SUFFIXES:
        return "json", compression
    raise NetworkError(
        f"{path}: unsupported file type {''.join(path.suffixes) or '(no extension)'!r}; "
        f"use {_SUPPORTED}"
    )


# ---------------------------------------------------------------------------
# osmnx settings
# ---------------------------------------------------------------------------
@contextmanager
def _osmnx_tags() -> Iterator[None]:
    """Set the osmnx tag lists this module needs; restore them afterwards."""
    old_way, old_node = ox.settings.useful_tags_way, ox.settings.useful_tags_node
    ox.settings.useful_tags_way = list(_USEFUL_TAGS_WAY)
    ox.settings.useful_tags_node = list(_USEFUL_TAGS_NODE)
    try:
        yield
    finally:
        ox.settings.useful_tags_way, ox.settings.useful_tags_node = old_way, old_node


# ---------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------
@dataclass
class _Extract:
    """The wanted part of an OSM file: nodes ``id -> (lon, lat, tags)``, ways ``id -> (refs, tags)``."""

    nodes: dict[int, tuple[float, float, dict[str, str]]] = field(default_factory=dict)
    ways: dict[int, tuple[list[int], dict[str, str]]] = field(default_factory=dict)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 160 else text[:157] + "..."


def _read_file(path: Path, *, label: str) -> nx.MultiDiGraph:
    """The unsimplified osmnx graph of every way in a local file."""
    kind, compression = _file_kind(path)
    if not path.exists():
        raise NetworkError(f"{label}: no such file; check the path (expected {_SUPPORTED})")
    if not path.is_file():
        raise NetworkError(f"{label}: not a file; give the path of an OSM extract ({_SUPPORTED})")
    if path.stat().st_size == 0:
        raise NetworkError(
            f"{label}: empty file; download or export the extract again (e.g. from "
            "download.geofabrik.de or overpass-turbo.eu)"
        )
    what = {"xml": "OSM XML", "osmium": "PBF", "json": "Overpass JSON"}[kind]
    try:
        if kind == "xml":
            try:
                return ox.graph_from_xml(path, simplify=False, retain_all=True)
            except ValueError as exc:
                if "clipping" not in str(exc):
                    raise
            fmt = "osm" + compression
            return _graph_from_extract(_extract_with_osmium(osmium.io.File(str(path), fmt)))
        if kind == "osmium":
            return _graph_from_extract(_extract_with_osmium(osmium.io.File(str(path), path.suffix[1:])))
        return _graph_from_extract(_extract_from_overpass(_load_json(path, compression)))
    except NetworkError:
        raise
    except InsufficientResponseError:
        return nx.MultiDiGraph(crs=CRS)
    except (
        OSError, EOFError, ValueError, KeyError, TypeError, RuntimeError, ParseError,
        SAXException, UnicodeError,
    ) as exc:
        raise NetworkError(
            f"{label}: not a readable {what} file ({_one_line(exc)}); check that the file "
            "is complete and in the format its extension says"
        ) from exc


def _load_json(path: Path, compression: str) -> dict[str, Any]:
    opener = {"": open, ".gz": gzip.open, ".bz2": bz2.open}[compression]
    with opener(path, "rt", encoding="utf-8") as fh:  # type: ignore[operator]
        data = json.load(fh)
    if not isinstance(data, dict) or not isinstance(data.get("elements"), list):
        raise ValueError("no 'elements' list: not an Overpass API JSON response")
    return data


def _wanted_way(tags: Mapping[str, str]) -> bool:
    """Railways of any kind (selected later) and the main road classes."""
    return "railway" in tags or _road_class(tags.get("highway")) is not None


def _is_freight_station(tags: Mapping[str, Any]) -> bool:
    return tags.get("railway") == "station" and tags.get("station") not in _NOT_FREIGHT_STATIONS


def _longest_run(refs: list[int], present: Callable[[int], bool]) -> list[int]:
    """The longest run of consecutive refs that are present (the first one on a tie)."""
    best = (0, 0)
    start = 0
    for i, ref in enumerate(refs):
        if not present(ref):
            start = i + 1
        elif i + 1 - start > best[1] - best[0]:
            best = (start, i + 1)
    return refs[best[0] : best[1]]


def _extract_with_osmium(source: osmium.io.File) -> _Extract:
    """Wanted ways (trimmed to nodes present) and their nodes, read with pyosmium."""
    out = _Extract()
    node_tags: dict[int, dict[str, str]] = {}
    stations: dict[int, tuple[float, float, dict[str, str]]] = {}
    for obj in osmium.FileProcessor(source, osmium.osm.NODE | osmium.osm.WAY).with_locations():
        if obj.is_node():
            tags = obj.tags
            if "railway" in tags or "highway" in tags:
                kept = {k: tags[k] for k in _USEFUL_TAGS_NODE if k in tags}
                node_tags[obj.id] = kept
                if _is_freight_station(kept) and obj.location.valid():
                    stations[obj.id] = (obj.location.lon, obj.location.lat, kept)
        elif obj.is_way() and _wanted_way(obj.tags):
            locs = {n.ref: n.location for n in obj.nodes}
            refs = [n.ref for n in obj.nodes]
            run = _longest_run(refs, lambda r, locs=locs: locs[r].valid())
            if len(set(run)) < 2:
                continue
            out.ways[obj.id] = (run, {k: v for k, v in obj.tags})
            for ref in run:
                loc = locs[ref]
                out.nodes[ref] = (loc.lon, loc.lat, node_tags.get(ref, {}))
    for sid, node in stations.items():
        out.nodes.setdefault(sid, node)
    return out


def _extract_from_overpass(data: Mapping[str, Any]) -> _Extract:
    """Wanted ways and their nodes from an Overpass JSON response (``out body`` or ``out geom``)."""
    out = _Extract()
    coords: dict[int, tuple[float, float]] = {}
    node_tags: dict[int, dict[str, str]] = {}
    ways = []
    for el in data["elements"]:
        if el.get("type") == "node" and "lat" in el and "lon" in el:
            coords[int(el["id"])] = (float(el["lon"]), float(el["lat"]))
            tags = el.get("tags") or {}
            node_tags[int(el["id"])] = {k: str(tags[k]) for k in _USEFUL_TAGS_NODE if k in tags}
        elif el.get("type") == "way":
            ways.append(el)
            for ref, pt in zip(el.get("nodes") or [], el.get("geometry") or [], strict=False):
                if pt and "lat" in pt and "lon" in pt:
                    coords.setdefault(int(ref), (float(pt["lon"]), float(pt["lat"])))
    for el in ways:
        tags = {str(k): str(v) for k, v in (el.get("tags") or {}).items()}
        if not _wanted_way(tags):
            continue
        run = _longest_run([int(r) for r in el.get("nodes") or []], coords.__contains__)
        if len(set(run)) < 2:
            continue
        out.ways[int(el["id"])] = (run, tags)
        for ref in run:
            out.nodes[ref] = (*coords[ref], node_tags.get(ref, {}))
    for nid, tags in node_tags.items():
        if _is_freight_station(tags):
            out.nodes.setdefault(nid, (*coords[nid], tags))
    return out


def _graph_from_extract(extract: _Extract) -> nx.MultiDiGraph:
    """Write the extract as OSM XML in a temporary folder and read it with osmnx."""
    if not extract.ways:
        return nx.MultiDiGraph(crs=CRS)
    with tempfile.TemporaryDirectory(prefix="mobility-osm-") as tmp:
        xml = Path(tmp) / "extract.osm"
        writer = osmium.SimpleWriter(str(xml))
        try:
            for nid in sorted(extract.nodes):
                lon, lat, tags = extract.nodes[nid]
                writer.add_node(osmium.osm.mutable.Node(id=nid, location=(lon, lat), tags=tags))
            for wid in sorted(extract.ways):
                refs, tags = extract.ways[wid]
                writer.add_way(osmium.osm.mutable.Way(id=wid, nodes=refs, tags=tags))
        finally:
            writer.close()
        return ox.graph_from_xml(xml, simplify=False, retain_all=True)


def _overpass_filters(railway: tuple[str, ...]) -> list[str]:
    roads = "|".join(ROAD_HIGHWAY)
    return [f'["railway"~"^({"|".join(railway)})$"]', f'["highway"~"^({roads})(_link)?$"]']


def _download(
    *,
    place: str | None,
    bbox: tuple[float, float, float, float] | None,
    railway: tuple[str, ...],
    label: str,
) -> nx.MultiDiGraph:
    """The unsimplified osmnx graph of the wanted ways from Overpass."""
    filters = _overpass_filters(railway)
    try:
        if place is not None:
            return ox.graph_from_place(
                place, custom_filter=filters, simplify=False, retain_all=True
            )
        assert bbox is not None
        return ox.graph_from_bbox(
            tuple(float(v) for v in bbox),  # type: ignore[arg-type]
            custom_filter=filters,
            simplify=False,
            retain_all=True,
        )
    except InsufficientResponseError as exc:
        if "Nominatim" in str(exc):
            raise NetworkError(
                f"{label}: Nominatim found no such place ({_one_line(exc)}); check the spelling "
                "or give bbox=(west, south, east, north)"
            ) from exc
        return nx.MultiDiGraph(crs=CRS)
    except ValueError as exc:
        if "no graph nodes within" not in str(exc):
            raise NetworkError(
                f"{label}: the Overpass/Nominatim query failed ({_one_line(exc)}); check the "
                "connection or load a local extract with from_osm(path)"
            ) from exc
        return nx.MultiDiGraph(crs=CRS)
    except TypeError as exc:
        raise NetworkError(
            f"{label}: the place has no boundary polygon in OSM ({_one_line(exc)}); use a "
            "larger unit (town, county) or give bbox=(west, south, east, north)"
        ) from exc
    except (requests.RequestException, OSError) as exc:
        raise NetworkError(
            f"{label}: the Overpass/Nominatim query failed ({_one_line(exc)}); check the "
            "connection or load a local extract with from_osm(path)"
        ) from exc


def _no_rail_message(label: str, raw: nx.MultiDiGraph, railway: tuple[str, ...]) -> str:
    found: Counter[str] = Counter()
    seen: set[tuple[Any, Any]] = set()
    for _, _, d in raw.edges(data=True):
        value, way = d.get("railway"), d.get("osmid")
        if isinstance(value, str) and (value, way) not in seen:
            seen.add((value, way))
            found[value] += 1
    wanted = "|".join(railway)
    text = f"{label}: no railway={wanted} ways in this extract"
    if found:
        listed = ", ".join(f"railway={k} ({n} ways)" for k, n in sorted(found.items()))
        text += f" (it has {listed})"
    text += f"; use an extract that includes railways, e.g. {_TAGS_FILTER_HINT}"
    if found:
        extra = ", ".join(repr(v) for v in (*railway, *sorted(found)))
        text += f", or include other railway types with railway=({extra})"
    return text


# ---------------------------------------------------------------------------
# tag parsing (pure, one OSM value in, one schema value out)
# ---------------------------------------------------------------------------
def _parts(value: Any) -> list[str]:
    if value is None:
        return []
    return [p.strip() for p in str(value).split(";") if p.strip()]


def _parse_gauge(value: Any) -> str | None:
    """``"1520;1435"`` -> ``"1435;1520"``; None if missing or not all numbers."""
    parts = _parts(value)
    if not parts or not all(p.isdigit() for p in parts):
        return None
    return ";".join(str(g) for g in sorted({int(p) for p in parts}))


def _parse_number_unit(value: Any, units: Mapping[str, float]) -> float | None:
    """Lowest of the ``;``-separated ``<number> [unit]`` values, converted with ``units``."""
    out = []
    for part in _parts(value):
        m = _NUMBER_UNIT.match(part.lower())
        if m and m.group(2) in units:
            out.append(float(m.group(1).replace(",", ".")) * units[m.group(2)])
    return min(out) if out else None


def _parse_maxspeed(value: Any) -> float | None:
    """km/h from ``"120"``, ``"120 km/h"``, ``"50 mph"``, ``"100;80"`` (lowest); None otherwise."""
    return _parse_number_unit(value, _SPEED_UNITS)


def _parse_weight(value: Any) -> float | None:
    """Tonnes from ``"7.5"``, ``"7.5 t"``, ``"20000 kg"``, ``"10 st"``; None otherwise."""
    return _parse_number_unit(value, _WEIGHT_UNITS)


def _parse_int(value: Any) -> int | None:
    """Lowest whole number of a ``;``-separated value (``"2"`` -> 2); None otherwise."""
    nums = [int(p) for p in _parts(value) if p.isdigit()]
    return min(nums) if nums else None


def _parse_electrified(value: Any) -> bool | None:
    parts = {p.lower() for p in _parts(value)}
    if parts & _ELECTRIFIED_YES:
        return True
    if parts == {"no"}:
        return False
    return None


def _parse_bridge(value: Any) -> bool:
    return value is not None and str(value).strip().lower() not in ("", "no")


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _road_class(value: Any) -> str | None:
    """``"trunk_link"`` -> ``"trunk"``; None for classes not kept."""
    if not isinstance(value, str):
        return None
    base = value.removesuffix("_link")
    return base if base in ROAD_HIGHWAY else None


def _rail_attrs(d: Mapping[str, Any]) -> dict[str, Any]:
    gauge = _parse_gauge(d.get("gauge"))
    if gauge is not None:
        gauge_source = "osm"
    elif d.get("gauge") is None:
        gauge_source = "unknown: no gauge tag on the OSM way"
    else:
        gauge_source = f"unknown: unreadable gauge tag {d['gauge']!r}"
    freight = _parse_maxspeed(d.get("maxspeed:freight"))
    speed = freight if freight is not None else _parse_maxspeed(d.get("maxspeed"))
    if freight is not None:
        speed_source: str | None = "osm maxspeed:freight"
    else:
        speed_source = "osm maxspeed" if speed is not None else None
    railway = str(d["railway"])
    ref = _text(d.get("ref"))
    return {
        "railway": railway,
        "gauge": gauge,
        "gauge_source": gauge_source,
        "tracks": _parse_int(d.get("tracks")),
        "electrified": _parse_electrified(d.get("electrified")),
        "maxspeed": speed,
        "maxspeed_source": speed_source,
        "maxaxleload": _parse_weight(d.get("maxaxleload")),
        "usage": _text(d.get("usage")),
        "service": _text(d.get("service")),
        "bridge": _parse_bridge(d.get("bridge")),
        "name": _text(d.get("name")),
        "ref": ref,
        "line": ref,
        "status": railway if railway in {"disused", "abandoned", "razed", "construction",
                                         "proposed", "preserved"} else "open",
    }


def _road_attrs(d: Mapping[str, Any]) -> dict[str, Any]:
    lanes = _parse_int(d.get("lanes"))
    oneway = bool(d.get("oneway"))
    if lanes is not None and not oneway:
        lanes = max(1, lanes // 2)
    return {
        "highway": _road_class(d.get("highway")),
        "link": str(d.get("highway")).endswith("_link"),
        "ref": _text(d.get("ref")),
        "name": _text(d.get("name")),
        "lanes": lanes,
        "maxspeed": _parse_maxspeed(d.get("maxspeed")),
        "maxweight": _parse_weight(d.get("maxweight")),
        "bridge": _parse_bridge(d.get("bridge")),
    }


# ---------------------------------------------------------------------------
# aggregation of merged edges (simplification): lists -> one deterministic scalar
# ---------------------------------------------------------------------------
def _known(values: Iterable[Any]) -> list[Any]:
    return [v for v in values if v is not None]


def _agg_min(values: list[Any]) -> Any:
    known = _known(values)
    return min(known) if known else None


def _agg_text(values: list[Any]) -> str | None:
    known = sorted({str(v) for v in _known(values)})
    return ";".join(known) if known else None


def _agg_electrified(values: list[Any]) -> bool | None:
    if any(v is False for v in values):
        return False
    return True if values and all(v is True for v in values) else None


def _agg_gauge(values: list[Any]) -> str | None:
    """Cannot see two gauges (simplification splits on gauge); if it did, keep what all carry."""
    sets = [set(_parts(v)) for v in values]
    if not sets or any(not s for s in sets):
        return None
    common = set.intersection(*sets)
    return ";".join(sorted(common, key=int)) if common else None


def _agg_osmid(values: list[Any]) -> int | list[int]:
    ids = sorted({int(v) for v in values})
    return ids[0] if len(ids) == 1 else ids


_AGGREGATE: dict[str, Callable[[list[Any]], Any]] = {
    "length": math.fsum,
    "osmid": _agg_osmid,
    "gauge": _agg_gauge,
    "tracks": _agg_min,
    "maxspeed": _agg_min,
    "maxaxleload": _agg_min,
    "maxweight": _agg_min,
    "lanes": _agg_min,
    "electrified": _agg_electrified,
    "bridge": any,
    "link": all,
    "oneway": any,
}


def _aggregations(graph: nx.MultiDiGraph) -> dict[str, Callable[[list[Any]], Any]]:
    keys = {k for _, _, d in graph.edges(data=True) for k in d}
    return {k: _AGGREGATE.get(k, _agg_text) for k in keys if k != "geometry"}


# ---------------------------------------------------------------------------
# graph building
# ---------------------------------------------------------------------------
def _select_edges(raw: nx.MultiDiGraph, keep: Callable[[Mapping[str, Any]], bool]) -> nx.MultiDiGraph:
    """The edges of ``raw`` that ``keep`` accepts, with their end nodes (a copy)."""
    out = nx.MultiDiGraph(crs=raw.graph.get("crs", CRS))
    for u, v, k, d in raw.edges(keys=True, data=True):
        if keep(d):
            for n in (u, v):
                if n not in out:
                    out.add_node(n, **raw.nodes[n])
            out.add_edge(u, v, key=k, **d)
    return out


def _make_two_way(graph: nx.MultiDiGraph) -> None:
    """Add the missing reverse edge of every one-way OSM rail way (track runs both ways)."""
    present = {(u, v, d["osmid"]) for u, v, d in graph.edges(data=True)}
    for u, v, d in list(graph.edges(data=True)):
        if (v, u, d["osmid"]) not in present:
            graph.add_edge(v, u, **{**d, "reversed": not d.get("reversed", False)})
            present.add((v, u, d["osmid"]))
    for _, _, d in graph.edges(data=True):
        d["oneway"] = False


def _mark_stations(rail: nx.MultiDiGraph, raw: nx.MultiDiGraph) -> dict[int, dict[str, Any]]:
    """Station name and origin per rail node: stations on the track, then snapped ones."""
    found: dict[int, dict[str, Any]] = {}
    loose = []
    for n, d in raw.nodes(data=True):
        if not _is_freight_station(d):
            continue
        if n in rail:
            found[n] = {"name": _text(d.get("name")), "station_osmid": n, "station_distance_m": 0.0}
        elif "x" in d and "y" in d:
            loose.append((n, d))
    if loose and rail.number_of_nodes():
        ids = list(rail.nodes)
        lat0 = math.radians(float(np.mean([rail.nodes[n]["y"] for n in ids])))
        scale = np.array([111_320.0 * math.cos(lat0), 110_540.0])
        tree = cKDTree(np.array([[rail.nodes[n]["x"], rail.nodes[n]["y"]] for n in ids]) * scale)
        for sid, d in sorted(loose, key=lambda item: item[0]):
            _, i = tree.query(np.array([d["x"], d["y"]]) * scale)
            target = ids[int(i)]
            t = rail.nodes[target]
            dist = haversine_m(d["x"], d["y"], t["x"], t["y"])
            if dist > _STATION_SNAP_M:
                continue
            if target in found and found[target]["station_distance_m"] <= dist:
                continue
            found[target] = {
                "name": _text(d.get("name")), "station_osmid": sid, "station_distance_m": round(dist, 1)
            }
    return found


def _simplify(graph: nx.MultiDiGraph, keep: Iterable[int]) -> nx.MultiDiGraph:
    for n in keep:
        graph.nodes[n][_KEEP] = True
    if graph.number_of_edges():
        graph = ox.simplify_graph(
            graph,
            node_attrs_include=[_KEEP],
            edge_attrs_differ=list(_SIMPLIFY_DIFFER),
            edge_attr_aggs=_aggregations(graph),
        )
    for _, d in graph.nodes(data=True):
        d.pop(_KEEP, None)
    return graph


def _finish(
    graph: nx.MultiDiGraph,
    *,
    mode: str,
    source: str,
    name: str,
    node_kind: Mapping[int, dict[str, Any]],
) -> nx.MultiDiGraph:
    """Relabel nodes, set node attributes, geometry, sections and sources."""
    out = nx.MultiDiGraph(**{**graph.graph, "crs": CRS, "name": name, "source": source})
    key = {n: f"{mode}:{n}" for n in graph.nodes}
    for n, d in graph.nodes(data=True):
        station = node_kind.get(n)
        attrs: dict[str, Any] = {
            "x": float(d["x"]),
            "y": float(d["y"]),
            "osmid": int(n),
            "kind": "station" if station else "junction",
            "name": station["name"] if station else _text(d.get("name")),
            "country": None,
            "source": source,
        }
        if station:
            attrs["station_osmid"] = station["station_osmid"]
            attrs["station_distance_m"] = station["station_distance_m"]
        out.add_node(key[n], **attrs)
    edges = []
    for u, v, d in graph.edges(data=True):
        attrs = dict(d)
        attrs.pop("reversed", None)
        geom = attrs.get("geometry")
        if geom is None:
            a, b = graph.nodes[u], graph.nodes[v]
            geom = LineString([(a["x"], a["y"]), (b["x"], b["y"])])
        attrs["geometry"] = geom
        attrs["length"] = float(attrs["length"])
        attrs.update(
            length_source="geometry (osm)",
            geometry_source="osm",
            source=source,
            confidence="M",
            opens=None,
            closes=None,
        )
        edges.append((u, v, attrs))
    for (u, v, attrs), section in zip(edges, _sections(edges, mode), strict=True):
        out.add_edge(key[u], key[v], section=section, **attrs)
    return out


def _sections(edges: list[tuple[int, int, dict[str, Any]]], mode: str) -> list[str]:
    """One id per two-way section: an edge and its reverse (same ways, mirrored geometry) share it."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, (u, v, d) in enumerate(edges):
        ids = d["osmid"] if isinstance(d["osmid"], list) else [d["osmid"]]
        coords = tuple(d["geometry"].coords)
        forward = coords <= coords[::-1]
        a, b = (u, v) if forward else (v, u)
        groups.setdefault((min(ids), a, b, min(coords, coords[::-1])), []).append(i)
    out = [""] * len(edges)
    used: Counter[str] = Counter()
    for (way, a, b, canon), members in sorted(groups.items()):
        fwd = [i for i in members if tuple(edges[i][2]["geometry"].coords) == canon]
        rev = [i for i in members if i not in fwd]
        while fwd or rev:
            pair = [lst.pop(0) for lst in (fwd, rev) if lst]
            base = f"{mode}:osm{way}:{a}-{b}"
            used[base] += 1
            section = base if used[base] == 1 else f"{base}#{used[base]}"
            for i in pair:
                out[i] = section
    return out


def _normalise(graph: nx.MultiDiGraph, to_schema: Callable[[Mapping[str, Any]], dict[str, Any]]) -> None:
    """Replace each edge's raw OSM tags by schema attributes (osmnx's own attributes stay)."""
    memo: dict[tuple[Any, ...], dict[str, Any]] = {}
    for _, _, d in graph.edges(data=True):
        raw = tuple(d.get(k) for k in _USEFUL_TAGS_WAY)
        if raw not in memo:
            memo[raw] = to_schema(d)
        schema = memo[raw]
        kept = {k: d[k] for k in ("osmid", "oneway", "reversed", "length") if k in d}
        d.clear()
        d.update(kept, **schema)


def _rail_graph(
    rail_raw: nx.MultiDiGraph, raw: nx.MultiDiGraph, *, simplify: bool, source: str, name: str
) -> nx.MultiDiGraph:
    """Rail graph: both directions, schema attributes, stations kept, simplified."""
    graph = rail_raw.copy()
    _make_two_way(graph)
    _normalise(graph, _rail_attrs)
    stations = _mark_stations(graph, raw)
    if simplify:
        graph = _simplify(graph, stations)
    out = _finish(graph, mode="rail", source=source, name=name, node_kind=stations)
    for _, _, d in out.edges(data=True):
        d.update(max_train_length_m=None, trains_per_day=None)
    return out


def _road_graph(
    road_raw: nx.MultiDiGraph, *, simplify: bool, source: str, name: str
) -> nx.MultiDiGraph:
    """Road graph: OSM one-way rules, schema attributes, simplified."""
    graph = road_raw.copy()
    _normalise(graph, _road_attrs)
    if simplify:
        graph = _simplify(graph, ())
    out = _finish(graph, mode="road", source=source, name=name, node_kind={})
    for _, _, d in out.edges(data=True):
        d.update(mlc=None, border_crossing=False)
    return out
