"""Map, charts, report and export against the simulation they brief: seconds on the baseline scenario.

Run: ``python benchmarks/bench_outputs.py [--scenario scenarios/baseline.yaml] [--repeats 5]``.

One process. A first, cold round (imports of matplotlib and folium, the network read
from disk) is recorded apart; then ``--repeats`` rounds, each of which times, one after
the other and each alone:

``simulation``  :func:`mobility.simulate` (the model run that produces the event log), with the
                process's shared routers dropped first, so that each round plans its routes
                as a single ``mobility run`` does
``analysis``    ``result.summary()``, ``result.units``, ``result.lines_of_communication`` and the
                console's closure lines: what ``mobility run`` computes, writes and prints even
                with ``--no-map`` (tiers, bottlenecks, units, closure, lines of communication,
                flow bound; not the what-if reruns of ``--whatif``)
``map``         the briefing map built and saved (``map.html``)
``charts``      the three chart PNGs, rendered and written
``report``      ``scenario.yaml`` and the report page, written
``export``      the GeoPackage and the CSV files (``mobility export``)

With ``--cli N`` (default 3) it also runs ``mobility run`` end to end in a fresh interpreter,
with and without ``--no-map``, N times each: the difference is what the outputs add to a
user's run, first-time costs (imports, caches) included.

``charts``, ``map`` and ``report`` are the steps of :func:`mobility.briefing.report.write_run_outputs`
(its functions, in its order, with the cycle collector paused as it does): what ``mobility run`` adds
to a run unless ``--no-map``. Their sum is ``outputs``;
``outputs_with_export`` adds ``export``. Each round's ratio outputs / simulation is taken within
the round; the file records the median, min and max over the rounds of every part, total and
ratio, in wall-clock seconds and in CPU seconds of this process (steadier on a shared machine).
Writes ``benchmarks/results/outputs.json``. The target (issue 14) is outputs / simulation <= 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the checkout's mobility, not an installed one

from mobility import load_scenario  # noqa: E402
from mobility.sim.routers import SHARED  # noqa: E402
from mobility.simulation import simulate  # noqa: E402

PARTS = ("simulation", "analysis", "map", "charts", "report", "export")
OUTPUTS = ("map", "charts", "report")


def _round(sc: Any, folder: Path) -> dict[str, tuple[float, float]]:
    """One round: (wall s, CPU s) of each part, the way ``mobility run`` and ``mobility export`` do them."""
    from mobility.analysis.disruptions import closure_lines
    from mobility.briefing.charts import UnitNotes
    from mobility.briefing.export import export_csv, export_gpkg
    from mobility.briefing.report import collector_paused, write_charts, write_map, write_report

    out: dict[str, tuple[float, float]] = {}
    box: dict[str, Any] = {}

    def timed(part: str, fn: Callable[[], Any]) -> None:
        w, c = time.perf_counter(), time.process_time()
        fn()
        out[part] = (time.perf_counter() - w, time.process_time() - c)

    def run() -> None:
        box["r"] = simulate(sc)

    SHARED.clear()  # routes planned afresh, as in a single `mobility run` (a sweep's runs share them)

    def analysis() -> None:  # `mobility run` writes units.csv and prints the units and lines before any output
        r = box["r"]
        r.summary()
        r.units, r.lines_of_communication  # noqa: B018 (computed once, cached on the result)
        closure_lines(r.events, r.network)

    def charts() -> None:  # the notes are read once, for the Gantt chart and the report
        box["notes"] = UnitNotes.of(box["r"].events)
        box["pngs"] = write_charts(box["r"], folder, notes=box["notes"])

    def export() -> None:
        export_gpkg(box["r"], folder / "run.gpkg")
        export_csv(box["r"], folder / "csv")

    timed("simulation", run)
    timed("analysis", analysis)
    with collector_paused():  # the steps of write_run_outputs, in its order
        timed("charts", charts)
        timed("map", lambda: write_map(box["r"], folder))
        timed("report", lambda: write_report(box["r"], folder, box["pngs"], notes=box["notes"]))
    timed("export", export)
    out["events"] = (float(len(box["r"].events)), 0.0)
    return out


def _cli(scenario: str, folder: Path, repeats: int) -> dict[str, Any]:
    """``mobility run`` end to end in a fresh interpreter, with and without ``--no-map``, alternately: wall s."""
    import subprocess

    times: dict[str, list[float]] = {"with_outputs": [], "no_map": []}
    for i in range(repeats):
        for key, extra in (("no_map", ["--no-map"]), ("with_outputs", [])):
            cmd = [sys.executable, "-m", "mobility", "run", scenario, "--out", str(folder / f"cli-{key}-{i}"), *extra]
            t = time.perf_counter()
            subprocess.run(cmd, cwd=HERE.parent, check=True, stdout=subprocess.DEVNULL)
            times[key].append(time.perf_counter() - t)
    extra_s = [a - b for a, b in zip(times["with_outputs"], times["no_map"], strict=True)]
    return {"command": "python -m mobility run SCENARIO [--no-map], each in a fresh interpreter",
            **{k: _stats(v) for k, v in times.items()}, "outputs_added": _stats(extra_s)}


def _stats(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
            "max": round(max(values), 3)}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--scenario", default=str(HERE.parent / "scenarios" / "baseline.yaml"))
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--cli", type=int, default=3, metavar="N",
                   help="also time `mobility run` with and without --no-map, N times each (0: skip)")
    p.add_argument("--out", default=str(HERE / "results" / "outputs.json"))
    args = p.parse_args()
    sc = load_scenario(args.scenario)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    with tempfile.TemporaryDirectory() as tmp:
        cold = _round(sc, Path(tmp))
        rounds = [_round(sc, Path(tmp)) for _ in range(args.repeats)]
        cli = _cli(args.scenario, Path(tmp), args.cli) if args.cli > 0 else None
    load = max(load, os.getloadavg()[0]) if hasattr(os, "getloadavg") else load
    res: dict[str, Any] = {
        "scenario": Path(args.scenario).name,
        "events": int(rounds[0]["events"][0]),
        "repeats": args.repeats,
        "date": date.today().isoformat(),
    }
    for k, clock in ((0, "wall_s"), (1, "cpu_s")):
        parts = {part: _stats([r[part][k] for r in rounds]) for part in PARTS}
        outputs = [sum(r[part][k] for part in OUTPUTS) for r in rounds]
        with_export = [sum(r[part][k] for part in (*OUTPUTS, "export")) for r in rounds]
        res[clock] = {
            **parts,
            "outputs": _stats(outputs),
            "outputs_with_export": _stats(with_export),
            "outputs_over_simulation": _stats([o / r["simulation"][k] for o, r in zip(outputs, rounds, strict=True)]),
            "outputs_with_export_over_simulation": _stats(
                [o / r["simulation"][k] for o, r in zip(with_export, rounds, strict=True)]),
            "first_round": {part: round(cold[part][k], 3) for part in PARTS},
        }
    if cli is not None:
        res["cli_wall_s"] = cli
    res["machine"] = (f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
                      f"load average (1 min) up to {load:.1f} while measured")
    res["command"] = f"python benchmarks/bench_outputs.py --repeats {args.repeats} --cli {args.cli}"
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    w, c = res["wall_s"], res["cpu_s"]
    print(f"{res['scenario']}: {res['events']:,} events, median of {args.repeats} rounds (min–max)")
    for part in (*PARTS, "outputs", "outputs_with_export"):
        print(f"  {part:22s} wall {w[part]['median']:6.2f} s ({w[part]['min']:.2f}–{w[part]['max']:.2f})"
              f"   cpu {c[part]['median']:6.2f} s ({c[part]['min']:.2f}–{c[part]['max']:.2f})")
    for ratio in ("outputs_over_simulation", "outputs_with_export_over_simulation"):
        print(f"  {ratio:36s} wall {w[ratio]['median']:.2f} ({w[ratio]['min']:.2f}–{w[ratio]['max']:.2f})"
              f"   cpu {c[ratio]['median']:.2f} ({c[ratio]['min']:.2f}–{c[ratio]['max']:.2f})")
    if cli is not None:
        print("  mobility run, fresh interpreter, wall: " + ", ".join(
            f"{k} {cli[k]['median']:.2f} s ({cli[k]['min']:.2f}–{cli[k]['max']:.2f})"
            for k in ("no_map", "with_outputs", "outputs_added")))
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
