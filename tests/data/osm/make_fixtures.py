"""Re-make the derived fixtures of this folder from the shared OSM samples.

Run: ``python tests/data/osm/make_fixtures.py SAMPLES_DIR`` (SAMPLES_DIR is
``shared/data/osm-samples``; needs pyosmium). Writes, byte-identical on reruns:

* ``helsinki_fi_rail_roads_clipped.osm.pbf``: ``helsinki_fi.osm.pbf`` cut down
  like ``osmium tags-filter`` (ways with any ``railway`` tag or ``highway`` in
  motorway..secondary and their ``_link`` s, the nodes of those ways that the
  source holds, and ``railway=station`` nodes). Objects are copied unchanged,
  so ways cut by the upstream bounding box still name nodes that are missing.
* ``overpass_tczew_rail.recorded.json.gz``: the reply Overpass gives osmnx for
  ``way["railway"~"^(rail)$"](poly:...);>;out;`` around Tczew, rebuilt from
  ``pomorskie_pl_rail.overpass.json.gz`` (a real Overpass reply of 2022-06-10,
  ``out body geom``): every way with a node in the bbox ``BBOX`` below, with
  its tags, and one ``node`` element per way node, placed from the way's
  ``geometry`` (the source has no separate way-node elements, so those nodes
  carry no tags). The header (``version``, ``generator``, ``osm3s``) is the
  source's.
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

import osmium

HERE = Path(__file__).resolve().parent
BBOX = (18.785, 54.085, 18.80, 54.095)  # west, south, east, north: rail junction south of Tczew
ROADS = {"motorway", "trunk", "primary", "secondary"}


def _wanted(tags: osmium.osm.TagList) -> bool:
    highway = tags.get("highway", "")
    return "railway" in tags or highway.removesuffix("_link") in ROADS


def helsinki(samples: Path) -> None:
    src = str(samples / "helsinki_fi.osm.pbf")
    refs: set[int] = set()
    for way in osmium.FileProcessor(src, osmium.osm.WAY):
        if _wanted(way.tags):
            refs.update(n.ref for n in way.nodes)
    out = HERE / "helsinki_fi_rail_roads_clipped.osm.pbf"
    out.unlink(missing_ok=True)
    header = osmium.io.Header()
    header.set("generator", "mobility tests/data/osm/make_fixtures.py")
    writer = osmium.SimpleWriter(str(out), header=header)
    try:
        for obj in osmium.FileProcessor(src, osmium.osm.NODE | osmium.osm.WAY):
            if obj.is_node() and (obj.id in refs or obj.tags.get("railway") == "station"):
                writer.add_node(obj)
            elif obj.is_way() and _wanted(obj.tags):
                writer.add_way(obj)
    finally:
        writer.close()


def overpass(samples: Path) -> None:
    west, south, east, north = BBOX
    with gzip.open(samples / "pomorskie_pl_rail.overpass.json.gz", "rt", encoding="utf-8") as fh:
        data = json.load(fh)
    nodes: dict[int, dict] = {}
    ways = []
    for el in data["elements"]:
        if el["type"] != "way" or el["tags"].get("railway") != "rail":
            continue
        if not any(west <= p["lon"] <= east and south <= p["lat"] <= north for p in el["geometry"]):
            continue
        ways.append({"type": "way", "id": el["id"], "nodes": el["nodes"], "tags": el["tags"]})
        for ref, p in zip(el["nodes"], el["geometry"], strict=True):
            nodes[ref] = {"type": "node", "id": ref, "lat": p["lat"], "lon": p["lon"]}
    reply = {k: data[k] for k in ("version", "generator", "osm3s")}
    reply["elements"] = [nodes[k] for k in sorted(nodes)] + sorted(ways, key=lambda w: w["id"])
    raw = json.dumps(reply, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    with open(HERE / "overpass_tczew_rail.recorded.json.gz", "wb") as fh:
        with gzip.GzipFile(fileobj=fh, mode="wb", mtime=0, filename="") as gz:
            gz.write(raw)


if __name__ == "__main__":
    samples_dir = Path(sys.argv[1])
    helsinki(samples_dir)
    overpass(samples_dir)
