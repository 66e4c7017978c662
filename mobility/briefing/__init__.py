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

from __future__ import annotations

from mobility._lazy import lazy_attributes

#: public name -> the module that defines it; loaded on first use, so that importing a
#: submodule (e.g. ``mobility.briefing.cli`` at every start of ``mobility``) stays light
_LAZY = {
    "RunData": "mobility.briefing.runs",
    "compose_map": "mobility.briefing.compose",
    "load_run": "mobility.briefing.runs",
    "network_map": "mobility.briefing.maps",
    "result_map": "mobility.briefing.compose",
    "run_map": "mobility.briefing.compose",
    "save_map": "mobility.briefing.maps",
    "scenario_yaml": "mobility.briefing.runs",
}

__all__ = sorted(_LAZY)


__getattr__, __dir__ = lazy_attributes("mobility.briefing", _LAZY)
