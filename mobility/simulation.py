"""The public entry point of a run: :func:`simulate` and its :class:`SimulationResult`."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from mobility import __version__
from mobility.errors import MobilityError, NoRouteError, ScenarioError, WorkLimitError
from mobility.factors import Factors
from mobility.infrastructure import network_key, scenario_network
from mobility.network.model import Network
from mobility.requirement import Requirement, requirement_of, strengths, tier_dicts
from mobility.requirement import tier_table as requirement_tiers
from mobility.scenario import Scenario
from mobility.sim._gc import paused_gc
from mobility.sim.engine import (
    MAX_EVENTS,
    MAX_MOVERS,
    Model,
    expand_forces,
    plan_all,
    run_model,
    sample_factors,
)
from mobility.sim.rail import trains_needed, wagons_per_train
from mobility.sim.threats import draw_strikes

if TYPE_CHECKING:  # the analysis (and pandas) load with a result's first table, not with `validate`
    import pandas as pd


@dataclass
class SimulationResult:
    """What one run produced: the event log and everything computed from it."""

    scenario: Scenario
    seed: int
    events: pd.DataFrame
    resources: pd.DataFrame
    network: Network
    factors: Factors
    nominal_h: dict[str, float] = field(repr=False)
    end_h: float = 0.0
    held: tuple[str, ...] = ()
    """One line per closure that holds movers at the horizon because it does not reopen within it."""
    assumptions: list[str] = field(default_factory=list)  # defaults this run used where the data gives nothing
    network_key: Hashable | None = field(default=None, repr=False)
    """What the network was built from (:func:`mobility.infrastructure.network_key`; None: a network
    given to :func:`simulate`), so that analyses reuse the run's routers."""

    @property
    def span_h(self) -> float:
        """Hours over which utilisation is measured: to the last event or the horizon."""
        return max(self.end_h, 1.0)

    @cached_property
    def closure(self) -> pd.DataFrame:
        """Troops closed by day (cumulative), D+0 to the horizon."""
        from mobility.analysis.closure import closure_curve

        return closure_curve(self.events, horizon_days=self.scenario.horizon_days,
                             total_troops=self.scenario.total_troops())

    @cached_property
    def requirement(self) -> Requirement:
        """The requirement this run is measured against (source, reading, clock, tiers)."""
        return requirement_of(self.scenario)

    @cached_property
    def tiers(self) -> pd.DataFrame:
        """The requirement's tiers: day, required, closed, met_day, shortfall, ready_by, brigade equivalents.

        Measured on the requirement's clock (closed or combat-ready); see
        :func:`mobility.requirement.tier_table`.
        """
        return requirement_tiers(self.events, self.requirement, strengths(expand_forces(self.scenario)))

    def tiers_under(self, reading: str) -> pd.DataFrame:
        """The NFM tiers read ``cumulative`` or ``additive`` (an NFM requirement only)."""
        req = self.requirement
        return requirement_tiers(self.events, req, strengths(expand_forces(self.scenario)),
                                 tiers=req.readings[reading])

    @cached_property
    def flow_bound(self) -> dict[str, Any]:
        """Upper bound on troops closed by each day (:func:`mobility.analysis.bound.flow_bound`)."""
        from mobility.analysis.bound import flow_bound

        return flow_bound(self)

    @cached_property
    def bottlenecks(self) -> pd.DataFrame:
        """Resources by total wait, with utilisation and waits."""
        from mobility.analysis.bottlenecks import bottleneck_table

        return bottleneck_table(self.events, self.resources, span_h=self.span_h)

    @cached_property
    def lines_of_communication(self) -> pd.DataFrame:
        """Troops and vehicles closed through each line of communication (corridor rail/road, sea via a port, air)."""
        from mobility.analysis.lines import lines_of_communication

        return lines_of_communication(self.events, self.network)

    @cached_property
    def units(self) -> pd.DataFrame:
        """Per unit: ready, closed, delay over unconstrained transit, main wait."""
        from mobility.analysis.closure import unit_table

        units = expand_forces(self.scenario)
        return unit_table(self.events, self.nominal_h, required_h={u.id: u.required_h for u in units},
                          in_place={u.id for u in units if u.in_place})

    def check(self) -> None:
        """Raise :class:`~mobility.errors.InvariantError` if capacity or troop conservation is broken,
        or the run closed more troops by a day than the flow bound allows."""
        from mobility.analysis.invariants import check_capacity, troop_states

        check_capacity(self.events, self.resources)
        troop_states(self.events, unit_troops={u.id: u.type.personnel for u in expand_forces(self.scenario)})
        from mobility.analysis.bound import check_bound

        check_bound(self, self.flow_bound)  # the model never beats the analytic flow bound

    def summary(self) -> dict[str, Any]:
        """The content of ``summary.json``."""
        tiers = tier_dicts(self.tiers)
        req = self.requirement
        readings = {r: tier_dicts(self.tiers_under(r)[["day", "required", "closed", "met_day", "shortfall",
                                                        "ready_by", "feasible"]])
                    for r in req.readings}
        bn = self.bottlenecks.head(10)
        return {
            "scenario": self.scenario.name,
            "seed": self.seed,
            "version": __version__,
            "network": self.scenario.network,
            "year": self.scenario.year,
            "d_day": str(self.scenario.d_day),
            "requirement": req.describe(),
            "nfm_reading": req.reading if req.kind == "nfm" else None,
            "theatre_share": req.share,
            "clock": req.describe()["clock_text"],
            "troops_total": self.scenario.total_troops(),
            "troops_closed": int(self.closure["closed"].iloc[-1]),
            "troops_combat_ready": int(self.closure["combat_ready"].iloc[-1]),
            "tiers": tiers,
            "ready_by_tier": [{"day": t["day"], "required": t["required"], "ready_by": t["ready_by"],
                               "feasible": t["feasible"], "note": t["note"]} for t in tiers],
            "nfm_readings": readings,
            "lines_of_communication": [{k: _plain(v) for k, v in r.items()}
                                       for r in self.lines_of_communication.to_dict("records")],
            "bottlenecks": [{k: _plain(v) for k, v in r.items()} for r in bn.to_dict("records")],
            "factors_overridden": self.factors.overridden,
            "threats": [t.name for t in self.scenario.threats],
            "strikes": int((self.events["event"] == "attack").sum()),
            "assumptions": list(self.assumptions),
            "flow_bound": {"what": "upper bound on troops closed by each tier day (mobility/analysis/bound.py): "
                                   "free-flow transits and the ramps, berths and unavoidable sections every "
                                   "train must pass; cut = the resource that gives the bound",
                           "tiers": self.flow_bound["tiers"]},
            "events": int(len(self.events)),
        }

    def map(self, **kwargs: Any) -> Any:
        """A folium map of this run (network, flows, bottlenecks, playback, tier table)."""
        from mobility.briefing.compose import result_map

        return result_map(self, **kwargs)


