"""Network load and routing benchmark: medians of repeated runs, in one process.

Run: ``python benchmarks/bench_network.py``. Writes ``benchmarks/results/network.json``.
Cold load = first build in a fresh interpreter (includes imports: measured in a subprocess);
warm load = ``load_network`` again (cached parse, year filter and copy). Routing: many
queries on one Router (precomputed sparse graph, one Dijkstra per profile and origin),
compared with networkx's ``shortest_path`` per query on the same graph as a baseline.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import networkx as nx

from mobility.network import load_network
from mobility.network.routing import Mover, Router

HERE = Path(__file__).resolve().parent


def cold_load_s() -> float:
    code = ("import time; t=time.perf_counter(); import mobility; mobility.load_network(year=2026); "
            "print(time.perf_counter()-t)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> None:
    cold = [cold_load_s() for _ in range(5)]
    warm = []
    for _ in range(20):
        t = time.perf_counter()
        load_network(year=2026)
        warm.append(time.perf_counter() - t)
    net = load_network(year=2026)
    nodes = sorted(set(net.rail) & set(net.road))
    pairs = [(a, b) for a in nodes for b in nodes if a != b]
    mover = Mover.convoy(mlc=70)
    router_runs, nx_runs = [], []
    for _ in range(5):
        t = time.perf_counter()
        r = Router(net)
        for a, b in pairs:
            r.hours(a, b, mover)
        router_runs.append(time.perf_counter() - t)
        g = nx.DiGraph()
        for u, v, d in net.road.edges(data=True):
            w = d["length"] / 1000.0 / r._march_speed(d)
            if not g.has_edge(u, v) or g[u][v]["w"] > w:
                g.add_edge(u, v, w=w)
        t = time.perf_counter()
        for a, b in pairs:
            nx.shortest_path_length(g, a, b, weight="w")
        nx_runs.append(time.perf_counter() - t)
    out = {
        "cold_load_s_median": statistics.median(cold),
        "warm_load_s_median": statistics.median(warm),
        "queries": len(pairs),
        "router_s_median": statistics.median(router_runs),
        "router_us_per_query": statistics.median(router_runs) / len(pairs) * 1e6,
        "networkx_s_median": statistics.median(nx_runs),
        "networkx_us_per_query": statistics.median(nx_runs) / len(pairs) * 1e6,
        "speedup_vs_networkx": statistics.median(nx_runs) / statistics.median(router_runs),
    }
    (HERE / "results").mkdir(exist_ok=True)
    (HERE / "results" / "network.json").write_text(json.dumps(out, indent=2))
    for k, v in out.items():
        print(f"{k:>26}: {round(v, 4) if isinstance(v, float) else v}")


if __name__ == "__main__":
    main()
