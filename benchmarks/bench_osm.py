"""OSM import time against file size: ``python benchmarks/bench_osm.py [--sizes 2500 10000 40000]``.

Times :func:`mobility.network.from_osm` on synthetic OSM XML files of N nodes
(``benchmarks/osm_synthetic.py``: rail and road ways of 50 nodes on a grid) in
one interpreter with the libraries already imported, and splits the time into
parsing (osmnx) and the rest (simplification, schema) with cProfile off.
Writes ``benchmarks/results/osm.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))


def main() -> None:
    from osm_synthetic import write_osm

    from mobility.network import from_osm
    from mobility.network import osm as osm_mod

    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[2500, 10000, 40000])
    args = ap.parse_args()
    from_osm(HERE.parent / "tests" / "data" / "osm" / "handmade_gauge_break.osm")  # imports warm
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            f = Path(tmp) / f"n{n}.osm"
            write_osm(n, f)
            parse = {"s": 0.0}
            real_read = osm_mod._read_file

            def timed_read(*a, **k):
                t = time.perf_counter()
                try:
                    return real_read(*a, **k)
                finally:
                    parse["s"] += time.perf_counter() - t

            osm_mod._read_file = timed_read
            t0, c0 = time.perf_counter(), time.process_time()
            net = from_osm(f)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            osm_mod._read_file = real_read
            rows.append({"nodes": n, "bytes": f.stat().st_size, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                         "parse_wall_s": round(parse["s"], 2),
                         "rail_edges": net.rail.number_of_edges(), "road_edges": net.road.number_of_edges()})
            print(rows[-1], flush=True)
    out = {"machine": f"{platform.machine()}, {platform.python_version()}, 2 cores shared with other work",
           "command": "python benchmarks/bench_osm.py --sizes " + " ".join(map(str, args.sizes)), "rows": rows}
    (HERE / "results" / "osm.json").write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
