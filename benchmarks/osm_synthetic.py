"""A synthetic OSM XML file of N nodes (rail and road ways on a grid), for timing the importer.

Hand-made, not OpenStreetMap data: fictional coordinates around 20 E 55 N.
Usage: python benchmarks/osm_synthetic.py NODES OUT.osm
"""

from __future__ import annotations

import sys
from pathlib import Path


def write_osm(nodes: int, out: Path, *, way_len: int = 50) -> None:
    """Write ``nodes`` nodes as rail (every third way) and road ways of ``way_len`` nodes each.

    Consecutive ways share their end node, so the graph is connected, and every
    tenth way end is a station, as in real extracts.
    """
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="mobility benchmark">']
    per_row = 200
    for i in range(1, nodes + 1):
        lat, lon = 55.0 + (i // per_row) * 0.001, 20.0 + (i % per_row) * 0.001
        tag = '<tag k="railway" v="station"/><tag k="name" v="S%d"/>' % i if i % (way_len * 10) == 1 else ""
        lines.append(f'<node id="{i}" lat="{lat:.6f}" lon="{lon:.6f}">{tag}</node>' if tag
                     else f'<node id="{i}" lat="{lat:.6f}" lon="{lon:.6f}"/>')
    wid, start = 1, 1
    while start < nodes:
        end = min(start + way_len, nodes)
        refs = "".join(f'<nd ref="{n}"/>' for n in range(start, end + 1))
        if wid % 3 == 0:
            tags = ('<tag k="railway" v="rail"/><tag k="gauge" v="1435"/><tag k="tracks" v="2"/>'
                    '<tag k="maxspeed" v="120"/><tag k="usage" v="main"/>')
        else:
            tags = '<tag k="highway" v="primary"/><tag k="maxspeed" v="90"/><tag k="lanes" v="2"/>'
        lines.append(f'<way id="{wid}">{refs}{tags}</way>')
        wid, start = wid + 1, end
    lines.append("</osm>")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write_osm(int(sys.argv[1]), Path(sys.argv[2]))
