"""Airlift of personnel through airports of debarkation (APODs).

A unit whose force line says ``personnel: air`` sends its troops apart from
its equipment: they fly (``airlift_hours`` from the unit's ready time), pass
the airport of debarkation at its daily capacity (``apod_pax_per_day``, one
airport handling one unit's troops at a time), and ride on by bus to where
they are needed: to the unit's destination, or to the stock site whose
equipment set it draws. A unit is closed when its personnel and its equipment
have both arrived.

The airports are nodes of the network (DOMAIN §18.3: Vilnius, Šiauliai
(Zokniai), Rīga, Ämari / Tallinn [BK]): nodes of kind ``airport`` with their
``personnel_per_day`` where the network has them, else the city nodes with the
factor table's ``apod_pax_per_day`` (an assumption). A scenario's override of
that factor sets every airport's capacity.
"""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from mobility.network.routing import Mover
from mobility.sim.resources import Who

if TYPE_CHECKING:  # pragma: no cover
    from mobility.sim.engine import Model

#: Airports of debarkation for personnel: network node id -> name (DOMAIN §18.3 [BK]). Where the
#: network has no separate airport node the city's node stands for it (the transfer to the
#: base is then counted from the city).
AIRPORTS: dict[str, str] = {
    "vilnius": "Vilnius airport",
    "siauliai": "Šiauliai (Zokniai) air base",
    "riga": "Rīga airport",
    "tallinn": "Tallinn airport / Ämari air base",
}


def airports_in(network: Any) -> list[str]:
    """The airports of debarkation in ``network``: its ``airport`` nodes, else the city nodes of :data:`AIRPORTS`."""
    kinds = [n for n in network.node_ids if network.node(n).get("kind") == "airport" and n in network.road]
    return sorted(kinds) if kinds else [a for a in AIRPORTS if a in network.road]


def airport_capacity(model: Model, airport: str) -> float:
    """Troops per day ``airport`` receives: the network's ``personnel_per_day``, else ``apod_pax_per_day``.

    A scenario's ``factors: {apod_pax_per_day: ...}`` overrides both.
    """
    if "apod_pax_per_day" in model.factors.overridden:
        return model.factors["apod_pax_per_day"]
    return float(model.network.node(airport).get("personnel_per_day") or model.factors["apod_pax_per_day"])


def nearest_airport(model: Model, destination: str) -> str:
    """The airport of debarkation with the shortest bus ride to ``destination``."""
    best, where = math.inf, ""
    bus = Mover.convoy(mlc=model.factors["mlc_wheeled"])
    for apod in airports_in(model.network):
        h = 0.0 if apod == destination else model.router.hours(apod, destination, bus)
        if h < best:
            best, where = h, apod
    if not where:
        from mobility.errors import NoRouteError

        raise NoRouteError(f"no airport of debarkation ({', '.join(AIRPORTS)}) reaches "
                           f"{model.network.label(destination)} by road")
    return where


def bus_hours(model: Model, start: str, end: str) -> float:
    """Hours by bus from ``start`` to ``end`` at wheeled convoy speeds (no road space taken)."""
    if start == end:
        return 0.0
    return model.router.hours(start, end, Mover.convoy(mlc=model.factors["mlc_wheeled"]))


def airlift(model: Model, who: Who, airport: str, to: str) -> Generator[Any, Any, None]:
    """Personnel of one unit: fly, pass ``airport`` at its daily capacity, ride on to ``to``."""
    env, f = model.env, model.factors
    model.log.add(env.now, who, "depart", airport)
    yield env.timeout(f["airlift_hours"])
    server = model._server(f"airport:{airport}", "airport", airport, 1, (airport,))
    hold = who.troops / (airport_capacity(model, airport) / 24.0)
    yield from server.use(who, hold, event=("disembark", "disembarked"))
    yield env.timeout(bus_hours(model, airport, to))
    model.log.add(env.now, who, "arrive", to)
