"""Evaluation on Dask: one task per ``(arm, replication)``, retried when a worker dies.

Runs execute on Dask: a ``distributed.LocalCluster`` of worker processes by
default, any running scheduler with ``scheduler=ADDRESS``, or in this process
with ``workers=1`` (bit-identical: a run depends on its inputs and seed only).
A task carries a scenario as a plain dict and a seed, and returns the closure
curve and the tier table, never the event log.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mobility.errors import MobilityError
from mobility.scenario import Scenario

if TYPE_CHECKING:
    from distributed import Client


@dataclass(frozen=True)
class RunSpec:
    """The inputs of one run: small and picklable (a scenario as a dict and a seed)."""

    arm: str
    replication: int
    seed: int
    scenario: dict[str, Any]
    source: str = "<scenario>"
    check: bool = False


@dataclass(frozen=True)
class RunOutput:
    """What one run returns: the closure curve and the tier table, not the event log."""

    arm: str
    replication: int
    seed: int
    closed: np.ndarray  # troops closed by the end of each day D+0..D+horizon
    tier_days: tuple[int, ...]
    tier_required: tuple[int, ...]
    tier_closed: tuple[int, ...]
    met_day: tuple[float, ...]  # NaN: not met within the horizon
    troops_total: int
    draws: tuple[tuple[str, float], ...] = ()  # every value drawn for the run: uncertain factors, strikes


def run_draws(scenario: Scenario, factors: Any, seed: int) -> tuple[tuple[str, float], ...]:
    """What a run drew: each uncertain factor's value, and per attack its strikes and days of damage."""
    from mobility.sim.threats import draw_strikes

    out = [(u.factor, float(factors[u.factor])) for u in scenario.uncertainties]
    horizon = scenario.horizon_days * 24.0
    strikes = draw_strikes(scenario.threats, seed=seed, horizon_h=horizon)
    for t in scenario.threats:
        for a in t.attacks:
            mine = [s for s in strikes if s.threat == t.name and s.attack == a.id]
            out += [(f"strikes:{t.name}:{a.id}", float(len(mine))),
                    (f"damage_days:{t.name}:{a.id}",
                     float(sum(min(s.until_h, horizon) - s.at_h for s in mine) / 24.0))]
    return tuple(out)


def run_one(spec: RunSpec) -> RunOutput:
    """Run one ``(arm, replication)``: the task a Dask worker executes."""
    from mobility.simulation import simulate

    sc = Scenario.model_validate({**spec.scenario, "source_file": spec.source})
    res = simulate(sc, seed=spec.seed, check=spec.check)
    t = res.tiers
    return RunOutput(
        arm=spec.arm, replication=spec.replication, seed=spec.seed,
        closed=res.closure["closed"].to_numpy(dtype=np.int64),
        tier_days=tuple(int(x) for x in t["day"]), tier_required=tuple(int(x) for x in t["required"]),
        tier_closed=tuple(int(x) for x in t["closed"]), met_day=tuple(float(x) for x in t["met_day"]),
        troops_total=int(sc.total_troops()), draws=run_draws(sc, res.factors, spec.seed),
    )


@contextlib.contextmanager
def _progress(total: int, label: str, *, enabled: bool) -> Iterator[Callable[[], None]]:
    """A rich progress bar on stderr (runs done, time left) when it is a terminal; else progress lines.

    Off a terminal (a log file, CI, a pipe) a line goes to stderr at each
    tenth of the runs and at least once a minute, so a long study shows it
    is alive.
    """
    if not enabled:
        yield lambda: None
        return
    if not sys.stderr.isatty():
        yield _progress_lines(total, label)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TextColumn("runs"), TimeElapsedColumn(),
                  TextColumn("left"), TimeRemainingColumn(), transient=True,
                  console=Console(stderr=True)) as prog:
        task = prog.add_task(label, total=total)
        yield lambda: prog.advance(task)


