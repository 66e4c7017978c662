"""Sea lines of communication: RoRo ships, berths and sailing; and the choice between land and sea.

A unit that goes by sea moves in three stages: by land (rail or road) from its origin to a port of
embarkation, unless it starts there; by RoRo ship,
one shipload per ``roro_ship_pieces`` of its vehicles, trailers and containers, each shipload
taking a ship from the pool, a berth at the port of embarkation to load, sailing the sea leg, a
berth at the port of debarkation to discharge, and the ship sailing back empty; then by land from
the port of debarkation to its destination, once every shipload is ashore. The unit's troops are
counted on its ships (shared by pieces), so flows and lines of communication show them on the sea
leg; the land stages before and after carry none (troops still close when the last vehicle arrives).
A berth works one ship at a time at the port's rate (pieces per berth-day, ``ports.csv`` or the
factor ``port_berth_vehicles_per_day``), so a unit spread over several ships uses several berths.

``auto`` units compare, when they are ready, the expected time by land (the route open now, or the
wait until the closure that blocks it ends) with the best sea option under the queues at that
moment (ships in use, pieces waiting at each berth); ``sea`` units take the best sea option.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from mobility.errors import NoRouteError
from mobility.sim.resources import Pool, Who

BALTIC_STATES = ("LT", "LV", "EE")

if TYPE_CHECKING:
    from mobility.sim.engine import Model, Unit


@dataclass(frozen=True)
class SeaPlan:
    """A unit's way by sea: ports, the leg, and the expected hours from now to its destination."""

    poe: str
    pod: str
    section: str
    sail_h: float
    expected_h: float


