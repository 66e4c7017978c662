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
    /work/venv/bin/python benchmarks/bench_compare.py --max-combination 2 --extremes --workers 2 --repeats 1

Run it with ``PYTHONPATH=<checkout>`` to time that checkout's package: the script's own directory
comes first on its path, so without it the editable install's package is imported.
Each comparison streams its runs to a journal in a temporary folder, as ``mobility compare`` does.

Besides wall time it records CPU time: this process (client and scheduler; the runs themselves
with 1 worker) and the worker processes (ended children). On a shared machine wall time measures
the other users as well; ``cpu_bound_speedup_2_over_1`` is the speed-up 2 workers would give with
both cores to themselves, from the CPU each side used.

Writes ``benchmarks/results/compare.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from provenance import git_commit

from mobility.analysis.experiments import Comparison, compare, format_ranking, load_candidates
from mobility.analysis.experiments.evaluation import RunOutput, RunSpec, run_one
from mobility.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
PACES = ("distributed.admin.tick.interval", "distributed.worker.memory.monitor-interval",
         "distributed.admin.system-monitor.interval")


def _cpu() -> tuple[float, float]:
    """CPU seconds (user + system) of this process and of its ended children (the Dask workers)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


class TaskClock:
    """Runs :func:`run_one` and adds the CPU time of its thread to a counter of the process it ran in:
    what the runs themselves cost, apart from what Dask costs around them."""

    def __call__(self, spec: RunSpec) -> RunOutput:
        t = time.thread_time()
        try:
            return run_one(spec)
        finally:
            _counter()[0] += time.thread_time() - t


def _counter() -> list[float]:
    """This process's counter of the runs' CPU seconds (kept on ``sys``: this script's own globals are
    copied with every task it sends to a worker)."""
    return sys.__dict__.setdefault("_bench_compare_runs_cpu", [0.0])


def _worker_cpu() -> tuple[float, float]:
    """(CPU seconds of this process, of the runs in it): called on each worker."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    return me.ru_utime + me.ru_stime, _counter()[0]


def timed_compare(scenario: Any, candidates: Any, *, workers: int, replications: int, max_combination: int,
                  extremes: bool) -> tuple[float, dict[str, float], Comparison]:
    """Wall time of one comparison (cluster start-up and shut-down included) and its CPU seconds:
    ``main`` this process (client, scheduler; the runs with 1 worker), ``workers`` the worker processes,
    ``runs`` the runs' own threads (wherever they ran), ``cluster_start`` the wall time to start the
    cluster; and its result."""
    from mobility.analysis.experiments.evaluation import _client

    _counter()[0] = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-compare-") as tmp:
        t0, (me0, kids0) = time.perf_counter(), _cpu()
        with contextlib.ExitStack() as stack:
            client = None if workers == 1 else stack.enter_context(_client(workers, None))
            started = time.perf_counter() - t0
            cmp = compare(scenario, candidates, replications=replications, max_combination=max_combination,
                          workers=workers, scheduler=client, progress=False, extremes=extremes,
                          journal=Path(tmp) / "runs.jsonl", runner=TaskClock())
            runs_cpu = _counter()[0] if client is None else sum(v[1] for v in client.run(_worker_cpu).values())
        wall = time.perf_counter() - t0
        me1, kids1 = _cpu()
    cpu = {"main": me1 - me0, "workers": kids1 - kids0, "runs": runs_cpu, "cluster_start": started}
    cpu["total"] = cpu["main"] + cpu["workers"]
    return wall, cpu, cmp


