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
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mobility.errors import MobilityError
from mobility.scenario import Scenario

if TYPE_CHECKING:
    from distributed import Client


MAX_BATCH = 8
"""Most runs in one Dask task (:func:`batches`): few enough that the last tasks of a sweep end together."""


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
    """Run one ``(arm, replication)``: the task a Dask worker executes.

    The run keeps only its closure curve and tier table (:func:`mobility.simulation.outcome`), unless
    ``spec.check`` asks for the invariants, which read the whole event log (:func:`~mobility.simulation.simulate`).
    """
    from mobility.simulation import outcome, simulate

    sc = Scenario.model_validate({**spec.scenario, "source_file": spec.source})
    res = simulate(sc, seed=spec.seed, check=True) if spec.check else outcome(sc, seed=spec.seed)
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
# them, and so does every wake-up of a worker's event loop (its tick every 20 ms, memory monitor every
# 100 ms, system monitor every 0.5 s by default): at these slower paces the workers' CPU beyond their
# runs fell from 12.7 % to 6.8 % (start-up included) and the main process's from 11.2 to 4.7 s on a
# 30-run sweep (benchmarks/README-compare.md). No HTTP endpoints on the scheduler or the workers
# (status pages, Prometheus metrics, proxy).
QUIET = {"distributed.worker.profile.enabled": False, "distributed.admin.system-monitor.gil.enabled": False,
         "distributed.admin.tick.interval": "1s", "distributed.worker.memory.monitor-interval": "1s",
         "distributed.admin.system-monitor.interval": "2s",
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


def run_batch(specs: Sequence[RunSpec], runner: Callable[[RunSpec], RunOutput] = run_one) -> list[RunOutput]:
    """Run ``specs`` one after the other in this process: the task a Dask worker executes.

    A batch holds runs that share routers (the same replication on the same network), so the
    worker that runs the first builds them and the others reuse them (:mod:`mobility.sim.routers`);
    one task per batch also halves the scheduler's work. A failing run raises with its arm,
    replication and seed.
    """
    out = []
    for spec in specs:
        try:
            out.append(runner(spec))
        except Exception as exc:
            raise _failed(spec, exc) from None
    return out


def batches(specs: Sequence[RunSpec], group: Callable[[RunSpec], Hashable] | None = None, *,
            size: int = MAX_BATCH) -> list[tuple[RunSpec, ...]]:
    """``specs`` in batches of at most ``size`` runs of one ``group`` (each run alone without ``group``).

    Batches come in the order of their first run in ``specs``; within a batch, runs keep their order.
    """
    if group is None:
        return [(s,) for s in specs]
    by: dict[Hashable, list[list[RunSpec]]] = {}
    for s in specs:
        chunks = by.setdefault(group(s), [[]])
        if len(chunks[-1]) >= size:
            chunks.append([])
        chunks[-1].append(s)
    return [tuple(c) for chunks in by.values() for c in chunks]


def _run_in_process(work: Sequence[tuple[RunSpec, ...]], runner: Callable[[RunSpec], RunOutput],
                    took: Callable[[RunOutput], None]) -> None:
    for batch in work:  # one run at a time, so that each is passed on as soon as it is done
        for spec in batch:
            for out in run_batch((spec,), runner):
                took(out)


def _run_on_dask(client: Client, work: Sequence[tuple[RunSpec, ...]], runner: Callable[[RunSpec], RunOutput],
                 took: Callable[[RunOutput], None], *, retries: int, attempts: int) -> None:
    """One task per batch, submitted in order (Dask runs earlier submissions first); a batch whose
    worker died is resubmitted, a failing run raises. Each run's output goes to ``took`` as its batch
    arrives."""
    from distributed import KilledWorker, as_completed

    token = uuid.uuid4().hex[:10]
    pending: dict[str, tuple[tuple[RunSpec, ...], int, Any]] = {}

    def key(batch: tuple[RunSpec, ...], attempt: int) -> str:
        return f"mobility-run-{token}-{batch[0].arm}-r{batch[0].replication}-n{len(batch)}-a{attempt}"

    def submit(batch: tuple[RunSpec, ...], attempt: int) -> Any:
        fut = client.submit(run_batch, batch, runner, key=key(batch, attempt), pure=False, retries=retries)
        pending[fut.key] = (batch, attempt, fut)
        return fut

    futs = client.map(run_batch, work, runner=runner, key=[key(b, 0) for b in work], pure=False, retries=retries)
    for batch, fut in zip(work, futs, strict=True):
        pending[fut.key] = (batch, 0, fut)
    queue = as_completed(futs)
    try:
        for fut in queue:
            batch, attempt, _ = pending.pop(fut.key)
            try:
                outs = fut.result()
            except KilledWorker as exc:
                spec = batch[0]
                if attempt + 1 >= attempts:
                    raise RuntimeError(f"arm {spec.arm}, replication {spec.replication} (seed {spec.seed}): its "
                                       f"worker died {attempts} times; see the worker logs") from exc
                queue.add(submit(batch, attempt + 1))
                continue
            fut.release()
            for out in outs:
                took(out)
    finally:
        if pending:
            client.cancel([f for _, _, f in pending.values()])


def execute(specs: Sequence[RunSpec], *, workers: int | None = None, scheduler: str | Client | None = None,
            progress: bool = True, runner: Callable[[RunSpec], RunOutput] = run_one, label: str = "runs",
            retries: int = 2, attempts: int = 3, group: Callable[[RunSpec], Hashable] | None = None,
            sink: Callable[[RunOutput], None] | None = None) -> list[RunOutput]:
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
    group
        Runs with the same ``group(spec)`` go in one task, at most :data:`MAX_BATCH` (runs that
        share routers: see :func:`batches`); tasks go out in the order of their first spec.
        Default: one task per run.
    sink
        Called in this process with each run's output as it arrives (in the order runs finish),
        e.g. to append it to a file; an error it raises stops the sweep.

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
    work = batches(specs, group)
    done: dict[tuple[str, int], RunOutput] = {}
    with _progress(len(specs), label, enabled=progress) as tick:
        def took(out: RunOutput) -> None:
            done[(out.arm, out.replication)] = out
            if sink is not None:
                sink(out)
            tick()

        if scheduler is None and workers == 1:
            _run_in_process(work, runner, took)
        else:
            with _client(workers, scheduler) as client:
                _run_on_dask(client, work, runner, took, retries=retries, attempts=attempts)
    missing = [k for k in keys if k not in done]
    if missing:
        raise RuntimeError(f"{len(missing)} run(s) did not come back, e.g. arm {missing[0][0]} "
                           f"replication {missing[0][1]}")
    return [done[k] for k in keys]