def _plain(v: Any) -> Any:
    """A JSON-safe scalar: numpy numbers to Python, NaN to None."""
    if isinstance(v, (np.floating, float)):
        return None if np.isnan(v) else float(v)
    if isinstance(v, np.integer):
        return int(v)
    return v


def in_file(scenario: Scenario, exc: MobilityError) -> MobilityError:
    """``exc`` with each line naming the scenario file, and the force line of a unit it names."""
    src = scenario.source_file or scenario.name
    lines = []
    for line in str(exc).splitlines() or [""]:
        if line.startswith(f"{src}: "):
            lines.append(line)
            continue
        m = re.match(r"unit (\S+): ", line)
        where = ""
        if m:
            line_of = _force_line(scenario, m.group(1))
            where = f"forces[{line_of}] ({scenario.forces[line_of].id}): " if line_of is not None else ""
        lines.append(f"{src}: {where}{line}")
    out = type(exc)("\n".join(lines))
    return out


def _force_line(scenario: Scenario, unit_id: str) -> int | None:
    from mobility.scenario import expanded_ids

    return expanded_ids(scenario).get(unit_id)


def preflight(scenario: Scenario, *, max_movers: int = MAX_MOVERS) -> None:
    """Check before a run what can be known before it: a route for every unit, the stock and
    berths its trains and ports need, and the size of the run.

    Raises
    ------
    MobilityError
        One line per problem, naming the scenario file and the field.
    """
    try:
        net = scenario_network(scenario)
        factors = Factors(scenario.factors)
        model = Model(scenario, net, factors, np.random.default_rng(0))
        units = expand_forces(scenario)
        plans = plan_all(model, units, max_movers=max_movers)
        r = scenario.resources
        for u in units:
            if u.id not in plans:  # in place: no transport
                continue
            plan = plans[u.id]
            if plan.rail is not None:
                gauge = plan.rail.mover.gauge or next(leg.gauge for leg in plan.rail.legs if leg.mode == "rail")
                trains = trains_needed(model, *plan.rail_load, wagons_per_train(model, plan.rail))
                need = max((w - c for w, *_, c in trains), default=0)
                boxes = max((c for *_, c in trains), default=0)
                for what, have, amount in ((f"wagons_{gauge}", getattr(r, f"wagons_{gauge}"), need),
                                           (f"intermodal_wagons_{gauge}", model.intermodal[gauge].capacity, boxes),
                                           (f"locomotives_{gauge}", getattr(r, f"locomotives_{gauge}"), 1)):
                    if amount > have:
                        raise ScenarioError(f"resources.{what}: a train of unit {u.id} needs {amount} at once but "
                                            f"the pool holds {have}; raise resources.{what}")
            if net.node(u.origin).get("kind") == "port" and r.port_berths is not None and r.port_berths < 1:
                raise ScenarioError(f"resources.port_berths: 0 but unit {u.id} starts at the port "
                                    f"{net.label(u.origin)}; give the ports at least one military berth")
    except MobilityError as exc:
        raise in_file(scenario, exc) from None


