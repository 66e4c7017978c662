"""Replications and comparisons of candidate investments, run on Dask.

Three nouns, kept apart as in the EMA Workbench:

* an **uncertainty** is what the world decides (a transload rate, section
  delays, the real clearance time, breakdowns): sampled per run from the
  run's own random generator, never chosen;
* a **candidate** is what a planner may choose (a lever): a partial scenario
  (keys ``infrastructure``, ``resources``, ``policies``, ``factors``) merged
  onto the base scenario, with a cost in € and the year it can be in service;
* an **arm** is the base scenario with a set of candidates applied (the
  baseline is the arm with none).

Every run is one ``(arm, replication)`` pair. The seeds of N replications are
spawned from ONE :class:`numpy.random.SeedSequence`, and replication *i* of
every arm uses the same seed (common random numbers), so a difference between
two arms is paired and a result never depends on the number of workers or on
the order in which runs finish.

Runs execute on Dask: a ``distributed.LocalCluster`` of worker processes by
default, any running scheduler with ``scheduler=ADDRESS``, or in this process
with ``workers=1`` (bit-identical: a run depends on its inputs and seed only).
A task carries a scenario as a plain dict and a seed, and returns the closure
curve and the tier table, never the event log.

>>> from mobility.analysis.experiments import replication_seeds
>>> replication_seeds(1, 3) == replication_seeds(1, 5)[:3]
True
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import itertools
import json
import logging
import math
import re
import sys
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mobility.errors import MobilityError, ScenarioError
from mobility.scenario import Scenario, Uncertainty, error_location, load_scenario, parse_scenario

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "Candidate",
    "CandidateSet",
    "Comparison",
    "Replications",
    "RunOutput",
    "RunSpec",
    "add_commands",
    "apply_candidates",
    "check_uncertainties",
    "compare",
    "conflicts",
    "design_arms",
    "display_name",
    "execute",
    "format_bands",
    "format_contributions",
    "format_ranking",
    "format_tier_probabilities",
    "load_candidates",
    "load_uncertainties",
    "merge_overlay",
    "paired_ci",
    "parse_candidates",
    "parse_uncertainties",
    "replicate",
    "replication_seeds",
    "run_one",
    "run_replications_cli",
    "shapley_values",
    "validate_candidates",
    "with_uncertainties",
]

BASELINE = "baseline"
OVERLAY_KEYS = ("infrastructure", "resources", "policies", "factors")
SPECIAL_UNCERTAINTIES = ("section_delay_hours", "breakdown_probability")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


# ---------------------------------------------------------------------------------------------
# candidates
# ---------------------------------------------------------------------------------------------
class Candidate(BaseModel):
    """One candidate investment or policy: a partial scenario with a cost and a ready year.

    The overlay keys (``infrastructure``, ``resources``, ``policies``,
    ``factors``) have the shape of the same keys of a scenario file; see
    :func:`merge_overlay` for how they are merged onto a base scenario.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="short id: lower case letters, digits, '-', '_', '.'")
    name: str
    description: str = ""
    cost_eur: float = Field(ge=0, description="capital cost in euros")
    ready_year: int = Field(ge=2000, le=2100, description="first year it can be in service")
    source: str = Field(min_length=1, description="DOMAIN.md source keys of the edit, or 'assumption: ...'")
    cost_source: str = Field("", description="source keys of the cost, or 'assumption: ...'")
    ready_source: str = Field("", description="source keys of the ready year, or 'assumption: ...'")
    infrastructure: dict[str, Any] | None = None
    resources: dict[str, Any] | None = None
    policies: dict[str, Any] | None = None
    factors: dict[str, Any] | None = None

    @property
    def overlay(self) -> dict[str, Any]:
        """The partial scenario this candidate merges onto a base scenario."""
        return {k: copy.deepcopy(getattr(self, k)) for k in OVERLAY_KEYS if getattr(self, k) is not None}


@dataclass(frozen=True)
class CandidateSet:
    """The content of a candidates file: candidates and the uncertainties to sample."""

    candidates: tuple[Candidate, ...]
    uncertainties: tuple[Uncertainty, ...] = ()
    source: str = "<candidates>"

    @property
    def ids(self) -> tuple[str, ...]:
        """Candidate ids in file order."""
        return tuple(c.id for c in self.candidates)

    def get(self, cid: str) -> Candidate:
        """The candidate with id ``cid``."""
        for c in self.candidates:
            if c.id == cid:
                return c
        raise KeyError(cid)


def _one_line(exc: ValidationError) -> str:
    err = exc.errors()[0]
    msg = str(err["msg"]).replace("Value error, ", "")
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    hint = "remove it or check its spelling" if err["type"] == "extra_forbidden" else (
        "add it" if err["type"] == "missing" else "correct the value")
    loc = "" if not err["loc"] else f"{error_location(err)}: "
    return f"{loc}{msg}; {hint}{more}"


def _check_distribution(u: Uncertainty) -> str | None:
    """Why an uncertainty's distribution parameters are unusable, or None."""
    if u.distribution == "uniform":
        if u.low is None or u.high is None or not u.low <= u.high:
            return "uniform needs low <= high"
    elif u.distribution == "triangular":
        if u.low is None or u.mode is None or u.high is None or not (u.low <= u.mode <= u.high) or u.low == u.high:
            return "triangular needs low <= mode <= high with low < high"
    elif u.mean is None or u.sigma is None or u.mean <= 0 or u.sigma < 0:
        return "lognormal needs mean > 0 and sigma >= 0"
    return None


def check_uncertainties(uncertainties: Sequence[Uncertainty], *, source: str) -> None:
    """Raise :class:`ScenarioError` (one line) if an uncertainty names no factor or has bad parameters."""
    from mobility.factors import Factors

    known = set(Factors.defaults()) | set(SPECIAL_UNCERTAINTIES)
    for i, u in enumerate(uncertainties):
        if u.factor not in known:
            raise ScenarioError(f"{source}: uncertainties[{i}].factor: unknown factor {u.factor!r}; use a planning "
                                "factor key (mobility.factors) or section_delay_hours / breakdown_probability")
        why = _check_distribution(u)
        if why:
            raise ScenarioError(f"{source}: uncertainties[{i}] ({u.factor}): {why}")


