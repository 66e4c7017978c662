"""Benchmark: the shipped candidates x N replications on the embedded network, on 1 and 2 workers.

Times :func:`mobility.analysis.experiments.compare` of ``scenarios/baseline.yaml``
with ``scenarios/candidates.yaml`` (default: the baseline and each candidate
alone, 20 replications each) with ``workers=1`` (in this process) and with a
local Dask cluster of 2 worker processes (cluster start-up included), each
``--repeats`` times, alternating, and reports the medians and the speed-up.
It also checks that both give the same ``arms`` table, bit for bit.

Run from the repository root::

    /work/venv/bin/python benchmarks/bench_compare.py            # full: 3 x (1 and 2 workers)
    /work/venv/bin/python benchmarks/bench_compare.py --replications 4 --repeats 1   # quick look
    /work/venv/bin/python benchmarks/bench_compare.py --max-combination 2 --extremes   # the README's sweep

Besides wall time it records CPU time: this process (client and scheduler; the runs themselves
with 1 worker) and the worker processes (ended children). On a shared machine wall time measures
the other users as well; ``cpu_bound_speedup_2_over_1`` is the speed-up 2 workers would give with
both cores to themselves, from the CPU each side used.

Writes ``benchmarks/results/compare.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
from provenance import git_commit

from mobility.analysis.experiments import Comparison, compare, format_ranking, load_candidates
from mobility.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its ended children (the Dask workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def timed_compare(scenario: Any, candidates: Any, *, workers: int, replications: int, max_combination: int,
                  extremes: bool) -> tuple[float, float, float, Comparison]:
    """Wall time of one comparison (cluster start-up and shut-down included), CPU seconds of this
    process (client, scheduler; the runs with 1 worker) and of the worker processes, and its result."""
    t0, (me0, kids0) = time.perf_counter(), _cpu()
    cmp = compare(scenario, candidates, replications=replications, max_combination=max_combination,
                  workers=workers, progress=False, extremes=extremes)
    me1, kids1 = _cpu()
    return time.perf_counter() - t0, me1 - me0, kids1 - kids0, cmp


def run(args: argparse.Namespace) -> tuple[dict[str, Any], Comparison]:
    """Measure; return the figures written to ``compare.json`` and the last comparison."""
    sc = load_scenario(args.scenario)
    cset = load_candidates(args.candidates)
    times: dict[int, list[float]] = {1: [], 2: []}
    cpus: dict[int, list[dict[str, float]]] = {1: [], 2: []}
    loads: dict[int, list[float]] = {1: [], 2: []}
    arms: dict[int, pd.DataFrame] = {}
    last: Comparison | None = None
    for rep in range(args.repeats):
        for w in (1, 2):
            load = os.getloadavg()[0]
            t, cpu_me, cpu_workers, cmp = timed_compare(sc, cset, workers=w, replications=args.replications,
                                                        max_combination=args.max_combination, extremes=args.extremes)
            times[w].append(t)
            cpus[w].append({"main": cpu_me, "workers": cpu_workers, "total": cpu_me + cpu_workers})
            loads[w].append(round(load, 2))
            arms.setdefault(w, cmp.arms)
            pd.testing.assert_frame_equal(cmp.arms, arms[w], check_exact=True)
            last = cmp
            print(f"  repeat {rep + 1}: {w} worker(s) {t:7.1f} s wall, CPU {cpu_me:.1f} s main + {cpu_workers:.1f} s "
                  f"workers (load average before: {load:.2f})", flush=True)
    pd.testing.assert_frame_equal(arms[1], arms[2], check_exact=True)
    assert last is not None
    runs = len(last.runs)
    med = {w: statistics.median(v) for w, v in times.items()}
    res = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "scenario": str(args.scenario), "candidates": str(args.candidates),
        "n_candidates": len(cset.candidates), "arms": len(last.arms), "replications": args.replications,
        "runs": runs, "max_combination": args.max_combination, "extremes": args.extremes, "repeats": args.repeats,
        "git_commit": git_commit(),
        "wall_s": {str(w): v for w, v in times.items()},
        "load_average_before": {str(w): v for w, v in loads.items()},
        "median_s": {str(w): m for w, m in med.items()},
        "per_run_s_1_worker": med[1] / runs,
        "speedup_2_over_1": med[1] / med[2],
        "cpu_s": {str(w): v for w, v in cpus.items()},
        "cpu_per_run_s": {str(w): statistics.median(c["total"] for c in v) / runs for w, v in cpus.items()},
        # what 2 workers would take with both cores to themselves: the larger of the workers' CPU
        # split over 2 cores and the main process's CPU (client and scheduler), i.e. CPU-bound time
        "cpu_bound_speedup_2_over_1": (statistics.median(c["total"] for c in cpus[1])
                                       / statistics.median(max(c["workers"] / 2, c["main"]) for c in cpus[2])),
        "identical_results_1_and_2_workers": True,
        "cpu_count": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine(),
        "ranking_top": last.ranking[["rank", "arm", "gain_d10_mean", "gain_d30_mean"]].head(5).to_dict("records"),
    }
    return res, last


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    p.add_argument("--candidates", default=str(ROOT / "scenarios" / "candidates.yaml"))
    p.add_argument("--replications", type=int, default=20)
    p.add_argument("--max-combination", type=int, default=1)
    p.add_argument("--extremes", action="store_true", help="add the all-in and leave-one-out arms")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "compare.json"))
    args = p.parse_args(argv)
    print(f"compare: {args.candidates} x {args.replications} replications, max combination "
          f"{args.max_combination}, {args.repeats} repeat(s) on 1 and 2 workers", flush=True)
    res, cmp = run(args)
    print(format_ranking(cmp))
    print(f"\n  {'workers':<8}{'median s':>10}{'runs':>7}{'s/run':>8}")
    for w in ("1", "2"):
        print(f"  {w:<8}{res['median_s'][w]:>10.1f}{res['runs']:>7}{res['median_s'][w] / res['runs']:>8.2f}")
    for w in ("1", "2"):
        print(f"  CPU per run, {w} worker(s): {res['cpu_per_run_s'][w]:.2f} s (all processes)")
    print(f"  speed-up 1 -> 2 workers: {res['speedup_2_over_1']:.2f}x wall; "
          f"{res['cpu_bound_speedup_2_over_1']:.2f}x from CPU time (both cores free); "
          "arms identical on 1 and 2 workers")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=2, default=str), encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
