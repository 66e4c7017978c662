"""Cost per scheduled simpy event, measured fairly against bare simpy in the same run.

Run: ``python benchmarks/bench_events.py [--repeats 5] [--scales 0.5,1,2,4,8]``.
Writes ``benchmarks/results/events.json``.

What is measured, per force scale (the baseline's force list repeated, ``0.5`` halves every count):

- ``events``: events scheduled on the simpy environment (its event counter), not log rows;
- ``loop_s``: :func:`mobility.sim.engine.run_model` (model build, planning and the event loop);
- ``frame_s``: building the event-log DataFrame; ``post_s``: closure, tiers, units, bottlenecks;
- two references with the same number of scheduled events, run interleaved with the model
  (model, step, timeout; then step, timeout, model; ... so load on the machine hits all alike):
  ``step``: processes doing a priority request, a timeout and a release (the model's basic step);
  ``timeout``: processes doing bare timeouts;
- ``bytes_per_row``: the event-log frame's memory (deep) per row; ``held_bytes_per_row``: the
  rows as the run holds them (list slot, tuple and time float; text is shared, so not counted).

Medians over the repeats, with min and max. Ratios are model µs/event over reference µs/event.
Every time is taken twice: wall clock (``*_s``) and CPU time of this process (``*_cpu_s``; the
``cpu`` ratios). On a shared machine the CPU figures are the fair ones: waiting for a core is not
counted. The model's loop runs with the cyclic garbage collector paused (:func:`run_model` does
that), so the references run the same way.
"""

from __future__ import annotations

import argparse
import gc
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import simpy
import yaml
from provenance import git_commit

from mobility.factors import Factors
from mobility.scenario import parse_scenario
from mobility.sim._gc import paused_gc
from mobility.sim.engine import run_model, sample_factors
from mobility.simulation import SimulationResult, expand_forces, scenario_network

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def scaled_scenario(scale: float) -> Any:
    """The baseline scenario with its force list scaled: k copies, or every count halved for 0.5."""
    data = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    forces = data["forces"]
    if scale < 1:
        scaled = [{**f, "count": max(1, round(f.get("count", 1) * scale))} for f in forces]
    else:
        k = int(scale)
        if k != scale:
            raise SystemExit(f"--scales: {scale} must be 0.5 or a whole number")
        scaled = [{**f, "id": f"{f['id']}-x{i}"} if i else dict(f) for i in range(k) for f in forces]
    data |= {"name": f"baseline-x{scale:g}", "forces": scaled}
    return parse_scenario(data, source=f"<baseline x{scale:g}>")


def _events(env: simpy.Environment) -> int:
    """Events scheduled so far on ``env`` (simpy numbers every scheduled event from one counter)."""
    return next(env._eid)  # noqa: SLF001 - the only count simpy keeps


def model_run(scenario: Any) -> dict[str, float]:
    """One run split into loop, frame and post-processing; returns times, events and memory."""
    rng = np.random.default_rng(np.random.SeedSequence(scenario.seed))
    net = scenario_network(scenario)
    factors = sample_factors(scenario, Factors(scenario.factors), scenario.seed)
    t0, c0 = time.perf_counter(), time.process_time()
    model = run_model(scenario, net, factors, rng)
    t1, c1 = time.perf_counter(), time.process_time()
    events = model.log.frame()
    t2, c2 = time.perf_counter(), time.process_time()
    units = expand_forces(scenario)
    nominal = {u.id: model.plan(u, 0.0, disrupted=False).nominal_h for u in units}
    result = SimulationResult(scenario=scenario, seed=scenario.seed, events=events,
                              resources=model.resources_frame(), network=model.network, factors=factors,
                              nominal_h=nominal, end_h=float(model.log.last_time()))
    _ = result.closure, result.tiers, result.units, result.bottlenecks
    t3, c3 = time.perf_counter(), time.process_time()
    held = model.log.held_bytes()  # the rows as the run holds them, before the frame
    return {"loop_s": t1 - t0, "frame_s": t2 - t1, "post_s": t3 - t2, "events": _events(model.env),
            "loop_cpu_s": c1 - c0, "frame_cpu_s": c2 - c1, "post_cpu_s": c3 - c2,
            "held_bytes_per_row": held / max(1, len(model.log)),
            "rows": len(events), "bytes_per_row": float(events.memory_usage(deep=True).sum()) / max(1, len(events)),
            "troops": int(sum(u.type.personnel for u in units))}


def reference_step(n_events: int, n_procs: int = 2000, n_resources: int = 100) -> tuple[float, float, int]:
    """Priority request, timeout, release (the model's basic step) until ``n_events`` are scheduled."""
    env = simpy.Environment()
    res = [simpy.PriorityResource(env, capacity=1) for _ in range(n_resources)]
    per = max(1, n_events // n_procs // 4)  # a step schedules ~4 events: request, timeout, release, resume

    def proc(i: int):
        for j in range(per):
            r = res[(i * 7 + j) % n_resources]
            req = r.request(priority=j % 3)
            yield req
            yield env.timeout(0.5)
            r.release(req)

    for i in range(n_procs):
        env.process(proc(i))
    return _timed_run(env)


def reference_timeout(n_events: int, n_procs: int = 2000) -> tuple[float, float, int]:
    """Processes doing bare timeouts until ``n_events`` are scheduled."""
    env = simpy.Environment()
    per = max(1, n_events // n_procs)

    def proc():
        for _ in range(per):
            yield env.timeout(1.0)

    for _ in range(n_procs):
        env.process(proc())
    return _timed_run(env)


def _timed_run(env: simpy.Environment) -> tuple[float, float, int]:
    """Wall and CPU seconds of ``env.run()`` with the collector paused (as in the model), and its events."""
    with paused_gc():
        t, c = time.perf_counter(), time.process_time()
        env.run()
        return time.perf_counter() - t, time.process_time() - c, _events(env)


def _stats(xs: list[float]) -> dict[str, float]:
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs)}