def _progress_lines(total: int, label: str, *, every_s: float = 60.0) -> Callable[[], None]:
    """A tick function that prints ``label: done/total runs (elapsed, ~left)`` lines to stderr."""
    import time

    start = last = time.monotonic()
    done = 0
    step = max(1, total // 10)

    def tick() -> None:
        nonlocal done, last
        done += 1
        now = time.monotonic()
        if done == total or done % step == 0 or now - last >= every_s:
            last = now
            left = (now - start) / done * (total - done)
            print(f"{label}: {done}/{total} runs ({now - start:.0f} s, ~{left:.0f} s left)", file=sys.stderr,
                  flush=True)

    return tick


# Runs are pure-Python and hold the GIL: the workers' statistical profiler and GIL monitor only slow
# them. No HTTP endpoints on the scheduler or the workers (status pages, Prometheus metrics, proxy).
QUIET = {"distributed.worker.profile.enabled": False, "distributed.admin.system-monitor.gil.enabled": False,
         "distributed.scheduler.http.routes": [], "distributed.worker.http.routes": []}
# No dashboard. A distributed scheduler starts its HTTP server whatever ``dashboard=`` says, on
# port 8787 when no address is given (and warns when another cluster holds it): it listens on an
# ephemeral loopback port instead. A user who wants the dashboard starts `dask scheduler` (it
# serves one on :8787) and passes ``--scheduler``.
NO_DASHBOARD = {"dashboard": False, "dashboard_address": "127.0.0.1:0"}


@contextlib.contextmanager
def _client(workers: int | None, scheduler: str | Client | None) -> Iterator[Client]:
    """A Dask client: on ``scheduler`` (an address or a Client), else on a new local cluster of processes."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler
        return
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise MobilityError(f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc}); "
                                "start one with `dask scheduler` or drop --scheduler") from None
        with client:
            yield client
        return
    with dask.config.set(QUIET), LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                              dashboard_address=None, silence_logs=logging.ERROR,
                                              scheduler_kwargs=NO_DASHBOARD) as cluster, \
            Client(cluster) as client:
        yield client


def _failed(spec: RunSpec, exc: BaseException) -> Exception:
    where = f"arm {spec.arm}, replication {spec.replication} (seed {spec.seed})"
    if isinstance(exc, MobilityError):
        try:
            return type(exc)(f"{where}: {exc}")
        except TypeError:
            pass
    return RuntimeError(f"{where} failed: {type(exc).__name__}: {exc}")


def _run_in_process(specs: Sequence[RunSpec], runner: Callable[[RunSpec], RunOutput],
                    tick: Callable[[], None]) -> dict[tuple[str, int], RunOutput]:
    out = {}
    for spec in specs:
        try:
            out[(spec.arm, spec.replication)] = runner(spec)
        except Exception as exc:
            raise _failed(spec, exc) from exc
        tick()
    return out


def _run_on_dask(client: Client, specs: Sequence[RunSpec], runner: Callable[[RunSpec], RunOutput],
                 tick: Callable[[], None], *, retries: int, attempts: int) -> dict[tuple[str, int], RunOutput]:
    """Submit one task per spec; a task whose worker died is resubmitted, a failing one raises."""
    from distributed import KilledWorker, as_completed

    token = uuid.uuid4().hex[:10]
    pending: dict[str, tuple[RunSpec, int, Any]] = {}

    def submit(spec: RunSpec, attempt: int) -> Any:
        fut = client.submit(runner, spec, key=f"mobility-run-{token}-{spec.arm}-r{spec.replication}-a{attempt}",
                            pure=False, retries=retries)
        pending[fut.key] = (spec, attempt, fut)
        return fut

    done: dict[tuple[str, int], RunOutput] = {}
    queue = as_completed([submit(s, 0) for s in specs])
    try:
        for fut in queue:
            spec, attempt, _ = pending.pop(fut.key)
            try:
                out = fut.result()
            except KilledWorker as exc:
                if attempt + 1 >= attempts:
                    raise RuntimeError(f"arm {spec.arm}, replication {spec.replication} (seed {spec.seed}): its "
                                       f"worker died {attempts} times; see the worker logs") from exc
                queue.add(submit(spec, attempt + 1))
                continue
            except Exception as exc:
                raise _failed(spec, exc) from exc
            done[(spec.arm, spec.replication)] = out
            fut.release()
            tick()
    finally:
        if pending:
            client.cancel([f for _, _, f in pending.values()])
    return done


def execute(specs: Sequence[RunSpec], *, workers: int | None = None, scheduler: str | Client | None = None,
            progress: bool = True, runner: Callable[[RunSpec], RunOutput] = run_one, label: str = "runs",
            retries: int = 2, attempts: int = 3) -> list[RunOutput]:
    """Run every spec and return the outputs in the order of ``specs``.

    Parameters
    ----------
    specs
        One per ``(arm, replication)``; the pair must be unique.
    workers
        Local worker processes (default 2). ``1`` without ``scheduler`` runs
        in this process: results are identical, a run depends only on its spec.
    scheduler
        Address of a running Dask scheduler, or a ``distributed.Client``.
    progress
        Show a progress bar on stderr (only when it is a terminal).
    runner
        The task function (default :func:`run_one`); it must be picklable.
    retries
        Dask ``retries=`` of each task (a task raising an error is re-run).
    attempts
        Submissions of a task whose worker keeps dying before giving up.

    Raises
    ------
    MobilityError
        A run failed on bad input (re-raised with its arm, replication and seed).
    RuntimeError
        A run failed otherwise, or not every run came back.
    """
    if workers is not None and workers < 1:
        raise MobilityError(f"--workers {workers}: give at least 1 worker")
    keys = [(s.arm, s.replication) for s in specs]
    if len(set(keys)) != len(keys):
        raise ValueError("execute: (arm, replication) pairs must be unique")
    with _progress(len(specs), label, enabled=progress) as tick:
        if scheduler is None and workers == 1:
            done = _run_in_process(specs, runner, tick)
        else:
            with _client(workers, scheduler) as client:
                done = _run_on_dask(client, specs, runner, tick, retries=retries, attempts=attempts)
    missing = [k for k in keys if k not in done]
    if missing:
        raise RuntimeError(f"{len(missing)} run(s) did not come back, e.g. arm {missing[0][0]} "
                           f"replication {missing[0][1]}")
    return [done[k] for k in keys]