def held_by_closures(model: Model, events: pd.DataFrame, horizon_h: float) -> tuple[str, ...]:
    """Closures still holding movers at the horizon, and reopening only after it: one line each.

    Where every route is cut only for a while, movers wait and go on; these
    lines say where the run ended with movers still waiting because no route
    reopens within the horizon.
    """
    if not len(events) or not model.closures.windows:  # no closure, nothing held by one
        return ()
    last = events.groupby("mover", observed=True, sort=False).tail(1)
    waiting = last[(last["event"] == "request") & (last["mover"].astype(str) != "")]
    held: dict[tuple[str, float], set[str]] = {}
    for unit, rid in zip(waiting["unit"].astype(str), waiting["resource"].astype(str), strict=True):
        server = model.servers.get(rid)
        if server is None:
            continue
        for target in server.close_targets:
            end = model.closures.closed_until((target,), horizon_h - 1e-9)
            if end is not None and end >= horizon_h:
                held.setdefault((target, end), set()).add(unit)
                break
    return tuple(f"{len(units)} unit(s) ({', '.join(sorted(units)[:5])}{', ...' if len(units) > 5 else ''}) still "
                 f"wait at {target}, closed until D+{end / 24:g}: no route round it reopens within the horizon "
                 f"(D+{horizon_h / 24:g}), so they do not close in this run"
                 for (target, end), units in sorted(held.items()))


def _seed(scenario: Scenario, seed: int | None) -> int:
    """The run's seed (default: the scenario's); a :class:`ScenarioError` unless a whole number >= 0."""
    seed = scenario.seed if seed is None else seed
    if not isinstance(seed, int) or seed < 0:
        raise ScenarioError(f"{scenario.source_file or scenario.name}: seed: {seed!r} is not a whole number 0 or more")
    return seed


def _run(scenario: Scenario, seed: int, network: Network | None, key: Hashable | None, *,
         progress: Callable[[float], None] | None, max_movers: int, max_events: int) -> tuple[Factors, Model]:
    """Sample the run's factors and strikes and run the model: the run behind :func:`simulate` and
    :func:`outcome`. ``key``: what the network was built from (None for a network given to
    :func:`simulate`). Bad input raises with every line naming the scenario file."""
    rng = np.random.default_rng(np.random.SeedSequence(seed))
    net = network if network is not None else scenario_network(scenario)
    try:
        factors = sample_factors(scenario, Factors(scenario.factors), seed)
        strikes = draw_strikes(scenario.threats, seed=seed, horizon_h=scenario.horizon_days * 24.0)
        model = run_model(scenario, net, factors, rng, progress=progress, strikes=strikes,
                          max_movers=max_movers, max_events=max_events, network_key=key)
    except (ScenarioError, NoRouteError, WorkLimitError) as exc:
        raise in_file(scenario, exc) from None
    return factors, model


