"""NFM-scale simulation benchmark: median of repeated runs, events per second, ratio to raw simpy.

Run: ``python benchmarks/bench_sim.py [--repeats 5]``. Writes ``benchmarks/results/sim.json``.
Raw simpy is measured in the same run on the same event count: processes doing only
timeouts, and processes doing only resource request/release.

Each ``simulate()`` is timed by the wall clock (``run_s_*``) and by this process's CPU time
(``run_cpu_s_*``: on a shared machine the fairer figure, waiting for a core is not counted).
The first run pays for the process's routers (later runs reuse them, as the runs of a sweep do).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import simpy
from provenance import git_commit

from mobility import load_scenario
from mobility.simulation import simulate

HERE = Path(__file__).resolve().parent


def raw_timeouts(n_events: int, n_procs: int = 1000) -> float:
    """Seconds for raw simpy to process ``n_events`` timeouts."""
    env = simpy.Environment()
    per = max(1, n_events // n_procs)

    def proc(env: simpy.Environment):
        for _ in range(per):
            yield env.timeout(1.0)

    for _ in range(n_procs):
        env.process(proc(env))
    t = time.perf_counter()
    env.run()
    return time.perf_counter() - t


def raw_resources(n_events: int, n_procs: int = 1000) -> float:
    """Seconds for raw simpy to process ``n_events`` resource events (request+release pairs count 2)."""
    env = simpy.Environment()
    res = [simpy.Resource(env, capacity=1) for _ in range(100)]
    per = max(1, n_events // n_procs // 2)

    def proc(env: simpy.Environment, i: int):
        for j in range(per):
            with res[(i + j) % 100].request() as req:
                yield req

    for i in range(n_procs):
        env.process(proc(env, i))
    t = time.perf_counter()
    env.run()
    return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--out", default=str(HERE / "results" / "sim.json"))
    args = p.parse_args()
    sc = load_scenario(HERE / "nfm-scale.yaml")
    times, cpu, n_events = [], [], 0
    result = None
    for _ in range(args.repeats):
        t, c = time.perf_counter(), time.process_time()
        result = simulate(sc)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
        n_events = len(result.events)
    med = statistics.median(times)
    raw_t = statistics.median(raw_timeouts(n_events) for _ in range(args.repeats))
    raw_r = statistics.median(raw_resources(n_events) for _ in range(args.repeats))
    out = {
        "scenario": sc.name,
        "troops": sc.total_troops(),
        "horizon_days": sc.horizon_days,
        "troops_closed": int(result.closure["closed"].iloc[-1]),
        "repeats": args.repeats,
        "run_s_median": med,
        "run_s_all": times,
        "run_cpu_s_median": statistics.median(cpu),
        "run_cpu_s_all": cpu,
        "log_events": n_events,
        "log_events_per_s": n_events / med,
        "raw_simpy_timeouts_per_s": n_events / raw_t,
        "raw_simpy_resource_events_per_s": n_events / raw_r,
        "ratio_to_raw_timeouts": med / raw_t,
        "ratio_to_raw_resources": med / raw_r,
        "commit": git_commit(),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2))
    for k, v in out.items():
        print(f"{k:>34}: {v if not isinstance(v, float) else round(v, 3)}")


if __name__ == "__main__":
    main()
