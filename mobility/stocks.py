"""Pre-positioned stocks: equipment sets held at a site, drawn by units whose personnel come to them.

A scenario declares stock sites (DOMAIN §18.3: the APS-2 site at Powidz holds
an ABCT equipment set; personnel fly in and draw it [D5])::

    stocks:
      - {id: aps2-powidz, node: powidz, unit_type: us_abct, sets: 1, draw_days: 4,
         source: "D5 (APS-2 Powidz, an ABCT set); draw time assumption"}

A force line with ``draws: aps2-powidz`` is a unit of that type whose
personnel travel to the site (``personnel: air``: flown in, ``airlift_hours``;
``personnel: with_vehicles``: by bus from the line's ``origin``), draw the set
(``draw_days``; ``parallel_draws`` sets at once) and then move on from the site
with their vehicles like any other unit.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:  # pragma: no cover
    from mobility.sim.engine import Model, Unit
    from mobility.sim.resources import Who


class StockSite(BaseModel):
    """A site holding pre-positioned equipment sets of one unit type."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    id: str = Field(min_length=1, max_length=60, description="stock site id that force lines name in draws:")
    node: str = Field(min_length=1, max_length=80, description="network node of the site")
    unit_type: str = Field(description="unit type whose equipment the sets are")
    sets: int = Field(ge=1, le=50, description="equipment sets held")
    draw_days: float = Field(ge=0, le=60, description="days a unit takes to draw and prepare one set")
    parallel_draws: int = Field(1, ge=1, le=10, description="sets drawn at once")
    source: str = Field(min_length=3, max_length=300, description="source key(s) or 'assumption'")


def draw_set(model: Model, unit: Unit, whole: Who, site: StockSite) -> Generator[Any, Any, None]:
    """Personnel of ``unit`` come to ``site`` and draw one set; the unit then moves on from there."""
    from mobility.sim.air import bus_hours

    env, log = model.env, model.log
    if unit.personnel == "air":
        log.add(env.now, whole, "depart", site.node)
        yield env.timeout(model.factors["airlift_hours"])
    else:
        log.add(env.now, whole, "depart", unit.personnel_origin)
        yield env.timeout(bus_hours(model, unit.personnel_origin, site.node))
    log.add(env.now, whole, "personnel_arrived", site.node)
    server = model._server(f"stock:{site.id}", "stock", site.node, site.parallel_draws, (site.node,))
    yield from server.use(whole, site.draw_days * 24.0, event=("draw", "drawn"))
