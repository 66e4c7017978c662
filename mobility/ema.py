"""An EMA Workbench ``Model`` of a scenario (optional extra: ``pip install 'mobility[ema]'``).

The model's **uncertainties** are the scenario's (each over the range of its
distribution, see :func:`mobility.analysis.experiments.exploration.parameters_of`)
or any keys and ranges you give; its **levers** are numeric levers such as
``terminals.sestokai.transload`` or ``resources.wagons_1435`` (whole numbers);
its **outcomes** are troops closed by each tier day, each tier's met day (the
day after the horizon when not met), whether the tier was met on time, and
the troop-weighted mean day units closed (``mean_closure_day``; a unit not
closed within the horizon counts the day after it).
Every experiment runs :func:`mobility.simulate` at its point with one seed
(common random numbers), so the model is a deterministic function of the
point that samplers and scenario discovery (PRIM) can work on::

    from ema_workbench import perform_experiments
    from ema_workbench.analysis import prim
    from mobility import load_scenario
    from mobility.ema import ema_model

    model = ema_model(load_scenario("scenarios/contested.yaml"),
                      levers={"terminals.sestokai.transload": (1, 4)})
    experiments, outcomes = perform_experiments(model, scenarios=100, policies=4)
    box = prim.Prim(experiments[[u.name for u in model.uncertainties]], outcomes["met_d10"] == 0,
                    threshold=0.6).find_box()

Parameter names are the point keys themselves (dots included); the run
tables of ``mobility compare`` and ``mobility explore`` (``runs.parquet``)
use the same names, so PRIM runs on them directly too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from mobility.analysis.experiments.exploration import Parameter, parameters_of
from mobility.analysis.experiments.points import overlay_of
from mobility.scenario import Scenario

__all__ = ["ScenarioFunction", "ema_model"]


@dataclass(frozen=True)
class ScenarioFunction:
    """The function an EMA ``Model`` calls: a scenario (as a mapping) run at the experiment's point.

    Picklable, so EMA's multiprocessing evaluator can ship it to its workers.
    """

    scenario: dict[str, Any]
    source: str
    seed: int

    def __call__(self, **point: Any) -> dict[str, float]:
        """Outcomes of the run at ``point``: ``troops_d<t>``, ``met_day_d<t>`` and ``met_d<t>`` per tier."""
        from mobility.scenario import parse_scenario
        from mobility.simulation import simulate

        sc = parse_scenario(self.scenario, source=self.source)
        res = simulate(sc, seed=self.seed, at=point)
        horizon = sc.horizon_days
        closed = res.closure["closed"].to_numpy()
        ev = res.events
        done = ev[ev["event"] == "closed"]
        moving = int(done["troops"].sum())
        late = float(horizon + 1) * max(sc.total_troops() - moving, 0)
        weight = float(sc.total_troops()) or 1.0
        out: dict[str, float] = {"troops_closed": float(closed[-1]),
                                 "mean_closure_day": (float((done["time"] / 24.0 * done["troops"]).sum()) + late)
                                 / weight}
        for r in res.tiers.to_dict("records"):
            t = int(r["day"])
            met = float(r["met_day"])
            out[f"troops_d{t}"] = float(closed[min(t, len(closed) - 1)])
            out[f"met_day_d{t}"] = float(horizon + 1) if math.isnan(met) else met
            out[f"met_d{t}"] = float(not math.isnan(met) and met <= t)
        return out


def ema_model(scenario: Scenario, *, uncertainties: Mapping[str, tuple[float, float]] | None = None,
              levers: Mapping[str, tuple[float, float]] | None = None, seed: int | None = None,
              name: str = "mobility") -> Any:
    """An ``ema_workbench.Model`` of ``scenario``.

    Parameters
    ----------
    scenario
        The scenario (its threats, if any, strike in every experiment, drawn from the seed).
    uncertainties
        ``{key: (low, high)}``; default: the scenario's uncertainties over their distributions' ranges.
    levers
        ``{key: (low, high)}`` of numeric levers; ``resources.*`` and ``terminals.*`` are whole numbers.
    seed
        The seed every experiment runs with (default: the scenario's).

    Raises
    ------
    ImportError
        EMA Workbench is not installed (``pip install 'mobility[ema]'``).
    ScenarioError
        An unknown key (one line naming it).
    """
    try:
        from ema_workbench import IntegerParameter, Model, RealParameter, ScalarOutcome
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError("mobility.ema needs EMA Workbench: pip install 'mobility[ema]'") from exc

    def params(ranges: Mapping[str, tuple[float, float]]) -> list[Parameter]:
        out = []
        for key, (lo, hi) in ranges.items():
            whole = key.startswith(("resources.", "terminals."))
            overlay_of(key, int(hi) if whole else float(hi), where=f"ema_model {key}")  # a known key
            out.append(Parameter(key, float(lo), float(hi), whole))
        return out

    uncs = params(uncertainties) if uncertainties is not None else parameters_of(scenario)

    def ema(p: Parameter) -> Any:
        if p.whole:
            return IntegerParameter(p.key, int(p.low), int(p.high))
        return RealParameter(p.key, p.low, p.high)

    fn = ScenarioFunction(scenario.model_dump(mode="json"), scenario.source_file or scenario.name,
                          scenario.seed if seed is None else seed)
    model = Model(name, function=fn)
    model.uncertainties = [ema(p) for p in uncs]
    model.levers = [ema(p) for p in params(levers or {})]
    days = scenario_tiers(scenario)
    model.outcomes = [ScalarOutcome("troops_closed"), ScalarOutcome("mean_closure_day"),
                      *[ScalarOutcome(f"{k}_d{t}") for t in days for k in ("troops", "met_day", "met")]]
    return model


def scenario_tiers(scenario: Scenario) -> list[int]:
    """The days of the scenario's requirement tiers."""
    from mobility.requirement import requirement_of

    return [int(t.day) for t in requirement_of(scenario).tiers]
