"""Exploratory designs: Monte Carlo, Latin hypercube and Sobol samples over uncertainties and levers.

A **parameter** is a point key (:mod:`~mobility.analysis.experiments.points`:
a factor, ``resources.<field>``, ``terminals.<node>.<method>``, ...) with a
range. Without ranges given, the scenario's uncertainties are the parameters,
each over the range of its distribution (uniform and triangular: low to high;
lognormal: its 5th to 95th percentile; a ``multiply`` uncertainty scales the
table value). Whole-number keys (resources, terminals) are rounded.

Every point of a design runs with the same seed (common random numbers), so
a difference between points is the parameters' doing, and the design is a
deterministic function that Sobol indices (SALib) can decompose. Designs
come from SALib (``latin``, ``sobol``) or, for Monte Carlo, from a NumPy
generator seeded with the root seed; the same design and seed give the same
points on any number of workers.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd

from mobility.analysis.experiments.candidates import check_runnable, label, scenario_dict
from mobility.analysis.experiments.designs import replication_seeds
from mobility.analysis.experiments.evaluation import RunOutput, RunSpec, execute, run_one
from mobility.analysis.experiments.points import at_point, overlay_of
from mobility.analysis.experiments.statistics import runs_frame
from mobility.errors import MobilityError, ScenarioError
from mobility.scenario import Scenario

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["DESIGNS", "Exploration", "Parameter", "explore", "parameters_of", "parse_ranges", "sample"]

DESIGNS = ("mc", "lhs", "sobol")


@dataclass(frozen=True)
class Parameter:
    """One explored key with its range; ``whole``: rounded to whole numbers."""

    key: str
    low: float
    high: float
    whole: bool = False


def _whole(key: str) -> bool:
    return key.startswith(("resources.", "terminals.")) or key in ("factors.default_ramps",)


def parameters_of(scenario: Scenario) -> list[Parameter]:
    """The scenario's uncertainties as parameters over the ranges of their distributions."""
    from scipy.stats import lognorm

    from mobility.factors import Factors

    table = Factors(scenario.factors)
    out = []
    for u in scenario.uncertainties:
        if u.distribution in ("uniform", "triangular"):
            lo, hi = float(u.low), float(u.high)  # type: ignore[arg-type]
        else:
            dist = lognorm(s=u.sigma, scale=u.mean)
            lo, hi = float(dist.ppf(0.05)), float(dist.ppf(0.95))
        if u.scale == "multiply":
            lo, hi = lo * table[u.factor], hi * table[u.factor]
        out.append(Parameter(u.factor, max(lo, 0.0), max(hi, 0.0)))
    return out


def parse_ranges(items: Sequence[str], *, flag: str = "--vary") -> list[Parameter]:
    """``KEY=LOW:HIGH`` strings as parameters (checked: LOW < HIGH, a known key)."""
    out = []
    for item in items:
        key, sep, rng = item.partition("=")
        lo, sep2, hi = rng.partition(":")
        try:
            low, high = float(lo), float(hi)
        except ValueError:
            low = high = math.nan
        if not sep or not sep2 or not key or not (low < high):
            raise ScenarioError(f"{flag} {item}: give KEY=LOW:HIGH with LOW < HIGH, e.g. "
                                f"{flag} terminals.sestokai.transload=1:4")
        overlay_of(key, high if not _whole(key) else int(high), where=f"{flag} {key}")  # a known key
        out.append(Parameter(key, low, high, _whole(key)))
    return out


