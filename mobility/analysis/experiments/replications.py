"""Replications of one scenario: bands of troops closed and P(met) per tier."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mobility.analysis.experiments.candidates import check_runnable, label, scenario_dict
from mobility.analysis.experiments.designs import BASELINE, replication_seeds
from mobility.analysis.experiments.evaluation import RunOutput, RunSpec, execute, run_one
from mobility.analysis.experiments.statistics import quantiles, runs_frame, tier_rows
from mobility.errors import MobilityError
from mobility.scenario import Scenario

if TYPE_CHECKING:
    from distributed import Client


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
        from mobility.requirement import requirement_of

        sc = self.scenario
        final = self.closure[:, -1]
        tiers = []
        for r in self.tiers.to_dict("records"):
            tiers.append({k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()})
        return {
            "scenario": sc.name, "seed": self.seed, "seeds": list(self.seeds), "replications": self.n,
            "version": __version__, "network": sc.network, "year": sc.year, "d_day": str(sc.d_day),
            "requirement": requirement_of(sc).describe(),
            "nfm_reading": sc.targets.reading, "theatre_share": sc.targets.theatre_share,
            "clock": requirement_of(sc).describe()["clock_text"],
            "troops_total": sc.total_troops(),
            "troops_closed": {"mean": float(final.mean()),
                              **dict(zip(("p10", "p50", "p90"), quantiles(final, (0.1, 0.5, 0.9)), strict=True))},
            "uncertainties": [u.model_dump(mode="json") for u in sc.uncertainties],
            "threats": [{"name": t.name, "file": t.file, "attacks": [a.id for a in t.attacks]} for t in sc.threats],
            "tiers": tiers,
        }



def summarise_replications(scenario: Scenario, seed: int, outs: Sequence[RunOutput]) -> Replications:
    """Bands, tier probabilities and the per-replication table from the runs of one scenario."""
    mat = np.vstack([o.closed for o in outs])
    q = np.quantile(mat, [0.1, 0.5, 0.9], axis=0)
    bands = pd.DataFrame({"day": np.arange(mat.shape[1]), "mean": mat.mean(axis=0), "p10": q[0], "p50": q[1],
                          "p90": q[2], "min": mat.min(axis=0), "max": mat.max(axis=0),
                          "total": scenario.total_troops()})
    days = sorted(set(outs[0].tier_days))
    runs = runs_frame(outs, days).drop(columns="arm")
    return Replications(scenario=scenario, seed=seed, seeds=tuple(o.seed for o in outs), runs=runs, closure=mat,
                        bands=bands, tiers=tier_rows(outs))



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
    check_runnable(scenario)
    root = scenario.seed if seed is None else seed
    data = scenario_dict(scenario)
    specs = [RunSpec(BASELINE, i, s, data, label(scenario), check)
             for i, s in enumerate(replication_seeds(root, n))]
    outs = execute(specs, workers=workers, scheduler=scheduler, progress=progress, runner=runner,
                   label=f"{scenario.name} x{n}")
    return summarise_replications(scenario, root, outs)