class Sealift:
    """The ships of one run and what is queued at each port's berths."""

    def __init__(self, model: Model, ships: int) -> None:
        self.model = model
        self.ships = Pool(model.env, model.log, "ships:roro", "ships", "pool:ships", ships)
        self.waiting_ships = 0  # shiploads that asked for a ship and have none yet
        self.queued: dict[str, float] = {}  # pieces waiting for or at each port's berths
        sea = model.network.sea
        self.legs: dict[tuple[str, str], dict[str, Any]] = {}
        if sea is not None:
            for u, v, d in sea.edges(data=True):
                if d["section"] == f"sea:{u}-{v}":  # the data's direction: embarkation -> debarkation
                    self.legs[(u, v)] = d

    # -- capacities ------------------------------------------------------------------
    def rate_per_day(self, port: str) -> float:
        """Pieces one berth loads or discharges a day at ``port``."""
        return float(self.model.network.node(port).get("pieces_per_berth_day")
                     or self.model.factors["port_berth_vehicles_per_day"])

    def sail_hours(self, poe: str, pod: str) -> float:
        """Hours at sea on the leg ``poe`` -> ``pod``."""
        return self.legs[(poe, pod)]["distance_nm"] / self.model.factors["roro_speed_kn"]

    def shiploads(self, pieces: int) -> list[int]:
        """Pieces per ship: as few ships as the ship size allows, loads as even as possible."""
        cap = int(self.model.factors["roro_ship_pieces"])
        n = max(1, math.ceil(pieces / cap))
        return [pieces // n + (1 if i < pieces % n else 0) for i in range(n)]

    # -- expected times ----------------------------------------------------------------
    def _port_hours(self, port: str, pieces: int, ships: int) -> float:
        """Expected hours from arriving at ``port`` to having worked ``pieces`` over ``ships`` ships."""
        berths = self.model.berth(port).capacity
        rate_h = self.rate_per_day(port) / 24.0
        queue = self.queued.get(port, 0.0) / (berths * rate_h)
        return queue + self.model.factors["roro_port_call_hours"] + pieces / (min(ships, berths) * rate_h)

    def landing_hours(self, unit: Unit) -> float:
        """Expected hours to discharge ``unit`` arriving from overseas at its origin port before it goes
        on by land (0 where its origin is no port): the pieces queued at the port's berths, then its own
        vehicles and trailers at one berth, as :meth:`~mobility.sim.engine.Model._by_land` does. A unit
        going on by sea from its origin port is counted at the berths by :meth:`options` instead."""
        model = self.model
        if model.network.node(unit.origin).get("kind") != "port":
            return 0.0
        rate_h = self.rate_per_day(unit.origin) / 24.0
        queue = self.queued.get(unit.origin, 0.0) / (model.berth(unit.origin).capacity * rate_h)
        return queue + (unit.type.vehicles + unit.type.trailers) / rate_h

    def _ship_wait(self, ships: int, cycle_h: float) -> float:
        """Expected hours until ``ships`` ships are free: the shiploads queued ahead, one ``cycle_h`` per round."""
        pool = self.ships
        short = self.waiting_ships + ships - pool.container.level
        if short <= 0:
            return 0.0
        return math.ceil(short / max(pool.capacity, 1)) * cycle_h

    def options(self, unit: Unit, now: float) -> list[SeaPlan]:
        """Every way by sea for ``unit``, best first (expected hours under the queues at ``now``)."""
        model = self.model
        t = unit.type
        pieces = t.vehicles + t.trailers + t.containers
        loads = self.shiploads(pieces)
        poes = [unit.origin] if unit.origin in self.legs_from() else sorted(self.legs_from())
        to_poe = {p: (0.0 if p == unit.origin else land_hours(model, self.to_port(unit, p), now)) for p in poes}
        from_pod: dict[str, float] = {}
        out = []
        for (poe, pod), d in sorted(self.legs.items()):
            if poe not in to_poe or not math.isfinite(to_poe[poe]):
                continue
            if pod not in from_pod:
                from_pod[pod] = 0.0 if pod == unit.destination else land_hours(
                    model, replace(unit, origin=pod, mode="auto"), now)
            if not math.isfinite(from_pod[pod]):
                continue
            sail = self.sail_hours(poe, pod)
            at_poe = self._port_hours(poe, pieces, len(loads))
            at_pod = self._port_hours(pod, pieces, len(loads))
            wait = self._ship_wait(len(loads), at_poe + at_pod + 2 * sail)
            h = to_poe[poe] + wait + at_poe + sail + at_pod + from_pod[pod]
            out.append(SeaPlan(poe, pod, d["section"], sail, h))
        return sorted(out, key=lambda p: (p.expected_h, p.poe, p.pod))

    def to_port(self, unit: Unit, port: str) -> Unit:
        """The stage of ``unit`` to the port of embarkation: by rail and road, or by road only when the
        free rail stock cannot take all of the stage's trains now (wagons held elsewhere, e.g. by trains
        waiting at a closed border, may not come back)."""
        stage = replace(unit, destination=port, mode="auto")
        model = self.model
        try:
            plan = model.land_plan(stage, model.env.now)
        except NoRouteError:
            return replace(stage, mode="road")
        if plan.rail is None:
            return stage
        from mobility.sim.rail import trains_needed, wagons_per_train

        gauge = plan.rail.mover.gauge or next(leg.gauge for leg in plan.rail.legs if leg.mode == "rail")
        wagons = sum(w for w, *_ in trains_needed(model, *plan.rail_load, wagons_per_train(model, plan.rail)))
        return stage if model.wagons[gauge].container.level >= wagons else replace(stage, mode="road")

    def legs_from(self) -> set[str]:
        """Ports of embarkation."""
        return {a for a, _ in self.legs}

    # -- processes -------------------------------------------------------------------
    def move(self, unit: Unit, plan: SeaPlan, cleared_at: float) -> Generator[Any, Any, None]:
        """The unit's three stages: to the port of embarkation, the shiploads, onward from the port."""
        model, env = self.model, self.model.env
        t = unit.type
        pieces = t.vehicles + t.trailers + t.containers
        loads = self.shiploads(pieces)
        if unit.origin != plan.poe:
            yield from model.move_by_land(self.to_port(unit, plan.poe), cleared_at, carry_troops=False,
                                          tag=f"to-{plan.poe}/")
        for p in (plan.poe, plan.pod):
            self.queued[p] = self.queued.get(p, 0.0) + pieces
        # the troops are counted on the ships (the line of communication they close through),
        # shared in proportion to the pieces; the movers before and after the sea leg carry none
        personnel = 0 if unit.personnel == "air" else t.personnel  # flown troops travel apart
        troops = [round(personnel * n / pieces) for n in loads[:-1]]
        troops.append(personnel - sum(troops))
        jobs = [env.process(self.shipload(unit, plan, i, n, k, cleared_at))
                for i, (n, k) in enumerate(zip(loads, troops, strict=True), start=1)]
        yield env.all_of(jobs)
        yield from model.move_by_land(replace(unit, origin=plan.pod, mode="auto"), cleared_at, carry_troops=False,
                                      tag="from-port/")

    def shipload(self, unit: Unit, plan: SeaPlan, i: int, pieces: int, troops: int,
                 cleared_at: float = 0.0) -> Generator[Any, Any, None]:
        """One ship: taken from the pool, loaded, sailed, discharged, sent back empty.

        The ship reaches the port of debarkation, in another country, no earlier than the unit's
        clearance (``cleared_at``): it is not loaded before the clearance less its loading and sailing.
        """
        model, env, f = self.model, self.model.env, self.model.factors
        who = Who(unit.id, f"{unit.id}/sea/{i}", "sea", troops, pieces, unit.priority, unit.rank)
        embark_h = f["roro_port_call_hours"] + pieces / (self.rate_per_day(plan.poe) / 24.0)
        depart = cleared_at - embark_h - plan.sail_h
        if depart > env.now:
            model.log.add(env.now, who, "request", plan.poe, "clearance", 0)
            yield env.timeout(depart - env.now)
            model.log.add(env.now, who, "cleared", plan.poe, "", 0)
        self.waiting_ships += 1
        yield from self.ships.take(who, 1)
        self.waiting_ships -= 1
        yield from model.berth(plan.poe).use(
            who, f["roro_port_call_hours"] + pieces / (self.rate_per_day(plan.poe) / 24.0), event=("embark", "embarked"))
        self.queued[plan.poe] -= pieces
        model.log.add(env.now, who, "enter", plan.section, "", 0)
        yield env.timeout(plan.sail_h)
        model.log.add(env.now, who, "leave", plan.section, "", 0)
        yield from model.berth(plan.pod).use(
            who, f["roro_port_call_hours"] + pieces / (self.rate_per_day(plan.pod) / 24.0),
            event=("discharge", "discharged"))
        self.queued[plan.pod] -= pieces
        self.ships.give_back(who, 1, plan.sail_h)  # the empty return voyage
        model.log.add(env.now, who, "arrive", plan.pod)


def land_hours(model: Model, unit: Unit, now: float) -> float:
    """Expected hours for ``unit`` by land from ``now``: its route open now, or the wait for the closure.

    Where closures at ``now`` leave no route, the unit would wait until the latest of the active
    closures ends (inf when none would ever let it through within the data) and then go.
    """
    router = model.router_at(now)
    wait = 0.0
    try:
        plan = model._plan(router, unit)
    except NoRouteError:
        if router is model.router:
            return math.inf
        ends = [b for target in model.closures.active(now) & model._route_targets
                for a, b in model.closures.windows.get(target, ()) if a <= now < b]
        wait = max(ends, default=now) - now
        try:
            plan = model._plan(model.router, unit)
        except NoRouteError:
            return math.inf
    return wait + _loading_hours(model, plan) + plan.nominal_h


def _loading_hours(model: Model, plan: Any) -> float:
    """Hours before a unit's last train leaves: the trains queued at the origin's ramps, loading all its
    own (the land counterpart of loading ships), and the wait for wagons when the pool is short.

    The wagon wait is the wagons missing now (the unit's own plus those other trains wait for, less
    those free) as a share of the pool, times one wagon cycle (out, back and turnaround)."""
    if plan.rail is None:
        return 0.0
    from mobility.sim.rail import trains_needed, wagons_per_train

    f = model.factors
    trains = trains_needed(model, *plan.rail_load, wagons_per_train(model, plan.rail))
    wagons = sum(w for w, *_ in trains)
    ramps = sum((t.ramps or 0) for t in model.network.terminals_at(plan.rail.origin, method="ramp")) or int(
        f["default_ramps"])
    load = (len(trains) * f["shunting_hours"] + wagons * f["load_hours_per_wagon"]) / ramps
    server = model.servers.get(f"ramp:{plan.rail.origin}")  # trains of other units queued at the ramps
    ahead = (len(server.res.queue) if server is not None else 0) + model.ramp_pending.get(plan.rail.origin, 0)
    if ahead and trains:  # and those bound for them (units at the berth, trains waiting for clearance)
        per_train = f["shunting_hours"] + wagons / len(trains) * f["load_hours_per_wagon"]
        load += ahead * per_train / ramps
    gauge = plan.rail.mover.gauge or next(leg.gauge for leg in plan.rail.legs if leg.mode == "rail")
    pool = model.wagons[gauge]
    waiting = sum(getattr(e, "amount", 0) for e in pool.container.get_queue)
    short = waiting + wagons - pool.container.level
    cycle = 2 * plan.rail.hours + f["wagon_turnaround_hours"]
    return load + (short / max(pool.capacity, 1) * cycle if short > 0 else 0.0)


def choose(model: Model, sealift: Sealift, unit: Unit, now: float) -> SeaPlan | None:
    """The sea plan ``unit`` takes now, or None to go by land.

    ``sea``: the best sea option (NoRouteError if none); ``auto``: sea only if its expected
    time beats land's (the discharge at the origin port included) by the factor
    ``sea_switch_margin``; ``rail``/``road``: never.
    """
    if unit.mode not in ("sea", "auto") or not sealift.legs or sealift.ships.capacity == 0:
        if unit.mode == "sea":
            raise NoRouteError(f"unit {unit.id}: mode sea but " + (
                f"the {model.network.name} network has no sea legs" if not sealift.legs
                else "resources.roro_ships is 0; give the scenario RoRo ships"))
        return None
    country = model.network.node(unit.destination).get("country")
    if country not in BALTIC_STATES:  # the sea legs lead to the Baltic states' ports only
        if unit.mode == "sea":
            raise NoRouteError(f"unit {unit.id}: mode sea but its destination {model.network.label(unit.destination)} "
                               f"is in {country}; the sea legs lead to ports in {', '.join(BALTIC_STATES)}; "
                               "use mode auto, rail or road")
        return None
    opts = sealift.options(unit, now)
    if unit.mode == "sea":
        if not opts:
            raise NoRouteError(f"unit {unit.id}: mode sea but no port of embarkation is reachable from "
                               f"{model.network.label(unit.origin)} or no port of debarkation reaches "
                               f"{model.network.label(unit.destination)}")
        return opts[0]
    if not opts:
        return None
    land = land_hours(model, unit, now) + sealift.landing_hours(unit)
    return opts[0] if opts[0].expected_h < (1.0 - model.factors["sea_switch_margin"]) * land else None