def sample(params: Sequence[Parameter], design: Literal["mc", "lhs", "sobol"], n: int, *,
           seed: int) -> np.ndarray:
    """The design's points (rows) in parameter units, before rounding.

    ``sobol`` gives ``n * (k + 2)`` points for ``k`` parameters (Saltelli's
    scheme without second-order terms; ``n`` should be a power of 2), the
    others ``n``.
    """
    if design not in DESIGNS:
        raise MobilityError(f"--design {design}: use one of {', '.join(DESIGNS)}")
    if n < 1:
        raise MobilityError(f"-n {n}: give at least 1 point")
    problem = {"num_vars": len(params), "names": [p.key for p in params],
               "bounds": [[p.low, p.high] for p in params]}
    if design == "mc":
        rng = np.random.default_rng(np.random.SeedSequence(seed))
        lo, hi = np.array([p.low for p in params]), np.array([p.high for p in params])
        return lo + rng.random((n, len(params))) * (hi - lo)
    if design == "lhs":
        from SALib.sample import latin

        return np.asarray(latin.sample(problem, n, seed=seed % 2**32))
    from SALib.sample import sobol

    return np.asarray(sobol.sample(problem, n, calc_second_order=False, scramble=True, seed=seed % 2**32))


def _values(params: Sequence[Parameter], row: np.ndarray) -> dict[str, Any]:
    return {p.key: (int(round(x)) if p.whole else float(x)) for p, x in zip(params, row, strict=True)}


