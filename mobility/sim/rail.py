"""Trains: take stock from their gauge's pool, load at a ramp, run section by section,
change gauge at a terminal, unload at a railhead and send the stock back."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from mobility.network.routing import Route
from mobility.sim.resources import Who

if TYPE_CHECKING:
    from mobility.sim.engine import Model


def wagons_per_train(model: Model, route: Route) -> int:
    """Wagons a train on ``route`` may have: the shortest length limit on it, less the locomotive."""
    f = model.factors
    limit = min(
        (model.network.rail.edges[e]["max_train_length_m"] for leg in route.legs if leg.mode == "rail"
         for e in leg.edges),
        default=f["max_train_length_m"],
    )
    return max(1, int((limit - f["locomotive_length_m"]) // f["wagon_length_m"]))


def train(model: Model, who: Who, route: Route, wagons: int, cleared_at: float) -> Generator[Any, Any, None]:
    """The process of one train from its loading ramp to its railhead."""
    env, f, log = model.env, model.factors, model.log
    gauge = route.mover.gauge or next(leg.gauge for leg in route.legs if leg.mode == "rail")
    wagon_pool, loco_pool = model.wagons[gauge], model.locos[gauge]
    # the stock is called when the train's ramp slot comes: waiting for a ramp holds no wagons
    ramp = model.ramp(route.origin)
    slot = yield from ramp.acquire(who)
    yield from wagon_pool.take(who, wagons)
    yield from loco_pool.take(who, 1)
    log.add(env.now, who, "load", ramp.place, "", 0)
    yield env.timeout(f["shunting_hours"] + wagons * f["load_hours_per_wagon"])
    log.add(env.now, who, "loaded", ramp.place, "", 0)
    ramp.release(who, slot)
    outbound_h = 0.0  # nominal running hours on the current gauge, for the empty return
    for leg in route.legs:
        if leg.mode == "rail":
            for u, v, k in leg.edges:
                step = model.rail_step(u, v, k)
                if step.crosses_border and env.now < cleared_at:
                    log.add(env.now, who, "request", v, "clearance", 0)
                    yield env.timeout(cleared_at - env.now)
                    log.add(env.now, who, "cleared", v, "", 0)
                yield from step.track.occupy(who, step.headway_h)
                run = step.run_h + model.section_delay(who)
                log.add(env.now, who, "enter", step.section, "", 0)
                yield env.timeout(run)
                log.add(env.now, who, "leave", step.section, "", 0)
                outbound_h += run
        elif leg.mode == "gauge_change":
            node, method = leg.start, leg.method or "transload"
            new_gauge = 1520 if gauge == 1435 else 1435
            terminal = model.terminal(node, method)
            if method == "transload":
                # drive off onto wagons of the other gauge, called when the terminal's slot comes
                slot = yield from terminal.acquire(who)
                yield from model.wagons[new_gauge].take(who, wagons)
                yield from model.locos[new_gauge].take(who, 1)
                log.add(env.now, who, "gauge_change", terminal.place, "", 0)
                yield env.timeout(model.router.gauge_change_hours(method, wagons))
                log.add(env.now, who, "gauge_changed", terminal.place, "", 0)
                terminal.release(who, slot)
                wagon_pool.give_back(who, wagons, outbound_h + f["wagon_turnaround_hours"])
                loco_pool.give_back(who, 1, outbound_h + f["wagon_turnaround_hours"])
                wagon_pool, loco_pool = model.wagons[new_gauge], model.locos[new_gauge]
            else:  # bogie exchange: same wagons, new bogies, a locomotive of the new gauge
                slot = yield from terminal.acquire(who)
                yield from model.locos[new_gauge].take(who, 1)
                log.add(env.now, who, "gauge_change", terminal.place, "", 0)
                yield env.timeout(model.router.gauge_change_hours(method, wagons))
                log.add(env.now, who, "gauge_changed", terminal.place, "", 0)
                terminal.release(who, slot)
                loco_pool.give_back(who, 1, outbound_h + f["wagon_turnaround_hours"])
                loco_pool = model.locos[new_gauge]
            model.committed[node] -= 1
            gauge, outbound_h = new_gauge, 0.0
    yield from model.ramp(route.destination).use(
        who, f["shunting_hours"] + wagons * f["unload_hours_per_wagon"], event=("unload", "unloaded"))
    back = outbound_h + f["wagon_turnaround_hours"]
    wagon_pool.give_back(who, wagons, back)
    loco_pool.give_back(who, 1, back)


def trains_needed(model: Model, tracked: int, wheeled: int, containers: int, per_train: int) -> list[tuple[int, int, int, int]]:
    """Split a rail load into trains: ``(wagons, tracked, wheeled, containers)`` per train.

    Tracked vehicles take ``tracked_per_wagon``, wheeled vehicles and trailers
    ``wheeled_per_wagon``, containers ``containers_per_wagon`` (factor table).
    """
    f = model.factors
    wt = math.ceil(tracked / f["tracked_per_wagon"]) if tracked else 0
    ww = math.ceil(wheeled / f["wheeled_per_wagon"]) if wheeled else 0
    wc = math.ceil(containers / f["containers_per_wagon"]) if containers else 0
    total = wt + ww + wc
    if total == 0:
        return []
    n = math.ceil(total / per_train)
    out = []
    for i in range(n):
        w = total // n + (1 if i < total % n else 0)
        out.append((w, _share(tracked, n, i), _share(wheeled, n, i), _share(containers, n, i)))
    return out


def _share(total: int, n: int, i: int) -> int:
    return total // n + (1 if i < total % n else 0)