def bench_scale(scale: float, repeats: int) -> dict[str, Any]:
    sc = scaled_scenario(scale)
    first = model_run(sc)  # warm caches (network load, imports); also gives the event count
    n = int(first["events"])
    runs: dict[str, list[dict[str, float]]] = {"model": [], "step": [], "timeout": []}
    order = ["model", "step", "timeout"]
    for r in range(repeats):
        for name in order[r % 3:] + order[: r % 3]:  # rotate: ABC, BCA, CAB, ...
            gc.collect()
            if name == "model":
                runs["model"].append(model_run(sc))
            else:
                t, c, ev = (reference_step if name == "step" else reference_timeout)(n)
                runs[name].append({"loop_s": t, "loop_cpu_s": c, "events": ev})
    us = {k: [1e6 * x["loop_s"] / x["events"] for x in v] for k, v in runs.items()}
    us_cpu = {k: [1e6 * x["loop_cpu_s"] / x["events"] for x in v] for k, v in runs.items()}
    model = runs["model"]
    return {
        "scale": scale, "troops": first["troops"], "events": n, "rows": first["rows"],
        "events_per_row": n / first["rows"],
        "loop_s": _stats([x["loop_s"] for x in model]),
        "frame_s": _stats([x["frame_s"] for x in model]),
        "post_s": _stats([x["post_s"] for x in model]),
        "total_s": _stats([x["loop_s"] + x["frame_s"] + x["post_s"] for x in model]),
        "loop_cpu_s": _stats([x["loop_cpu_s"] for x in model]),
        "frame_cpu_s": _stats([x["frame_cpu_s"] for x in model]),
        "post_cpu_s": _stats([x["post_cpu_s"] for x in model]),
        "us_per_event_cpu": {k: _stats(v) for k, v in us_cpu.items()},
        "ratio_to_step_cpu": statistics.median(us_cpu["model"]) / statistics.median(us_cpu["step"]),
        "ratio_to_timeout_cpu": statistics.median(us_cpu["model"]) / statistics.median(us_cpu["timeout"]),
        "us_per_event": {k: _stats(v) for k, v in us.items()},
        "ratio_to_step": statistics.median(us["model"]) / statistics.median(us["step"]),
        "ratio_to_timeout": statistics.median(us["model"]) / statistics.median(us["timeout"]),
        "bytes_per_row": first["bytes_per_row"],
        "held_bytes_per_row": first["held_bytes_per_row"],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--scales", default="0.5,1,2,4,8")
    p.add_argument("--out", default=str(HERE / "results" / "events.json"))
    args = p.parse_args()
    scales = [float(s) for s in args.scales.split(",")]
    out: dict[str, Any] = {"python": platform.python_version(), "simpy": simpy.__version__,
                           "machine": platform.machine(), "repeats": args.repeats, "scales": []}
    for s in scales:
        row = bench_scale(s, args.repeats)
        out["scales"].append(row)
        print(f"x{s:<4g} troops {row['troops']:>9,}  events {row['events']:>9,}  "
              f"loop {row['loop_s']['median']:.2f}s  frame {row['frame_s']['median']:.2f}s  "
              f"post {row['post_s']['median']:.2f}s  µs/event model {row['us_per_event']['model']['median']:.2f} "
              f"step {row['us_per_event']['step']['median']:.2f} timeout {row['us_per_event']['timeout']['median']:.2f}  "
              f"ratio step {row['ratio_to_step']:.2f}×  | CPU: loop {row['loop_cpu_s']['median']:.2f}s "
              f"µs/event model {row['us_per_event_cpu']['model']['median']:.2f} "
              f"step {row['us_per_event_cpu']['step']['median']:.2f}  ratio step {row['ratio_to_step_cpu']:.2f}×  "
              f"frame {row['bytes_per_row']:.0f} B/row, "
              f"held {row['held_bytes_per_row']:.0f} B/row", flush=True)
    per_event = [r["us_per_event"]["model"]["median"] for r in out["scales"]]
    out["per_event_spread"] = max(per_event) / min(per_event)
    per_event_cpu = [r["us_per_event_cpu"]["model"]["median"] for r in out["scales"]]
    out["per_event_spread_cpu"] = max(per_event_cpu) / min(per_event_cpu)
    out["commit"] = git_commit()
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(f"cost per event, max/min over scales: wall {out['per_event_spread']:.2f}, "
          f"CPU {out['per_event_spread_cpu']:.2f}")


if __name__ == "__main__":
    main()