def simulate(scenario: Scenario, *, seed: int | None = None, network: Network | None = None,
             progress: Callable[[float], None] | None = None, check: bool = False,
             max_movers: int = MAX_MOVERS, max_events: int = MAX_EVENTS,
             at: Mapping[str, Any] | None = None) -> SimulationResult:
    """Run a scenario once.

    Parameters
    ----------
    scenario
        A validated scenario (:func:`mobility.load_scenario`).
    seed
        Seed of this run's random numbers (default: the scenario's). Same
        scenario and seed give an identical event log.
    network
        Use this network instead of the scenario's (e.g. with an investment applied).
    progress
        Called with the fraction of the horizon simulated.
    check
        Check invariants (capacity, troop conservation) after the run.
    at
        Run at these values of factors, uncertainties and levers (see
        :func:`mobility.analysis.experiments.points.at_point`): with the seed
        of a replication and the values it drew, the run is that replication.
    max_movers, max_events
        Work limits: a run needing more trains and march units, or logging more
        events, stops with a :class:`~mobility.errors.WorkLimitError`.

    Raises
    ------
    MobilityError
        Bad input found during the run (no route, a pool too small, a sampled
        factor out of range, a work limit): every line names the scenario file.
    """
    if at:
        from mobility.analysis.experiments.points import at_point

        scenario = at_point(scenario, at, source="at")
    seed = _seed(scenario, seed)
    key = network_key(scenario) if network is None else None
    # The collector stays paused until the log's rows are in the frame and dropped: resumed with
    # the rows alive, its first full pass would walk every row (a seventh of a run's CPU).
    with paused_gc():
        factors, model = _run(scenario, seed, network, key, progress=progress, max_movers=max_movers,
                              max_events=max_events)
        events, resources, end_h = model.log.frame(), model.resources_frame(), float(model.log.last_time())
        model.log.clear()
    units = expand_forces(scenario)
    nominal = {u.id: model.nominal_hours(u) for u in units}
    result = SimulationResult(scenario=scenario, seed=seed, events=events,
                              resources=resources, network=model.network, factors=factors,
                              nominal_h=nominal, end_h=end_h,
                              held=held_by_closures(model, events, scenario.horizon_days * 24.0),
                              assumptions=[model.assumed[k] for k in sorted(model.assumed)], network_key=key)
    if check:
        result.check()
    return result


OUTCOME_EVENTS = ("closed", "combat_ready")
"""The event-log rows the closure curve and the tier table read (:func:`mobility.analysis.closure.closure_curve`,
:func:`mobility.requirement.tier_table`: rows of these events, their time, unit and troops)."""


@dataclass(frozen=True)
class Outcome:
    """What a sweep keeps of a run (:func:`outcome`): its closure curve and tier table."""

    scenario: Scenario
    seed: int
    factors: Factors
    closure: pd.DataFrame
    """As :attr:`SimulationResult.closure`."""
    tiers: pd.DataFrame
    """As :attr:`SimulationResult.tiers`."""


def outcome(scenario: Scenario, *, seed: int | None = None, max_movers: int = MAX_MOVERS,
            max_events: int = MAX_EVENTS) -> Outcome:
    """Run a scenario once and keep only what a comparison reads: the closure curve and the tier table.

    The same run as :func:`simulate` (same model, same event log) and the same two tables computed
    from it by the same functions; only the log's rows they read (:data:`OUTCOME_EVENTS`) are put in
    a frame, and nothing else (bottlenecks, units, resources, closures still holding movers) is
    computed. ``tests/test_sweep_journal.py`` checks the tables against :func:`simulate`'s on shipped
    scenarios.

    Raises
    ------
    MobilityError
        As :func:`simulate`.
    """
    from mobility.analysis.closure import closure_curve

    seed = _seed(scenario, seed)
    with paused_gc():  # as in simulate(): the rows are dropped before the collector runs again
        factors, model = _run(scenario, seed, None, network_key(scenario), progress=None, max_movers=max_movers,
                              max_events=max_events)
        events = model.log.only(OUTCOME_EVENTS).frame()
        model.log.clear()
    closure = closure_curve(events, horizon_days=scenario.horizon_days, total_troops=scenario.total_troops())
    tiers = requirement_tiers(events, requirement_of(scenario), strengths(expand_forces(scenario)))
    return Outcome(scenario=scenario, seed=seed, factors=factors, closure=closure, tiers=tiers)
