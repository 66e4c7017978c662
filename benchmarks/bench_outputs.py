"""Map, charts and report against the simulation they brief: seconds on the baseline scenario.

Run: ``python benchmarks/bench_outputs.py [--scenario scenarios/baseline.yaml] [--repeats 3]``.
Writes ``benchmarks/results/outputs.json``: the median seconds of the simulation, of the
analysis tables (tiers, bottlenecks, units, closure: computed for the console even with
``--no-map``), of each output (map built and saved, the three charts as PNG, the report
page), the outputs' sum, and the ratio outputs / simulation (the target is ≤ 1). Each part
is timed alone, in one process, after the ones before it.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's mobility, not an installed one

from mobility import load_scenario  # noqa: E402
from mobility.briefing.compose import result_map  # noqa: E402
from mobility.briefing.maps import save_map  # noqa: E402
from mobility.briefing.report import _page, chart_pngs  # noqa: E402
from mobility.simulation import simulate  # noqa: E402


def _time(fn) -> tuple[float, object]:  # noqa: ANN001
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", default=str(HERE.parent / "scenarios" / "baseline.yaml"))
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    sc = load_scenario(args.scenario)
    rows: dict[str, list[float]] = {"simulation": [], "analysis": [], "map": [], "charts": [], "report": []}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.repeats):
            t_sim, result = _time(lambda: simulate(sc))
            # tiers, bottlenecks, units, closure: the run's results, printed by `mobility run` even with --no-map
            t_an, _ = _time(lambda: (result.tiers, result.bottlenecks, result.units, result.closure))  # noqa: B023
            t_map, _ = _time(lambda: save_map(result_map(result), Path(tmp) / "map.html"))  # noqa: B023
            t_charts, pngs = _time(lambda: chart_pngs(result))  # noqa: B023
            t_report, _ = _time(lambda: _page(result, pngs, map_href="map.html"))  # noqa: B023
            for k, v in zip(rows, (t_sim, t_an, t_map, t_charts, t_report), strict=True):
                rows[k].append(v)
    med = {k: statistics.median(v) for k, v in rows.items()}
    outputs = med["map"] + med["charts"] + med["report"]
    res = {
        "scenario": Path(args.scenario).name,
        "events": int(len(result.events)),
        "repeats": args.repeats,
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "outputs_s": round(outputs, 3),
        "outputs_over_simulation": round(outputs / med["simulation"], 2),
        "machine": f"{platform.machine()}, {platform.python_version()}, shared by other sessions while measured",
        "command": "python benchmarks/bench_outputs.py --repeats " + str(args.repeats),
    }
    out = HERE / "results" / "outputs.json"
    out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
