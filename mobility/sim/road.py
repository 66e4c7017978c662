"""Convoys: march units that drive section by section at the speed of their road class,
keep their interval, halt, respect a daily driving limit and cross borders after clearance."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mobility.network.routing import Route
from mobility.sim.resources import Who

if TYPE_CHECKING:
    from mobility.sim.engine import Model


@dataclass(frozen=True)
class MarchProfile:
    """How a march unit drives: speed cap, interval, daily limits."""

    speed_kmh: float | None  # cap (tracked on own tracks, HETs); None: by road class
    daily_hours: float
    daily_km: float | None


def convoy(model: Model, who: Who, route: Route, profile: MarchProfile, cleared_at: float,
           hets: int = 0) -> Generator[Any, Any, None]:
    """The process of one march unit along a road route."""
    env, f, log = model.env, model.factors, model.log
    if hets:
        yield from model.het_pool.take(who, hets)
    start = env.now
    driven_today_h = 0.0
    driven_today_km = 0.0
    next_halt_h = 1.0  # driving hours of the day at which the next halt falls
    day_start = env.now
    breakdown = model.breakdown_hours(who)
    # the factors read on every section, read once
    expressway_kmh, interval_expressway_m, interval_rural_m, gap_m, halt_first_h, halt_every_2h_h = (
        f["convoy_speed_expressway_kmh"], f["vehicle_interval_expressway_m"], f["vehicle_interval_rural_m"],
        f["march_unit_gap_m"], f["halt_first_h"], f["halt_every_2h_h"])
    road_step = model.road_step
    for leg in route.legs:
        for u, v, k in leg.edges:
            step = road_step(u, v, k)
            if step.border is not None:
                if env.now < cleared_at:
                    log.add(env.now, who, "request", v, "clearance", 0)
                    yield env.timeout(cleared_at - env.now)
                    log.add(env.now, who, "cleared", v, "", 0)
                yield from step.border.use(who, f["border_check_hours"])
            speed = min(step.speed_kmh, profile.speed_kmh) if profile.speed_kmh else step.speed_kmh
            interval_m = interval_expressway_m if speed >= expressway_kmh else interval_rural_m
            pass_h = (who.vehicles * interval_m + gap_m) / 1000.0 / speed
            km = step.km
            drive_h = km / speed
            # daily limits: rest until the next day before a section that would exceed them
            if driven_today_h > 0 and (driven_today_h + drive_h > profile.daily_hours or (
                    profile.daily_km is not None and driven_today_km + km > profile.daily_km)):
                rest = max(0.0, day_start + 24.0 - env.now)
                log.add(env.now, who, "halt", u, "", 0)
                yield env.timeout(rest)
                day_start, driven_today_h, driven_today_km, next_halt_h = env.now, 0.0, 0.0, 1.0
            yield from step.space.occupy(who, pass_h)
            halts = 0.0
            while driven_today_h + drive_h >= next_halt_h:
                halts += halt_first_h if next_halt_h == 1.0 else halt_every_2h_h
                next_halt_h += 2.0
            log.add(env.now, who, "enter", step.section, "", 0)
            yield env.timeout(drive_h + halts + breakdown)
            log.add(env.now, who, "leave", step.section, "", 0)
            breakdown = 0.0  # a breakdown delays the march unit once
            driven_today_h += drive_h
            driven_today_km += km
    if hets:
        model.het_pool.give_back(who, hets, env.now - start)
