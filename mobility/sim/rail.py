"""Trains: take stock from their gauge's pool, load at a ramp, run section by section,
change gauge at a terminal, unload at a railhead and send the stock back."""

from __future__ import annotations

import math
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mobility.errors import NoRouteError
from mobility.network.routing import Mover, Route
from mobility.sim.resources import Server, Who

if TYPE_CHECKING:
    from mobility.sim.engine import Model, RailStep


def wagons_per_train(model: Model, route: Route) -> int:
    """Wagons a train on ``route`` may have: the shortest length limit on it, less the locomotive."""
    f = model.factors
    limit = min(
        (model.network.rail.edges[e]["max_train_length_m"] for leg in route.legs if leg.mode == "rail"
         for e in leg.edges),
        default=f["max_train_length_m"],
    )
    return max(1, int((limit - f["locomotive_length_m"]) // f["wagon_length_m"]))


@dataclass
class Stop:
    """Where a train stops to be served (a gauge terminal, its railhead) and the server it is served by."""

    node: str
    service: Server
    slot: Any = None  # its service slot, once it has one
    holding: Any = None  # its holding track, while it waits for the slot on one


def stand(model: Model, who: Who, stop: Stop) -> Generator[Any, Any, None]:
    """At the end of the section before ``stop``: return once the train can stand at the stop,
    on a free ramp or terminal slot, else on one of its holding tracks (:meth:`Model.standing`).
    Until then the train stays on the section, holding it."""
    room = model.standing(stop.node)
    if stop.service.free or room.capacity == 0:
        stop.slot = yield from stop.service.acquire(who)
    else:
        stop.holding = yield from room.acquire(who)


def served(model: Model, who: Who, stop: Stop) -> Generator[Any, Any, Any]:
    """The train's slot at ``stop``: taken on arriving, else waited for on a holding track,
    which it leaves when the slot comes."""
    if stop.slot is None:
        stop.slot = yield from stop.service.acquire(who)
    if stop.holding is not None:
        model.standing(stop.node).release(who, stop.holding)
        stop.holding = None
    return stop.slot


def run_section(model: Model, who: Who, step: RailStep, stop: Stop | None = None) -> Generator[Any, Any, float]:
    """Run one rail edge; returns the running hours.

    Double track: the direction's headway slot, then the running time.
    Single track: the track is one for both directions, held from passing loop
    to passing loop for the running time between them; a train waits for the next
    block in a loop, holding nothing. With no loop data, TR0603's rule of thumb
    (R107: 10 trains a day each direction) is kept as it is stated: a headway slot
    per direction, and the one track held for at least half that headway, so both
    directions together never pass more than twice the figure and opposing trains
    never meet on the section; a long running time lowers both.

    ``stop``: the section ends at a stop; the train keeps its last block (double
    track: its direction's slot) until it can stand there (:func:`stand`), so a
    full terminal holds trains on the sections before it.
    """
    env, log = model.env, model.log
    run = step.run_h + model.section_delay(who)
    if step.blocks:
        n = len(step.blocks)
        slot = None
        if step.track is not None:  # no loop data: the direction's TR0603 slot first
            slot = yield from step.track.acquire(who)
        for i, block in enumerate(step.blocks):
            hold = max(run / n, step.headway_h / 2 if n == 1 else 0.0)
            held = None
            if stop is not None and i == n - 1:
                held, since = (yield from block.acquire(who)), env.now
            else:
                yield from block.occupy(who, hold)
            if i == 0:
                log.add(env.now, who, "enter", step.section, "", 0)
                if slot is not None:  # the headway counts from entering the section
                    step.track.release_after(who, slot, step.headway_h)
            yield env.timeout(run / n)
            if held is not None:
                yield from stand(model, who, stop)
                block.release_after(who, held, max(0.0, since + hold - env.now))
    elif stop is None:
        yield from step.track.occupy(who, step.headway_h)
        log.add(env.now, who, "enter", step.section, "", 0)
        yield env.timeout(run)
    else:
        held, since = (yield from step.track.acquire(who)), env.now
        log.add(env.now, who, "enter", step.section, "", 0)
        yield env.timeout(run)
        yield from stand(model, who, stop)
        step.track.release_after(who, held, max(0.0, since + step.headway_h - env.now))
    log.add(env.now, who, "leave", step.section, "", 0)
    return run


def _stops(model: Model, route: Route) -> dict[int, Stop]:
    """The train's stops, keyed by the index of the rail leg that ends at each: the gauge
    terminals it changes at and its railhead."""
    out: dict[int, Stop] = {}
    last = None
    for i, leg in enumerate(route.legs):
        if leg.mode == "rail" and leg.edges:
            last = i
        elif leg.mode == "gauge_change" and last is not None:
            out[last] = Stop(leg.start, model.terminal(leg.start, leg.method or "transload"))
            last = None
    if last is not None:
        out[last] = Stop(route.destination, model.ramp(route.destination))
    return out


def train(model: Model, who: Who, route: Route, wagons: int, cleared_at: float, *,
          intermodal: int = 0) -> Generator[Any, Any, None]:
    """The process of one train from its loading ramp to its railhead.

    ``wagons``: all its wagons, of which ``intermodal`` container wagons from the
    intermodal pool and the rest military flats. Its stock is taken when its loading
    slot comes and goes back to where it was taken as an empty train over the
    network (:func:`empty_return`).
    """
    env, f, log = model.env, model.factors, model.log
    gauge = route.mover.gauge or next(leg.gauge for leg in route.legs if leg.mode == "rail")
    flats = wagons - intermodal
    loco_pool = model.locos[gauge]
    stock = gauge  # gauge of the wagons in use
    # the stock is called when the train's ramp slot comes: waiting for a ramp holds no wagons
    ramp = model.ramp(route.origin)
    slot = yield from ramp.acquire(who)
    yield from model.wagons[gauge].take(who, flats)
    if intermodal:
        yield from model.intermodal_pool(gauge).take(who, intermodal)
    yield from loco_pool.take(who, 1)
    log.add(env.now, who, "load", ramp.place, "", 0)
    yield env.timeout(f["shunting_hours"] + wagons * f["load_hours_per_wagon"])
    log.add(env.now, who, "loaded", ramp.place, "", 0)
    ramp.release(who, slot)
    home = route.origin  # where the stock now in use was taken
    returns = 0  # empty trains sent home so far
    stops = _stops(model, route)  # where it is served: it holds the section before each until it can stand there
    stop: Stop | None = None
    for i, leg in enumerate(route.legs):
        if leg.mode == "rail":
            stop = stops.get(i, stop)
            for j, (u, v, k) in enumerate(leg.edges):
                step = model.rail_step(u, v, k)
                if step.crosses_border and env.now < cleared_at:
                    log.add(env.now, who, "request", v, "clearance", 0)
                    yield env.timeout(cleared_at - env.now)
                    log.add(env.now, who, "cleared", v, "", 0)
                yield from run_section(model, who, step, stop if j == len(leg.edges) - 1 else None)
                key = model._queue_key(step)
                model.section_queue[key] = model.section_queue.get(key, 0) - 1
        elif leg.mode == "gauge_change":
            node, method = leg.start, leg.method or "transload"
            new_gauge = 1520 if gauge == 1435 else 1435
            terminal = model.terminal(node, method)
            here = stop if stop is not None and stop.node == node else Stop(node, terminal)
            stop = None
            if method == "transload":
                # drive off onto wagons of the other gauge, called when the terminal's slot comes
                slot = yield from served(model, who, here)
                yield from model.wagons[new_gauge].take(who, flats)
                if intermodal:
                    yield from model.intermodal_pool(new_gauge).take(who, intermodal)
                yield from model.locos[new_gauge].take(who, 1)
                log.add(env.now, who, "gauge_change", terminal.place, "", 0)
                yield env.timeout(model.router.gauge_change_hours(method, wagons))
                log.add(env.now, who, "gauge_changed", terminal.place, "", 0)
                terminal.release(who, slot)
                returns += 1
                env.process(empty_return(model, who, returns, node, home, gauge, flats, 1, intermodal=intermodal))
                stock, loco_pool = new_gauge, model.locos[new_gauge]
            else:  # bogie exchange: same wagons, new bogies, a locomotive of the new gauge
                slot = yield from served(model, who, here)
                yield from model.locos[new_gauge].take(who, 1)
                log.add(env.now, who, "gauge_change", terminal.place, "", 0)
                yield env.timeout(model.router.gauge_change_hours(method, wagons))
                log.add(env.now, who, "gauge_changed", terminal.place, "", 0)
                terminal.release(who, slot)
                returns += 1
                env.process(empty_return(model, who, returns, node, home, gauge, 0, 1))  # the light engine
                loco_pool = model.locos[new_gauge]
            model.committed[node] -= 1
            gauge, home = new_gauge, node
    ramp = model.ramp(route.destination)
    here = stop if stop is not None and stop.node == route.destination else Stop(route.destination, ramp)
    slot = yield from served(model, who, here)
    log.add(env.now, who, "unload", ramp.place, "", 0)
    yield env.timeout(f["shunting_hours"] + wagons * f["unload_hours_per_wagon"])
    log.add(env.now, who, "unloaded", ramp.place, "", 0)
    ramp.release(who, slot)
    if stock == gauge:
        env.process(empty_return(model, who, returns + 1, route.destination, home, gauge, flats, 1,
                                 intermodal=intermodal))
    else:  # bogie-exchanged wagons go home through the exchange; the locomotive with them
        env.process(empty_return(model, who, returns + 1, route.destination, route.origin, stock, flats, 1,
                                 loco_gauge=gauge, intermodal=intermodal))


def empty_return(model: Model, who: Who, n: int, start: str, home: str, gauge: int, wagons: int, locos: int,
                 *, loco_gauge: int | None = None, intermodal: int = 0) -> Generator[Any, Any, None]:
    """Empty stock runs back from ``start`` to ``home`` as a train, taking paths like any
    other; its wagons and locomotive are back in their pools after the turnaround.

    Logged as mover ``<train>/empty/<n>`` (``n``: the train's n-th empty return; no
    troops, no vehicles) with ``depart``, ``enter``/``leave`` per section and ``returned``.
    """
    env, log = model.env, model.log
    empty = Who(who.unit, f"{who.mover}/empty/{n}", who.mode, 0, 0, who.priority, who.rank)
    log.add(env.now, empty, "depart", start, "", 0)
    if start != home:
        route = None
        # on the network as it is now; cut off for now (a closure): on the whole network, waiting at the closure
        for router in dict.fromkeys((model.router_at(env.now), model.router)):
            for change in (False, True):
                try:
                    route = router.route(start, home, Mover.train(gauge=gauge, change_gauge=change))
                    break
                except NoRouteError:
                    if router is model.router and change:
                        raise
            if route is not None:
                break
        for leg in route.legs:
            if leg.mode == "rail":
                for u, v, k in leg.edges:
                    yield from run_section(model, empty, model.rail_step(u, v, k))
            else:
                yield env.timeout(leg.hours)
    log.add(env.now, empty, "returned", home, "", 0)
    turnaround = model.factors["wagon_turnaround_hours"]
    if wagons:
        model.wagons[gauge].give_back(who, wagons, turnaround)
    if intermodal:
        model.intermodal[gauge].give_back(who, intermodal, turnaround)
    if locos:
        model.locos[gauge if loco_gauge is None else loco_gauge].give_back(who, locos, turnaround)


def trains_needed(model: Model, tracked: int, wheeled: int, containers: int,
                  per_train: int) -> list[tuple[int, int, int, int, int]]:
    """Split a rail load into trains: ``(wagons, tracked, wheeled, containers, intermodal)`` per train.

    Tracked vehicles take ``tracked_per_wagon`` and wheeled vehicles and trailers
    ``wheeled_per_wagon`` on military flats; containers ride intermodal (container)
    wagons, ``containers_per_wagon`` each (factor table). ``wagons`` counts both
    kinds, ``intermodal`` the container wagons among them; each train takes its
    share of both.
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
        out.append((w, _share(tracked, n, i), _share(wheeled, n, i), _share(containers, n, i), _share(wc, n, i)))
    return out


def _share(total: int, n: int, i: int) -> int:
    return total // n + (1 if i < total % n else 0)
