"""An analytic upper bound on closure: no run of the model can close more troops by a day.

Two kinds of limit, each a valid upper bound, the bound being the least of them:

* **free flow**: a unit closes no earlier than its ready time plus its
  unconstrained transit (:meth:`~mobility.sim.engine.Model.nominal_hours`:
  fastest routes, no queue, no wait);
* **cuts**: every train of a unit must pass its loading ramp, its port berth
  and each section no route round avoids. Such a resource of capacity ``c``
  that each of a unit's trains holds at least ``h`` hours gives, by hour
  ``T``, at most ``c * (T - t0)`` hours of holding (``t0``: the first moment
  any of its users is ready). The troops it lets close by ``T`` are those of
  units that do not need it plus the best fractional choice of its users
  whose total holding fits (a fractional knapsack, itself an upper bound).

The bound ignores disruptions, threats and every other queue, so the model can
only fall short of it; :func:`check_bound` fails a run that beats it. The
resource whose cut gives the bound on a day is reported as the minimum cut.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mobility.errors import InvariantError, NoRouteError
from mobility.network.routing import Mover, Router

if TYPE_CHECKING:
    from mobility.simulation import SimulationResult


@dataclass(frozen=True)
class Cut:
    """A resource every train of its users must pass: capacity, and each user's holding hours."""

    resource: str
    capacity: int
    hold_h: dict[str, float]  # unit id -> hours its trains (or its discharge) hold the resource in total


def _users(result: SimulationResult) -> tuple[dict[str, tuple[float, int]], list[Cut]]:
    """Per unit (earliest close hour, troops) and the cuts of the scenario."""
    from mobility.sim.engine import Model, expand_forces
    from mobility.sim.rail import trains_needed, wagons_per_train

    model = Model(result.scenario, result.network, result.factors, np.random.default_rng(0),
                  network_key=result.network_key)
    f = model.factors
    units = expand_forces(result.scenario)
    earliest: dict[str, tuple[float, int]] = {}
    holds: dict[str, dict[str, float]] = {}
    caps: dict[str, int] = {}
    mandatory: dict[tuple[str, str, str, int], bool] = {}
    routers: dict[str, Router] = {}

    def add(rid: str, cap: int, unit: str, h: float) -> None:
        caps[rid] = cap
        holds.setdefault(rid, {})[unit] = holds.get(rid, {}).get(unit, 0.0) + h

    for u in units:
        close_h = u.ready_h + model.nominal_hours(u)
        if not u.in_place and (model.network.node(u.origin).get("country")
                               != model.network.node(u.destination).get("country")):
            close_h = max(close_h, u.ready_h + model.clearance_h)  # no border crossed before clearance
        earliest[u.id] = (close_h, u.type.personnel)
        if u.in_place or u.draws is not None:
            continue
        plan = model.plan(u, 0.0, disrupted=False)
        node = model.network.node(u.origin)
        berths = result.scenario.resources.port_berths  # None: each port's own berths (ports.csv)
        if berths is None:
            berths = node.get("berths") or int(f["port_berths_default"])
        if node.get("kind") == "port" and berths > 0:
            rate_h = (node.get("pieces_per_berth_day") or f["port_berth_vehicles_per_day"]) / 24.0
            add(f"berth:{u.origin}", berths, u.id, (u.type.vehicles + u.type.trailers) / rate_h)
        if plan.rail is None:
            continue
        trains = trains_needed(model, *plan.rail_load, wagons_per_train(model, plan.rail))
        ramp = model.ramp(u.origin)
        add(ramp.rid, ramp.capacity, u.id, sum(f["shunting_hours"] + w * f["load_hours_per_wagon"]
                                               for w, *_ in trains))
        gauge = plan.rail.mover.gauge or 1435
        for leg in plan.rail.legs:
            if leg.mode != "rail":
                continue
            for u_, v_, k_ in leg.edges:
                step = model.rail_step(u_, v_, k_)
                key = (step.section, u.origin, plan.rail.destination, gauge)
                if key not in mandatory:
                    mandatory[key] = _no_way_round(model, step.section, u.origin, plan.rail.destination, gauge,
                                                   routers)
                if mandatory[key]:
                    rid = model._queue_key(step)
                    add(rid, 1, u.id, len(trains) * model._hold_h(step))
    return earliest, [Cut(r, caps[r], h) for r, h in sorted(holds.items())]


def _no_way_round(model: Any, section: str, origin: str, destination: str, gauge: int,
                  routers: dict[str, Router]) -> bool:
    """Whether every rail route from ``origin`` to ``destination`` uses ``section``."""
    try:
        router = routers.get(section)
        if router is None:  # the whole network's router less the section, as the run's rerouting builds it
            router = routers[section] = model._avoiding(model.router, section)
        router.route(origin, destination, Mover.train(gauge=gauge, change_gauge=True))
    except NoRouteError:
        return True
    return False


def flow_bound(result: SimulationResult, days: list[int] | None = None) -> dict[str, Any]:
    """The bound on troops closed by each day (default: every day to the horizon).

    Returns ``{"days": [...], "troops": [...], "cut": [...], "tiers": [{"day", "troops", "cut"}]}``,
    ``cut`` naming the resource whose limit gives the bound that day (``free flow`` where
    no cut is tighter than the units' unconstrained transits).
    """
    earliest, cuts = _users(result)
    horizon = result.scenario.horizon_days
    days = list(range(horizon + 1)) if days is None else days
    t0 = {c.resource: min(result_ready(result, u) for u in c.hold_h) for c in cuts}
    out_troops, out_cut = [], []
    for day in days:
        t = day * 24.0
        can = {u: tr for u, (e, tr) in earliest.items() if e <= t + 1e-9}
        best, why = float(sum(can.values())), "free flow"
        for c in cuts:
            budget = c.capacity * max(0.0, t - t0[c.resource])
            users = [(can[u] / h if h > 0 else math.inf, h, can[u]) for u, h in c.hold_h.items() if u in can]
            value = float(sum(tr for u, tr in can.items() if u not in c.hold_h))
            for _, h, tr in sorted(users, key=lambda x: -x[0]):
                if h <= budget:
                    value, budget = value + tr, budget - h
                else:
                    value += tr * budget / h
                    break
            if value < best - 1e-9:
                best, why = value, c.resource
        out_troops.append(int(math.floor(best + 1e-6)))
        out_cut.append(why)
    tiers = [{"day": int(d), "troops": out_troops[days.index(d)], "cut": out_cut[days.index(d)]}
             for d in result.tiers["day"] if d in days]
    return {"days": days, "troops": out_troops, "cut": out_cut, "tiers": tiers}


def result_ready(result: SimulationResult, unit: str) -> float:
    """Ready hour of ``unit`` in the scenario's force list."""
    from mobility.sim.engine import expand_forces

    ready = getattr(result, "_ready_h", None)
    if ready is None:
        ready = {u.id: u.ready_h for u in expand_forces(result.scenario)}
        result._ready_h = ready  # type: ignore[attr-defined]
    return ready[unit]


def check_bound(result: SimulationResult, bound: dict[str, Any]) -> None:
    """:class:`InvariantError` if the run closed more troops by some day than the bound allows."""
    closed = result.closure.set_index("day")["closed"]
    for day, cap, cut in zip(bound["days"], bound["troops"], bound["cut"], strict=True):
        got = int(closed.get(day, 0))
        if got > cap:
            raise InvariantError(f"the run closed {got:,} troops by D+{day} but the flow bound allows {cap:,} "
                                 f"({cut}); the model breaks a capacity it should keep")