def parse_candidates(data: Any, *, source: str = "<candidates>") -> CandidateSet:
    """Validate the content of a candidates file.

    Checks the schema only; :func:`validate_candidates` checks the edits
    against a scenario's network.

    Raises
    ------
    ScenarioError
        One line naming ``source``, the candidate and the field.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a candidates file holds a mapping with candidates: (and optionally "
                            f"uncertainties:); it holds {type(data).__name__}")
    extra = set(data) - {"candidates", "uncertainties", "description"}
    if extra:
        raise ScenarioError(f"{source}: {sorted(extra)[0]}: unknown key; a candidates file has description:, "
                            "uncertainties: and candidates:")
    raw = data.get("candidates")
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(f"{source}: candidates: give a non-empty list of candidates")
    cands, seen = [], set()
    for i, item in enumerate(raw):
        cid = item.get("id") if isinstance(item, dict) else None
        where = f"{source}: candidates[{i}]" + (f" ({cid})" if cid else "")
        if not isinstance(item, dict):
            raise ScenarioError(f"{where}: a candidate is a mapping (id:, name:, cost_eur:, ...)")
        try:
            c = Candidate.model_validate(item)
        except ValidationError as exc:
            raise ScenarioError(f"{where}: {_one_line(exc)}") from None
        if not _ID.match(c.id) or c.id == BASELINE:
            raise ScenarioError(f"{where}: id: {c.id!r} is not a usable id; use lower-case letters, digits, "
                                "'-', '_' or '.', and not 'baseline'")
        if c.id in seen:
            raise ScenarioError(f"{where}: id: duplicate candidate id {c.id!r}")
        if not c.overlay:
            raise ScenarioError(f"{where}: the candidate changes nothing; give infrastructure:, resources:, "
                                "policies: or factors:")
        seen.add(c.id)
        cands.append(c)
    return CandidateSet(tuple(cands), parse_uncertainties(data.get("uncertainties"), source=source), source)


def parse_uncertainties(raw: Any, *, source: str) -> tuple[Uncertainty, ...]:
    """Validate an ``uncertainties:`` list (of a scenario, a candidates file or an uncertainties file)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ScenarioError(f"{source}: uncertainties: give a list of {{factor:, distribution:, ...}} entries")
    uncs = []
    for i, u in enumerate(raw):
        factor = u.get("factor") if isinstance(u, dict) else None
        try:
            uncs.append(Uncertainty.model_validate(u))
        except ValidationError as exc:
            where = f"{source}: uncertainties[{i}]" + (f" ({factor})" if factor else "")
            raise ScenarioError(f"{where}: {_one_line(exc)}") from None
    check_uncertainties(uncs, source=source)
    return tuple(uncs)