def run(args: argparse.Namespace) -> tuple[dict[str, Any], Comparison]:
    """Measure; return the figures written to ``compare.json`` and the last comparison."""
    commit = git_commit()  # the code this process imported (a commit made while it runs must not show)
    sc = load_scenario(args.scenario)
    cset = load_candidates(args.candidates)
    counts = [int(w) for w in args.workers.split(",")]
    times: dict[int, list[float]] = {w: [] for w in counts}
    cpus: dict[int, list[dict[str, float]]] = {w: [] for w in counts}
    loads: dict[int, list[float]] = {w: [] for w in counts}
    arms: dict[int, pd.DataFrame] = {}
    last: Comparison | None = None
    for rep in range(args.repeats):
        for w in counts:
            load = os.getloadavg()[0]
            t, cpu, cmp = timed_compare(sc, cset, workers=w, replications=args.replications,
                                        max_combination=args.max_combination, extremes=args.extremes)
            times[w].append(t)
            cpus[w].append(cpu)
            loads[w].append(round(load, 2))
            arms.setdefault(w, cmp.arms)
            pd.testing.assert_frame_equal(cmp.arms, arms[w], check_exact=True)
            last = cmp
            print(f"  repeat {rep + 1}: {w} worker(s) {t:7.1f} s wall, CPU {cpu['main']:.1f} s main + "
                  f"{cpu['workers']:.1f} s workers, of which the runs {cpu['runs']:.1f} s "
                  f"(load average before: {load:.2f})", flush=True)
    for w in counts[1:]:
        pd.testing.assert_frame_equal(arms[counts[0]], arms[w], check_exact=True)
    assert last is not None
    runs = len(last.runs)
    med = {w: statistics.median(v) for w, v in times.items()}
    res = {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "scenario": str(args.scenario), "candidates": str(args.candidates),
        "n_candidates": len(cset.candidates), "arms": len(last.arms), "replications": args.replications,
        "runs": runs, "max_combination": args.max_combination, "extremes": args.extremes, "repeats": args.repeats,
        "git_commit": commit, "dask_default_paces": args.dask_default_paces,
        "wall_s": {str(w): v for w, v in times.items()},
        "load_average_before": {str(w): v for w, v in loads.items()},
        "median_s": {str(w): m for w, m in med.items()},
        "cpu_s": {str(w): v for w, v in cpus.items()},
        "cpu_per_run_s": {str(w): statistics.median(c["total"] for c in v) / runs for w, v in cpus.items()},
        "run_cpu_per_run_s": {str(w): statistics.median(c["runs"] for c in v) / runs for w, v in cpus.items()},
        # CPU beyond the runs themselves (Dask, start-up, building specs and tables), as a share of the runs'
        "overhead_share": {str(w): statistics.median((c["total"] - c["runs"]) / c["runs"] for c in v)
                           for w, v in cpus.items()},
        # what the sweep would take on an idle machine with w cores: all CPU used (this process's and
        # the workers'), spread over min(w, cores) cores; a lower bound (no idle tail, no start-up latency)
        "idle_estimate_s": {str(w): statistics.median(c["total"] for c in v) / min(w, os.cpu_count() or 1)
                            for w, v in cpus.items()},
        "identical_results_across_worker_counts": True,
        "cpu_count": os.cpu_count(), "python": platform.python_version(), "machine": platform.machine(),
        "ranking_top": last.ranking[["rank", "arm", "gain_d10_mean", "gain_d30_mean"]].head(5).to_dict("records"),
    }
    if 1 in med and 2 in med:
        res["speedup_2_over_1"] = med[1] / med[2]
        res["cpu_bound_speedup_2_over_1"] = res["idle_estimate_s"]["1"] / res["idle_estimate_s"]["2"]
    return res, last


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    p.add_argument("--candidates", default=str(ROOT / "scenarios" / "candidates.yaml"))
    p.add_argument("--replications", type=int, default=20)
    p.add_argument("--max-combination", type=int, default=1)
    p.add_argument("--extremes", action="store_true", help="add the all-in and leave-one-out arms")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--workers", default="1,2", help="worker counts to time, comma-separated (default 1,2)")
    p.add_argument("--dask-default-paces", action="store_true",
                   help="run the local cluster at Dask's default event-loop tick and monitor intervals (to "
                        "compare with the slower paces mobility sets: evaluation.QUIET)")
    p.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "compare.json"))
    args = p.parse_args(argv)
    if args.dask_default_paces:
        from mobility.analysis.experiments import evaluation

        for key in PACES:
            evaluation.QUIET.pop(key, None)
    print(f"compare: {args.candidates} x {args.replications} replications, max combination "
          f"{args.max_combination}, {args.repeats} repeat(s) on {args.workers} worker(s)", flush=True)
    res, cmp = run(args)
    print(format_ranking(cmp))
    print(f"\n  {'workers':<8}{'median s':>10}{'runs':>7}{'s/run':>8}{'CPU/run':>9}{'idle est. s':>12}")
    for w in res["median_s"]:
        print(f"  {w:<8}{res['median_s'][w]:>10.1f}{res['runs']:>7}{res['median_s'][w] / res['runs']:>8.2f}"
              f"{res['cpu_per_run_s'][w]:>9.2f}{res['idle_estimate_s'][w]:>12.1f}")
    if "speedup_2_over_1" in res:
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