@dataclass
class Exploration:
    """The points of a design, their outcomes, and (for a Sobol design) the Sobol indices."""

    scenario: Scenario
    design: str
    parameters: tuple[Parameter, ...]
    seed: int
    run_seed: int
    runs: pd.DataFrame  # one row per point: the parameter values, outcomes, every drawn value
    outcomes: tuple[str, ...]
    sobol: pd.DataFrame | None = field(default=None, repr=False)  # outcome, parameter, S1, S1_conf, ST, ST_conf

    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json`` of an exploration."""
        from mobility import __version__

        return {"scenario": self.scenario.name, "version": __version__, "design": self.design,
                "points": len(self.runs), "seed": self.seed, "run_seed": self.run_seed,
                "common_random_numbers": True,
                "parameters": [{"key": p.key, "low": p.low, "high": p.high, "whole": p.whole}
                               for p in self.parameters],
                "outcomes": list(self.outcomes),
                "threats": [t.name for t in self.scenario.threats]}


def explore(scenario: Scenario, *, design: Literal["mc", "lhs", "sobol"] = "lhs", n: int = 32,
            parameters: Sequence[Parameter] | None = None, seed: int | None = None,
            workers: int | None = None, scheduler: str | Client | None = None, progress: bool = True,
            runner: Callable[[RunSpec], RunOutput] = run_one) -> Exploration:
    """Run a design over uncertainties and levers and summarise it (Sobol indices for ``sobol``).

    Parameters
    ----------
    scenario
        The base scenario.
    design
        ``mc`` (Monte Carlo), ``lhs`` (Latin hypercube) or ``sobol`` (Saltelli sampling with Sobol indices).
    n
        Points (``sobol``: base samples; the design runs ``n * (k + 2)`` points).
    parameters
        Keys and ranges (default: the scenario's uncertainties, see :func:`parameters_of`).
    seed
        Root seed of the design and of the one run seed every point shares (default: the scenario's).
    workers, scheduler, progress, runner
        As in :func:`~mobility.analysis.experiments.evaluation.execute`.
    """
    params = tuple(parameters if parameters is not None else parameters_of(scenario))
    if not params:
        raise ScenarioError(f"{label(scenario)}: nothing to explore: the scenario declares no uncertainties; give "
                            "ranges with --vary KEY=LOW:HIGH")
    keys = [p.key for p in params]
    if len(set(keys)) != len(keys):
        raise ScenarioError(f"--vary: {next(k for k in keys if keys.count(k) > 1)} is given twice")
    check_runnable(scenario)
    root = scenario.seed if seed is None else seed
    run_seed = replication_seeds(root, 1)[0]
    points = sample(params, design, n, seed=root)
    specs = []
    for i, row in enumerate(points):
        sc = at_point(scenario, _values(params, row), source=f"{design} point {i}")
        specs.append(RunSpec(f"point-{i}", 0, run_seed, scenario_dict(sc), label(sc)))
    outs = execute(specs, workers=workers, scheduler=scheduler, progress=progress, runner=runner,
                   label=f"explore {design} {len(specs)} points")
    tiers = list(outs[0].tier_days)
    runs = runs_frame(outs, tiers).drop(columns=["replication"])
    runs.insert(1, "point", np.arange(len(runs)))
    for j, p in enumerate(params):
        runs[p.key] = [_values(params, row)[p.key] for row in points] if p.whole else points[:, j]
    horizon = scenario.horizon_days
    outcomes = []
    for t in tiers:
        runs[f"met_day_d{t}_or_later"] = runs[f"met_day_d{t}"].fillna(horizon + 1)
        outcomes += [f"troops_d{t}", f"met_day_d{t}_or_later"]
    outcomes.append("troops_closed")
    sob = None
    if design == "sobol":
        sob = sobol_indices(params, runs, outcomes)
    return Exploration(scenario=scenario, design=design, parameters=params, seed=root, run_seed=run_seed,
                       runs=runs, outcomes=tuple(outcomes), sobol=sob)


def sobol_indices(params: Sequence[Parameter], runs: pd.DataFrame, outcomes: Sequence[str]) -> pd.DataFrame:
    """First-order and total Sobol indices (SALib) of each outcome for each parameter, with 95 % intervals.

    An outcome that does not vary gets indices of 0 (nothing to apportion).
    """
    from SALib.analyze import sobol

    problem = {"num_vars": len(params), "names": [p.key for p in params],
               "bounds": [[p.low, p.high] for p in params]}
    rows = []
    for out in outcomes:
        y = runs[out].to_numpy(dtype=float)
        if np.ptp(y) == 0:
            rows += [{"outcome": out, "parameter": p.key, "S1": 0.0, "S1_conf": 0.0, "ST": 0.0, "ST_conf": 0.0}
                     for p in params]
            continue
        with warnings.catch_warnings():  # SALib warns when some of the resamples are constant
            warnings.simplefilter("ignore", UserWarning)
            res = sobol.analyze(problem, y, calc_second_order=False, print_to_console=False, seed=1)
        for j, p in enumerate(params):
            rows.append({"outcome": out, "parameter": p.key, "S1": float(res["S1"][j]),
                         "S1_conf": float(res["S1_conf"][j]), "ST": float(res["ST"][j]),
                         "ST_conf": float(res["ST_conf"][j])})
    return pd.DataFrame(rows, columns=["outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"])


def format_sobol(exp: Exploration, outcome: str | None = None) -> str:
    """Sobol indices of one outcome (default: the first tier's met day) as text, largest total first."""
    if exp.sobol is None:
        return ""
    out = outcome or next((o for o in exp.outcomes if o.startswith("met_day")), exp.outcomes[0])
    s = exp.sobol[exp.sobol["outcome"] == out].sort_values("ST", ascending=False)
    lines = [f"  Sobol indices of {out} (95 % interval):", f"  {'parameter':<40}{'first order':>20}{'total':>20}"]
    for r in s.to_dict("records"):
        lines.append(f"  {r['parameter'][:39]:<40}{r['S1']:>10.2f} ± {r['S1_conf']:<6.2f}{r['ST']:>11.2f} ± "
                     f"{r['ST_conf']:.2f}")
    return "\n".join(lines)


def format_points(exp: Exploration, limit: int = 5) -> str:
    """The outcome ranges over the points, as text."""
    lines = [f"  {'outcome':<32}{'min':>10}{'p50':>10}{'max':>10}"]
    for o in exp.outcomes:
        y = exp.runs[o].to_numpy(dtype=float)
        lines.append(f"  {o:<32}{y.min():>10,.0f}{np.median(y):>10,.0f}{y.max():>10,.0f}")
    return "\n".join(lines)


def as_mapping(params: Sequence[Parameter]) -> Mapping[str, tuple[float, float]]:
    """Parameters as ``{key: (low, high)}``."""
    return {p.key: (p.low, p.high) for p in params}
