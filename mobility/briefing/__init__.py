"""Outputs for briefers and analysts: the map, charts, report and exports of a run.

Modules
-------
``maps``     offline folium/Leaflet maps, split by concern (base map, network layers,
             run layers, playback, assets)
``compose``  the briefing map of a run (:func:`result_map`) or of a run folder (:func:`run_map`)
``charts``   closure, Gantt and bottleneck charts (matplotlib)
``report``   the self-contained ``report.html`` and every output of ``mobility run``
``export``   GeoPackage and CSV exports
``runs``     a run read back from its folder (:func:`load_run`)
``cli``      the ``mobility map`` and ``mobility export`` commands

Everything here reads the one event log (``docs/event-log.md``); nothing here runs the model.
"""

from mobility.briefing.compose import compose_map, result_map, run_map
from mobility.briefing.maps import network_map, save_map
from mobility.briefing.runs import RunData, load_run, scenario_yaml

__all__ = [
    "RunData",
    "compose_map",
    "load_run",
    "network_map",
    "result_map",
    "run_map",
    "save_map",
    "scenario_yaml",
]