def _read_yaml(path: str | Path, what: str) -> Any:
    import yaml

    p = Path(path)
    if not p.is_file():
        raise ScenarioError(f"{p}: no such {what} file; give the path of a .yaml file (see scenarios/candidates.yaml)")
    try:
        return yaml.safe_load(p.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise ScenarioError(f"{p}:{where}: not valid YAML ({getattr(exc, 'problem', exc)}); fix the syntax") from None


def load_uncertainties(path: str | Path) -> tuple[Uncertainty, ...]:
    """The ``uncertainties:`` list of a YAML file (a candidates file or a scenario file will do)."""
    data = _read_yaml(path, "uncertainties")
    if not isinstance(data, dict) or "uncertainties" not in data:
        raise ScenarioError(f"{path}: no uncertainties: list in this file; see scenarios/candidates.yaml")
    return parse_uncertainties(data["uncertainties"], source=str(path))


def load_candidates(path: str | Path) -> CandidateSet:
    """Read and validate a candidates YAML file (see ``scenarios/candidates.yaml``)."""
    return parse_candidates(_read_yaml(path, "candidates"), source=str(path))


def merge_overlay(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario mapping with a candidate's partial scenario merged onto it.

    ``infrastructure.terminals`` lists append (a later entry for the same node
    and method wins); ``infrastructure.sections`` merge per section and
    attribute; ``resources``, ``policies`` and ``factors`` replace the fields
    the overlay gives. Neither input is changed.

    >>> merge_overlay({"resources": {"hets": 0, "wagons_1435": 600}}, {"resources": {"hets": 40}})
    {'resources': {'hets': 40, 'wagons_1435': 600}}
    """
    out = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        value = copy.deepcopy(value)
        if key == "infrastructure" and isinstance(value, dict):
            infra = dict(out.get("infrastructure") or {})
            secs = {s: dict(a) for s, a in (infra.get("sections") or {}).items()}
            for sec, attrs in (value.pop("sections", None) or {}).items():
                secs[sec] = {**secs.get(sec, {}), **(attrs or {})}
            terms = [*(infra.get("terminals") or ()), *(value.pop("terminals", None) or ())]
            out["infrastructure"] = {**infra, **value, "sections": secs, "terminals": terms}
        elif key in ("resources", "policies", "factors") and isinstance(value, dict):
            out[key] = {**(out.get(key) or {}), **value}
        else:
            out[key] = value
    return out


def scenario_dict(scenario: Scenario) -> dict[str, Any]:
    """A scenario as a plain, picklable mapping that :func:`parse_scenario` accepts."""
    return scenario.model_dump(mode="json")


def _label(scenario: Scenario) -> str:
    return scenario.source_file or scenario.name


def with_uncertainties(scenario: Scenario, uncertainties: Sequence[Uncertainty]) -> Scenario:
    """The scenario with ``uncertainties`` added; one given here replaces the scenario's for the same factor."""
    if not uncertainties:
        return scenario
    mine = {u.factor for u in uncertainties}
    kept = [u for u in scenario.uncertainties if u.factor not in mine]
    data = scenario_dict(scenario)
    data["uncertainties"] = [u.model_dump(mode="json") for u in (*kept, *uncertainties)]
    return parse_scenario(data, source=_label(scenario))


def apply_candidates(scenario: Scenario, candidates: Sequence[Candidate], *, source: str | None = None) -> Scenario:
    """The scenario with ``candidates`` merged onto it in order, validated.

    Raises
    ------
    ScenarioError
        One line naming ``source`` (default: the scenario's file), the
        candidates and the field.
    """
    data = scenario_dict(scenario)
    for c in candidates:
        data = merge_overlay(data, c.overlay)
    arm = arm_name([c.id for c in candidates])
    if candidates:
        data["name"] = f"{scenario.name}+{arm}"
    return parse_scenario(data, source=source or f"{_label(scenario)}: {arm}")


def validate_candidates(scenario: Scenario, cset: CandidateSet) -> None:
    """Check every candidate's edits against the scenario (sections, nodes, factors, policies).

    Each candidate is checked alone and merged onto the scenario, so an error
    names the candidates file, the candidate and the field as the candidate
    gives it.
    """
    from mobility.simulation import scenario_network

    data = scenario_dict(scenario)
    bare = {k: v for k, v in data.items() if k not in OVERLAY_KEYS}
    for i, c in enumerate(cset.candidates):
        where = f"{cset.source}: candidates[{i}] ({c.id})"
        alone = c.overlay
        if "policies" in alone:  # policy fields depend on each other (clearance: custom needs clearance_hours)
            alone["policies"] = {**data["policies"], **alone["policies"]}
        parse_scenario({**bare, **alone}, source=where)
        scenario_network(apply_candidates(scenario, [c], source=where))


def _leaves(overlay: Mapping[str, Any]) -> dict[tuple[str, ...], Any]:
    """The settings a candidate makes, one key per setting (for conflicts between candidates)."""
    out: dict[tuple[str, ...], Any] = {}
    for key, value in overlay.items():
        if key == "infrastructure":
            for sec, attrs in (value.get("sections") or {}).items():
                for attr, v in (attrs or {}).items():
                    out[("section", sec, attr)] = v
            for t in value.get("terminals") or ():
                out[("terminal", t.get("node", ""), t.get("method", ""))] = t.get("ramps")
        else:
            for k, v in (value or {}).items():
                out[(key, k)] = v
    return out


def conflicts(a: Candidate, b: Candidate) -> list[str]:
    """Settings two candidates both make with different values (they cannot be combined)."""
    la, lb = _leaves(a.overlay), _leaves(b.overlay)
    return [".".join(k) for k in sorted(set(la) & set(lb)) if la[k] != lb[k]]


def arm_name(ids: Sequence[str]) -> str:
    """The name of the arm with candidates ``ids``: ``baseline`` or ``a+b``."""
    return "+".join(ids) if ids else BASELINE


def design_arms(ids: Sequence[str], *, max_combination: int = 2, extremes: bool = True,
                exclusive: Sequence[frozenset[str]] = ()) -> tuple[list[tuple[str, ...]], list[str]]:
    """The arms of a comparison, and notes on what was left out.

    Every combination of up to ``max_combination`` candidates (in the order of
    ``ids``); with ``extremes`` and ``max_combination`` below the number of
    candidates, also all candidates together ("all-in") and each leave-one-out
    set, which give each candidate's marginal value at the top of the lattice.
    A combination holding a pair in ``exclusive`` (candidates that set the
    same field to different values) is left out.
    """
    n = len(ids)
    bad = [set(p) for p in exclusive]
    notes: list[str] = []

    def ok(combo: tuple[str, ...]) -> bool:
        clash = next((p for p in bad if p <= set(combo)), None)
        if clash is not None:
            notes.append(f"{arm_name(combo)} left out: {' and '.join(sorted(clash))} set the same field differently")
        return clash is None

    arms: list[tuple[str, ...]] = [()]
    for k in range(1, min(max_combination, n) + 1):
        arms += [c for c in itertools.combinations(ids, k) if ok(c)]
    if extremes and max_combination < n:
        top = [tuple(ids)] + ([tuple(x for x in ids if x != i) for i in ids] if n - 1 > max_combination else [])
        arms += [c for c in top if ok(c)]
    return list(dict.fromkeys(arms)), list(dict.fromkeys(notes))


# ---------------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------------
def replication_seeds(seed: int, n: int) -> tuple[int, ...]:
    """Seeds of ``n`` replications, spawned from one ``SeedSequence(seed)``.

    Replication *i* gets the same seed whatever ``n`` is, so adding
    replications extends a study without changing the runs already made.
    """
    children = np.random.SeedSequence(seed).spawn(n)
    return tuple(int(c.generate_state(1)[0]) for c in children)


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
        troops_total=int(sc.total_troops()),
    )


@contextlib.contextmanager
def _progress(total: int, label: str, *, enabled: bool) -> Iterator[Callable[[], None]]:
    """A rich progress bar on stderr (runs done, time left) when it is a terminal; silent otherwise."""
    if not enabled or not sys.stderr.isatty():
        yield lambda: None
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
    # runs are pure-Python and hold the GIL: the workers' statistical profiler and GIL monitor only slow them
    quiet = {"distributed.worker.profile.enabled": False, "distributed.admin.system-monitor.gil.enabled": False}
    with dask.config.set(quiet), LocalCluster(n_workers=workers or 2, threads_per_worker=1, processes=True,
                                              dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
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


# ---------------------------------------------------------------------------------------------
# statistics
# ---------------------------------------------------------------------------------------------
def paired_ci(diff: np.ndarray, *, level: float = 0.9) -> tuple[float, float, float]:
    """Mean and two-sided ``level`` t-interval of paired differences (NaN bounds with one pair).

    >>> paired_ci(np.array([0.0, 0.0, 0.0]))
    (0.0, 0.0, 0.0)
    """
    d = np.asarray(diff, dtype=float)
    mean = float(d.mean())
    if len(d) < 2:
        return mean, math.nan, math.nan
    sd = float(d.std(ddof=1))
    if sd == 0.0:
        return mean, mean, mean
    from scipy.stats import t

    half = float(t.ppf(0.5 + level / 2.0, len(d) - 1)) * sd / math.sqrt(len(d))
    return mean, mean - half, mean + half


def _met_or_censored(met: np.ndarray, horizon: int) -> np.ndarray:
    """Met days with 'not met within the horizon' counted as the day after the horizon."""
    return np.where(np.isnan(met), float(horizon + 1), met)


def _quantiles(x: np.ndarray, qs: Sequence[float], *, method: str = "linear") -> list[float]:
    return [float(v) for v in np.quantile(x, qs, method=method)]


def _met_quantiles(met: np.ndarray) -> list[float | None]:
    """10th/50th/90th percentile met day (an observed day; None where that share never met the tier)."""
    x = np.where(np.isnan(met), np.inf, met)
    return [None if math.isinf(v) else v for v in _quantiles(x, (0.1, 0.5, 0.9), method="inverted_cdf")]


def shapley_values(values: Mapping[frozenset[str], float], players: Sequence[str]) -> pd.DataFrame:
    """Each player's Shapley value over the evaluated coalitions.

    The Shapley value is the average, over coalition sizes *s* = 0..n-1, of
    the player's mean marginal contribution ``v(S + i) - v(S)`` over the
    coalitions *S* of size *s* without it. Here each size's mean is taken over
    the pairs that were evaluated, and the average over the sizes that have at
    least one pair: exact when every coalition was evaluated (``exact`` is
    then True and the values add up to ``v(all)``), otherwise a value
    restricted to the evaluated sizes (``sizes`` lists them).
    """
    n = len(players)
    complete = all(frozenset(c) in values for k in range(n + 1) for c in itertools.combinations(players, k))
    rows = []
    for p in players:
        by_size: dict[int, list[float]] = defaultdict(list)
        for s, v in values.items():
            if p not in s and (s | {p}) in values:
                by_size[len(s)].append(values[s | {p}] - v)
        sizes = sorted(by_size)
        phi = float(np.mean([np.mean(by_size[k]) for k in sizes])) if sizes else math.nan
        rows.append({"candidate": p, "shapley": phi, "sizes": ",".join(str(k) for k in sizes), "exact": complete})
    return pd.DataFrame(rows, columns=["candidate", "shapley", "sizes", "exact"])


# ---------------------------------------------------------------------------------------------
# replications
# ---------------------------------------------------------------------------------------------
@dataclass
class Replications:
    """N replications of one scenario: per-replication results, closure bands, tier probabilities."""

    scenario: Scenario
    seed: int
    seeds: tuple[int, ...]
    runs: pd.DataFrame  # one row per replication
    closure: np.ndarray = field(repr=False)  # replications x days, troops closed by each day
    bands: pd.DataFrame = field(repr=False)  # day, mean, p10, p50, p90, min, max
    tiers: pd.DataFrame = field(repr=False)  # one row per tier

    @property
    def n(self) -> int:
        """Number of replications."""
        return len(self.seeds)

    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json``: the one-run summary's keys, with tiers extended by bands."""
        from mobility import __version__

        sc = self.scenario
        final = self.closure[:, -1]
        tiers = []
        for r in self.tiers.to_dict("records"):
            tiers.append({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()})
        return {
            "scenario": sc.name, "seed": self.seed, "seeds": list(self.seeds), "replications": self.n,
            "version": __version__, "network": sc.network, "year": sc.year, "d_day": str(sc.d_day),
            "nfm_reading": sc.targets.reading, "theatre_share": sc.targets.theatre_share,
            "clock": "troops closed at destination (last vehicle arrived), days after D",
            "troops_total": sc.total_troops(),
            "troops_closed": {"mean": float(final.mean()),
                              **dict(zip(("p10", "p50", "p90"), _quantiles(final, (0.1, 0.5, 0.9)), strict=True))},
            "uncertainties": [u.model_dump(mode="json") for u in sc.uncertainties],
            "tiers": tiers,
        }


def _runs_frame(outs: Sequence[RunOutput], days: Sequence[int]) -> pd.DataFrame:
    """One row per run: arm, replication, seed, troops closed at ``days`` and each tier's met day."""
    rows = []
    for o in outs:
        row: dict[str, Any] = {"arm": o.arm, "replication": o.replication, "seed": o.seed}
        for d in days:
            row[f"troops_d{d}"] = int(o.closed[min(d, len(o.closed) - 1)])
        for d, m in zip(o.tier_days, o.met_day, strict=True):
            row[f"met_day_d{d}"] = m
        row["troops_closed"] = int(o.closed[-1])
        rows.append(row)
    return pd.DataFrame(rows)


def _tier_rows(outs: Sequence[RunOutput]) -> pd.DataFrame:
    first = outs[0]
    rows = []
    for j, (day, req) in enumerate(zip(first.tier_days, first.tier_required, strict=True)):
        closed = np.array([o.tier_closed[j] for o in outs], dtype=float)
        met = np.array([o.met_day[j] for o in outs], dtype=float)
        p10, p50, p90 = _met_quantiles(met)
        c10, c50, c90 = _quantiles(closed, (0.1, 0.5, 0.9))
        rows.append({
            "day": day, "required": req, "closed": c50, "met_day": p50 if p50 is not None else math.nan,
            "shortfall": max(0.0, req - c50), "p_met": float(np.mean(~np.isnan(met) & (met <= day))),
            "p_met_ever": float(np.mean(~np.isnan(met))),
            "met_day_mean": float(np.nanmean(met)) if (~np.isnan(met)).any() else math.nan,
            "met_day_p10": math.nan if p10 is None else p10, "met_day_p50": math.nan if p50 is None else p50,
            "met_day_p90": math.nan if p90 is None else p90,
            "closed_mean": float(closed.mean()), "closed_p10": c10, "closed_p50": c50, "closed_p90": c90,
        })
    return pd.DataFrame(rows)


def summarise_replications(scenario: Scenario, seed: int, outs: Sequence[RunOutput]) -> Replications:
    """Bands, tier probabilities and the per-replication table from the runs of one scenario."""
    mat = np.vstack([o.closed for o in outs])
    q = np.quantile(mat, [0.1, 0.5, 0.9], axis=0)
    bands = pd.DataFrame({"day": np.arange(mat.shape[1]), "mean": mat.mean(axis=0), "p10": q[0], "p50": q[1],
                          "p90": q[2], "min": mat.min(axis=0), "max": mat.max(axis=0),
                          "total": scenario.total_troops()})
    days = sorted(set(outs[0].tier_days))
    runs = _runs_frame(outs, days).drop(columns="arm")
    return Replications(scenario=scenario, seed=seed, seeds=tuple(o.seed for o in outs), runs=runs, closure=mat,
                        bands=bands, tiers=_tier_rows(outs))


def _check_runnable(scenario: Scenario) -> None:
    from mobility.simulation import scenario_network

    check_uncertainties(scenario.uncertainties, source=_label(scenario))
    scenario_network(scenario)


def replicate(scenario: Scenario, n: int, *, seed: int | None = None, workers: int | None = None,
              scheduler: str | Client | None = None, progress: bool = True, check: bool = False,
              runner: Callable[[RunSpec], RunOutput] = run_one) -> Replications:
    """Run ``n`` replications of a scenario on Dask and summarise them.

    Parameters
    ----------
    scenario
        A validated scenario; its ``uncertainties`` are what varies between
        replications (without any, every replication is the same run).
    n
        Number of replications.
    seed
        Root of the ``SeedSequence`` the replication seeds are spawned from
        (default: the scenario's seed).
    workers, scheduler, progress, runner
        As in :func:`execute`.
    check
        Check invariants (capacity, troop conservation) in every run.

    Returns
    -------
    Replications
        ``bands`` (10th/50th/90th percentile of troops closed per day),
        ``tiers`` (P(met by the tier day), met-day mean and percentiles) and
        ``runs`` (one row per replication).
    """
    if n < 1:
        raise MobilityError(f"--replications {n}: give at least 1")
    _check_runnable(scenario)
    root = scenario.seed if seed is None else seed
    data = scenario_dict(scenario)
    specs = [RunSpec(BASELINE, i, s, data, _label(scenario), check)
             for i, s in enumerate(replication_seeds(root, n))]
    outs = execute(specs, workers=workers, scheduler=scheduler, progress=progress, runner=runner,
                   label=f"{scenario.name} x{n}")
    return summarise_replications(scenario, root, outs)


# ---------------------------------------------------------------------------------------------
# comparisons
# ---------------------------------------------------------------------------------------------
@dataclass
class Comparison:
    """Arms of a comparison with common random numbers, their ranking and each candidate's share.

    Attributes
    ----------
    arms
        One row per arm (baseline first): cost, troops closed at each report
        day, paired gain over the baseline with its 90 % CI, days saved per
        tier (paired, with CI), P(met) per tier, troops gained at the last
        report day per M€, and for combinations the interaction (gain minus
        the sum of its members' gains alone).
    ranking
        The arms other than the baseline, best first (troops gained at the
        last report day, then the first, then cheaper first).
    contributions
        One row per candidate: gain alone and Shapley value at each report day.
    runs
        One row per ``(arm, replication)``.
    """

    scenario: Scenario
    candidates: CandidateSet
    arms: pd.DataFrame
    ranking: pd.DataFrame
    contributions: pd.DataFrame
    runs: pd.DataFrame
    seed: int
    seeds: tuple[int, ...]
    days: tuple[int, ...]
    max_combination: int
    notes: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """What ``summary.json`` of a comparison holds: the design and the notes."""
        from mobility import __version__

        return {
            "scenario": self.scenario.name, "candidates_file": self.candidates.source, "version": __version__,
            "replications": len(self.seeds), "seed": self.seed, "seeds": list(self.seeds),
            "common_random_numbers": True, "max_combination": self.max_combination,
            "arms": self.arms["arm"].tolist(), "report_days": list(self.days),
            "shapley_exact": bool(self.contributions["exact"].all()) if len(self.contributions) else False,
            "uncertainties": [u.model_dump(mode="json") for u in self.scenario.uncertainties],
            "notes": list(self.notes),
        }


def _arm_stats(runs: pd.DataFrame, arm: str, base: pd.DataFrame, days: Sequence[int], tiers: Sequence[int],
               horizon: int) -> dict[str, Any]:
    r = runs[runs["arm"] == arm].sort_values("replication")
    row: dict[str, Any] = {}
    for d in days:
        mean, lo, hi = paired_ci(r[f"troops_d{d}"].to_numpy(float) - base[f"troops_d{d}"].to_numpy(float))
        row |= {f"troops_d{d}_mean": float(r[f"troops_d{d}"].mean()), f"gain_d{d}_mean": mean,
                f"gain_d{d}_ci_low": lo, f"gain_d{d}_ci_high": hi}
    for t in tiers:
        met = r[f"met_day_d{t}"].to_numpy(float)
        saved = _met_or_censored(base[f"met_day_d{t}"].to_numpy(float), horizon) - _met_or_censored(met, horizon)
        mean, lo, hi = paired_ci(saved)
        row |= {f"p_met_d{t}": float(np.mean(~np.isnan(met) & (met <= t))),
                f"met_day_d{t}_p50": _met_quantiles(met)[1],
                f"days_saved_d{t}_mean": mean, f"days_saved_d{t}_ci_low": lo, f"days_saved_d{t}_ci_high": hi}
    return row


def summarise_arms(runs: pd.DataFrame, arms: Sequence[tuple[str, ...]], cset: CandidateSet, *,
                   days: Sequence[int], tiers: Sequence[int], horizon: int) -> pd.DataFrame:
    """One row per arm from the per-run table (paired with the baseline replication by replication)."""
    base = runs[runs["arm"] == BASELINE].sort_values("replication")
    rows = []
    for ids in arms:
        name = arm_name(ids)
        cost = float(sum(cset.get(i).cost_eur for i in ids))
        row: dict[str, Any] = {"arm": name, "candidates": "+".join(ids), "n_candidates": len(ids),
                               "cost_eur": cost,
                               "ready_year": max((cset.get(i).ready_year for i in ids), default=None),
                               "replications": int((runs["arm"] == name).sum())}
        row |= _arm_stats(runs, name, base, days, tiers, horizon)
        last = days[-1]
        row[f"gain_d{last}_per_meur"] = row[f"gain_d{last}_mean"] / (cost / 1e6) if cost > 0 else math.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    single = {r["candidates"]: r for r in rows if r["n_candidates"] == 1}
    for d in days:
        out[f"interaction_d{d}"] = [
            (r[f"gain_d{d}_mean"] - sum(single[i][f"gain_d{d}_mean"] for i in r["candidates"].split("+")))
            if r["n_candidates"] > 1 and all(i in single for i in r["candidates"].split("+")) else math.nan
            for r in rows]
    out["ready_year"] = out["ready_year"].astype("Int64")
    return out


def _rank(arms: pd.DataFrame, days: Sequence[int]) -> pd.DataFrame:
    first, last = days[0], days[-1]
    r = arms[arms["arm"] != BASELINE].sort_values(
        [f"gain_d{last}_mean", f"gain_d{first}_mean", "cost_eur", "arm"],
        ascending=[False, False, True, True], kind="stable").reset_index(drop=True)
    r.insert(0, "rank", np.arange(1, len(r) + 1))
    return r


def _contributions(arms: pd.DataFrame, ids: Sequence[str], days: Sequence[int]) -> pd.DataFrame:
    out = pd.DataFrame({"candidate": list(ids)})
    for d in days:
        values = {frozenset(c for c in str(r["candidates"]).split("+") if c): float(r[f"gain_d{d}_mean"])
                  for r in arms.to_dict("records")}
        sv = shapley_values(values, ids)
        alone = {k: v for k, v in values.items() if len(k) == 1}
        out[f"alone_d{d}"] = [alone.get(frozenset([i]), math.nan) for i in ids]
        out[f"shapley_d{d}"] = sv["shapley"].to_numpy()
        out["sizes"], out["exact"] = sv["sizes"].to_numpy(), sv["exact"].to_numpy()
    return out


def _resolve_candidates(candidates: str | Path | CandidateSet | Sequence[Candidate | Mapping[str, Any]]
                        ) -> CandidateSet:
    if isinstance(candidates, CandidateSet):
        return candidates
    if isinstance(candidates, (str, Path)):
        return load_candidates(candidates)
    items = [c.model_dump() if isinstance(c, Candidate) else dict(c) for c in candidates]
    return parse_candidates({"candidates": items}, source="<candidates>")


def compare(scenario: Scenario | str | Path,
            candidates: str | Path | CandidateSet | Sequence[Candidate | Mapping[str, Any]], *,
            replications: int = 20, max_combination: int = 2, workers: int | None = None,
            scheduler: str | Client | None = None, seed: int | None = None, progress: bool = True,
            days: Sequence[int] = (10, 30), extremes: bool = True, ready_by: int | None = None,
            runner: Callable[[RunSpec], RunOutput] = run_one) -> Comparison:
    """Compare candidate investments alone and in combination, with common random numbers.

    Design: the baseline, each candidate alone, every combination of up to
    ``max_combination`` candidates, and, when ``max_combination`` is below the
    number of candidates and ``extremes`` is on, all candidates together plus
    each leave-one-out set (the marginal value of each candidate on top of all
    the others). Combinations of candidates that set the same field to
    different values are left out (listed in ``notes``). Each candidate's
    Shapley value is computed over the evaluated coalitions: exact when every
    subset was run (``max_combination`` >= number of candidates), otherwise
    restricted to the evaluated coalition sizes (see :func:`shapley_values`).

    Every arm runs the same ``replications`` seeds, spawned from one
    ``SeedSequence(seed)``; differences to the baseline are paired per
    replication, with a 90 % t-interval. A tier not met within the horizon
    counts as met the day after it (days saved are then a lower bound).

    Parameters
    ----------
    scenario
        The base scenario (or its file).
    candidates
        A candidates file, a :class:`CandidateSet`, or candidates; a file's
        ``uncertainties:`` are added to the scenario's (same factor: the file's).
    replications
        Replications per arm.
    max_combination
        Largest combination enumerated in full.
    workers, scheduler, progress, runner
        As in :func:`execute`.
    seed
        Root seed (default: the scenario's).
    days
        Report days for troops closed and gained (the last one also for gain per €);
        days beyond the horizon are dropped.
    extremes
        Add all-in and leave-one-out arms beyond ``max_combination``.
    ready_by
        Leave out candidates that cannot be in service by this year.

    Raises
    ------
    ScenarioError
        A bad candidate (one line naming the file, the candidate and the field).
    """
    sc = load_scenario(scenario) if isinstance(scenario, (str, Path)) else scenario
    cset = _resolve_candidates(candidates)
    if replications < 1 or max_combination < 1:
        raise MobilityError("compare needs --replications >= 1 and --max-combination >= 1")
    notes: list[str] = []
    days = tuple(sorted({d for d in days if 0 <= d <= sc.horizon_days})) or (sc.horizon_days,)
    if ready_by is not None:
        late = [c.id for c in cset.candidates if c.ready_year > ready_by]
        cset = CandidateSet(tuple(c for c in cset.candidates if c.ready_year <= ready_by), cset.uncertainties,
                            cset.source)
        notes += [f"{i} left out: not ready by {ready_by}" for i in late]
        if not cset.candidates:
            raise ScenarioError(f"{cset.source}: no candidate is ready by {ready_by}")
    base = with_uncertainties(sc, cset.uncertainties)
    _check_runnable(base)
    validate_candidates(base, cset)
    if not base.uncertainties:
        notes.append("the scenario declares no uncertainties: every replication of an arm is the same run")
    exclusive = [frozenset((a.id, b.id)) for a, b in itertools.combinations(cset.candidates, 2) if conflicts(a, b)]
    design, left_out = design_arms(cset.ids, max_combination=max_combination, extremes=extremes,
                                   exclusive=exclusive)
    notes += left_out
    root = base.seed if seed is None else seed
    seeds = replication_seeds(root, replications)
    specs = []
    for ids in design:
        arm_sc = apply_candidates(base, [cset.get(i) for i in ids], source=f"{cset.source}: {arm_name(ids)}")
        data = scenario_dict(arm_sc)
        specs += [RunSpec(arm_name(ids), i, s, data, _label(arm_sc)) for i, s in enumerate(seeds)]
    outs = execute(specs, workers=workers, scheduler=scheduler, progress=progress, runner=runner,
                   label=f"compare {len(design)} arms x{replications}")
    tiers = list(outs[0].tier_days)
    runs = _runs_frame(outs, sorted(set(days) | set(tiers)))
    arms = summarise_arms(runs, design, cset, days=days, tiers=tiers, horizon=base.horizon_days)
    contributions = _contributions(arms, cset.ids, days)
    if len(contributions) and not bool(contributions["exact"].all()):
        notes.append(f"Shapley values are restricted to the evaluated coalition sizes "
                     f"({contributions['sizes'].iloc[0]}), not exact")
    return Comparison(scenario=base, candidates=cset, arms=arms, ranking=_rank(arms, days),
                      contributions=contributions, runs=runs, seed=root, seeds=seeds, days=days,
                      max_combination=max_combination, notes=tuple(notes))


# ---------------------------------------------------------------------------------------------
# text output
# ---------------------------------------------------------------------------------------------
def _fmt_gain(mean: float, lo: float, hi: float) -> str:
    if math.isnan(lo):
        return f"{mean:+,.0f}"
    return f"{mean:+,.0f} [{lo:+,.0f}, {hi:+,.0f}]"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, left: Sequence[int] = (1,)) -> str:
    """Rows of cells as aligned text: columns in ``left`` left-aligned, the others right-aligned."""
    widths = [max(len(str(x[i])) for x in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  " + "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)
                                for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join(line(r) for r in (header, *rows))


def display_name(arm: str, ids: Sequence[str], max_combination: int) -> str:
    """A short name for an arm: ``all 9`` for all-in, ``all but x`` for a leave-one-out set.

    >>> display_name("a+b+c", ["a", "b", "c", "d"], 2)
    'all but d'
    """
    members = [m for m in arm.split("+") if m in ids] if arm != BASELINE else []
    n = len(ids)
    if len(members) == n and n > max_combination:
        return f"all {n}"
    if len(members) == n - 1 and n - 1 > max_combination:
        return f"all but {next(i for i in ids if i not in members)}"
    return arm


def format_ranking(cmp: Comparison, *, limit: int | None = None) -> str:
    """The ranked table of a comparison as text: the baseline, then the arms best first.

    Columns: rank, arm, cost (M€), ready year, troops gained at each report day
    with the 90 % CI of the paired difference, P(met) per tier, mean days
    saved per tier, troops gained at the last report day per M€.
    """
    days, tiers = cmp.days, [int(c.split("_d")[1]) for c in cmp.arms.columns if c.startswith("p_met_d")]
    tier_s = "/".join(f"D+{t}" for t in tiers)
    header = ["#", "arm", "M€", "ready", *[f"D+{d} troops (gain [90% CI])" for d in days],
              f"P(met) {tier_s}", f"days saved {tier_s}", f"troops/M€ D+{days[-1]}"]
    b = cmp.arms[cmp.arms["arm"] == BASELINE].iloc[0]
    rows = [["", BASELINE, "0", "", *[f"{b[f'troops_d{d}_mean']:,.0f}" for d in days],
             "/".join(f"{b[f'p_met_d{t}']:.2f}" for t in tiers), "", ""]]
    for r in (cmp.ranking.head(limit) if limit else cmp.ranking).to_dict("records"):
        per = r[f"gain_d{days[-1]}_per_meur"]
        rows.append([
            str(r["rank"]), display_name(r["arm"], cmp.candidates.ids, cmp.max_combination),
            f"{r['cost_eur'] / 1e6:,.1f}",
            "" if pd.isna(r["ready_year"]) else str(int(r["ready_year"])),
            *[_fmt_gain(r[f"gain_d{d}_mean"], r[f"gain_d{d}_ci_low"], r[f"gain_d{d}_ci_high"]) for d in days],
            "/".join(f"{r[f'p_met_d{t}']:.2f}" for t in tiers),
            "/".join(f"{r[f'days_saved_d{t}_mean']:+.1f}" for t in tiers),
            "-" if math.isnan(per) else f"{per:,.1f}",
        ])
    return _table(header, rows)


def format_contributions(cmp: Comparison) -> str:
    """Each candidate's gain alone and its Shapley value, as text."""
    days = cmp.days
    lines = [f"  {'candidate':<28}" + "".join(f"{'alone D+' + str(d):>14}{'Shapley D+' + str(d):>14}" for d in days)]
    for r in cmp.contributions.to_dict("records"):
        lines.append(f"  {r['candidate'][:27]:<28}"
                     + "".join(f"{r[f'alone_d{d}']:>+14,.0f}{r[f'shapley_d{d}']:>+14,.0f}" for d in days))
    return "\n".join(lines)


def format_bands(rep: Replications, *, days: Sequence[int] | None = None) -> str:
    """Closure bands (troops closed by day, 10th/50th/90th percentile) as text."""
    horizon = int(rep.bands["day"].iloc[-1])
    tiers = [int(d) for d in rep.tiers["day"]]
    pick = sorted({d for d in (days or (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 150, 180)) if d <= horizon}
                  | {d for d in tiers if d <= horizon})
    b = rep.bands.set_index("day")
    lines = [f"  {'day':<7}{'p10':>10}{'p50':>10}{'p90':>10}{'mean':>10}"]
    lines += [f"  D+{d:<5}{b.at[d, 'p10']:>10,.0f}{b.at[d, 'p50']:>10,.0f}{b.at[d, 'p90']:>10,.0f}"
              f"{b.at[d, 'mean']:>10,.0f}" for d in pick]
    return "\n".join(lines)


def format_tier_probabilities(rep: Replications) -> str:
    """P(met by the tier day) and the met-day percentiles per tier, as text."""
    def day(v: float) -> str:
        return "never" if isinstance(v, float) and math.isnan(v) else f"D+{int(v)}"

    lines = [f"  {'tier':<8}{'required':>10}{'P(met)':>8}{'met p10':>9}{'p50':>8}{'p90':>8}"]
    for r in rep.tiers.to_dict("records"):
        lines.append(f"  D+{int(r['day']):<6}{int(r['required']):>10,}{r['p_met']:>8.2f}{day(r['met_day_p10']):>9}"
                     f"{day(r['met_day_p50']):>8}{day(r['met_day_p90']):>8}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------------------------
def run_replications_cli(scenario: Scenario, args: argparse.Namespace, out: Path) -> int:
    """``mobility run SCENARIO --replications N``: bands, P(met) per tier, files written atomically."""
    from mobility.cli import atomic_dir

    n = int(args.replications)
    if getattr(args, "uncertainties", None):
        scenario = with_uncertainties(scenario, load_uncertainties(args.uncertainties))
    rep = replicate(scenario, n, seed=args.seed, workers=args.workers, scheduler=getattr(args, "scheduler", None),
                    check=bool(getattr(args, "check", False)))
    summary = rep.summary()
    with atomic_dir(out) as tmp:
        rep.runs.to_parquet(tmp / "replications.parquet", index=False)
        rep.bands.to_csv(tmp / "closure_bands.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
        if not getattr(args, "no_map", False):
            # one replication (the first seed) briefs in full; the chart and report carry the bands
            from mobility import report
            from mobility.simulation import simulate

            first = simulate(scenario, seed=int(rep.runs["seed"].iloc[0]))
            report.write_run_outputs(first, tmp, bands=rep.bands, uncertainty=rep.tiers)
    print(f"{scenario.name}: {n} replications (seeds from SeedSequence({rep.seed}), NFM {scenario.targets.reading}, "
          f"theatre share {scenario.targets.theatre_share:g})")
    if not scenario.uncertainties:
        print("  note: the scenario declares no uncertainties, so every replication is the same run")
    print("troops closed (percentiles over replications):")
    print(format_bands(rep))
    print("tiers:")
    print(format_tier_probabilities(rep))
    print(f"wrote {out}/")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """``mobility compare SCENARIO --candidates FILE ...``."""
    from mobility.cli import atomic_dir

    sc = load_scenario(args.scenario)
    cmp = compare(sc, args.candidates, replications=args.replications, max_combination=args.max_combination,
                  workers=args.workers, scheduler=args.scheduler, seed=args.seed, extremes=not args.no_extremes,
                  ready_by=args.ready_by)
    out = Path(args.out or Path("runs") / f"{sc.name}-compare")
    ranked = pd.concat([cmp.arms[cmp.arms["arm"] == BASELINE], cmp.ranking], ignore_index=True)
    with atomic_dir(out) as tmp:
        ranked.to_parquet(tmp / "comparison.parquet", index=False)
        ranked.to_csv(tmp / "comparison.csv", index=False)
        cmp.contributions.to_csv(tmp / "contributions.csv", index=False)
        cmp.runs.to_parquet(tmp / "runs.parquet", index=False)
        (tmp / "summary.json").write_text(json.dumps(cmp.summary(), indent=2), encoding="utf-8")
    n_arms = len(cmp.arms)
    print(f"{sc.name}: {len(cmp.candidates.candidates)} candidates, {n_arms} arms x {len(cmp.seeds)} replications "
          f"(common random numbers, seeds from SeedSequence({cmp.seed}))")
    print(f"ranked by troops gained at D+{cmp.days[-1]} (paired with the baseline, 90 % CI):")
    print(format_ranking(cmp))
    print("contributions (troops gained):")
    print(format_contributions(cmp))
    for note in cmp.notes:
        print(f"  note: {note}")
    print(f"wrote {out}/")
    return 0


def _extend_run(sub: Any) -> None:
    """Give ``mobility run`` the replication options it lacks: --scheduler, --uncertainties."""
    run = getattr(sub, "choices", {}).get("run")
    if run is None:
        return
    with contextlib.suppress(argparse.ArgumentError):
        run.add_argument("--scheduler", default=None,
                         help="with --replications: address of a running Dask scheduler (instead of --workers)")
    with contextlib.suppress(argparse.ArgumentError):
        run.add_argument("--uncertainties", default=None, metavar="FILE",
                         help="with --replications: add the uncertainties: list of FILE (e.g. "
                              "scenarios/candidates.yaml) to the scenario's")


def add_commands(sub: Any) -> None:
    """Add ``mobility compare`` to the CLI (and ``--scheduler``, ``--uncertainties`` to ``mobility run``)."""
    p = sub.add_parser("compare", help="compare candidate investments alone and combined (Dask, common random "
                                       "numbers) and write comparison.csv / comparison.parquet")
    p.add_argument("scenario")
    p.add_argument("--candidates", required=True, help="candidates YAML file (see scenarios/candidates.yaml)")
    p.add_argument("--replications", type=int, default=20, help="replications per arm (default 20)")
    p.add_argument("--max-combination", type=int, default=2, help="largest combination run in full (default 2)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--workers", type=int, default=None, help="local Dask worker processes (default 2)")
    where.add_argument("--scheduler", default=None, help="address of a running Dask scheduler")
    p.add_argument("--out", help="output folder (default runs/<scenario name>-compare)")
    p.add_argument("--seed", type=int, default=None, help="root seed of the replications (default: the scenario's)")
    p.add_argument("--ready-by", type=int, default=None, help="leave out candidates not ready by this year")
    p.add_argument("--no-extremes", action="store_true",
                   help="do not add the all-in and leave-one-out arms beyond --max-combination")
    p.set_defaults(func=cmd_compare)
    _extend_run(sub)
