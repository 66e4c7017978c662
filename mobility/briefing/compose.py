"""The briefing map of a run: network, flows, top bottlenecks, playback, tier table.

:func:`result_map` composes the layers of :mod:`mobility.briefing.maps` for a
:class:`~mobility.simulation.SimulationResult` (it displays inline in Jupyter);
:func:`run_map` does the same for a run folder read back by
:func:`mobility.briefing.runs.load_run`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from mobility.briefing.runs import RunData, load_run
from mobility.network.model import Network

if TYPE_CHECKING:
    import folium

    from mobility.simulation import SimulationResult

TOP_BOTTLENECKS = 10


def map_title(name: str, network: str, year: int | None) -> str:
    """``baseline — baltic network, 2026``."""
    return f"{name} — {network} network, {year}" if year is not None else f"{name} — {network} network"


def compose_map(network: Network, events: pd.DataFrame, bottlenecks: pd.DataFrame, tiers: pd.DataFrame, *,
                name: str, year: int | None, tiles: bool = False) -> folium.Map:
    """The briefing map from its parts.

    Parameters
    ----------
    network
        The network the run moved on.
    events
        The event log (``docs/event-log.md``).
    bottlenecks
        The bottleneck table; the first :data:`TOP_BOTTLENECKS` rows are drawn.
    tiers
        The NATO Force Model tier table.
    name, year
        Scenario name and infrastructure year, for the title and tier box.
    tiles
        Add OpenStreetMap tiles (needs the internet); the default base layer is offline.

    Returns
    -------
    folium.Map
        Network, flows, bottlenecks, playback and the tier table.
    """
    from mobility.briefing import maps
    from mobility.briefing.maps.base import set_focus
    from mobility.briefing.maps.run_layers import _section_index, interest_points

    m = maps.network_map(network, title=map_title(name, network.name, year), tiles=tiles)
    index = _section_index(network)  # laid out once for the flows, bottlenecks and focus
    top = bottlenecks.head(TOP_BOTTLENECKS)
    maps.add_flows(m, network, events, index=index)
    maps.add_bottlenecks(m, network, top, index=index)
    maps.add_playback(m, network, events, tiers)
    set_focus(m, interest_points(network, events, top, index=index))
    maps.add_tier_table(m, tiers, scenario=name, year=int(year) if year is not None else 0)
    return m


def result_map(result: SimulationResult, *, tiles: bool = False) -> folium.Map:
    """The briefing map of a run: network, flows, top bottlenecks, playback, tier table.

    Parameters
    ----------
    result
        A :class:`~mobility.simulation.SimulationResult`.
    tiles
        Add OpenStreetMap tiles (needs the internet).

    Returns
    -------
    folium.Map
        Shows inline in Jupyter; write it with :func:`mobility.briefing.maps.save_map`.
    """
    sc = result.scenario
    return compose_map(result.network, result.events, result.bottlenecks, result.tiers, name=sc.name,
                       year=sc.year, tiles=tiles)


def run_map(run: RunData | str | Path, *, tiles: bool = False) -> folium.Map:
    """The briefing map rebuilt from a run folder (or a :class:`RunData`)."""
    if not isinstance(run, RunData):
        run = load_run(run)
    return compose_map(run.network, run.events, run.bottlenecks, run.tiers, name=run.name, year=run.year,
                       tiles=tiles)
