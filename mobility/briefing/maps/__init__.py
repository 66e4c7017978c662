"""Offline maps of the network and of a run's event log (folium/Leaflet).

Every map made here works in a room with no internet: Leaflet, jQuery and the
Leaflet.PolylineOffset plugin are inlined from the copies vendored in
``mobility/data`` (see its README for versions and licences), the base layer
is Natural Earth data shipped in the same folder, and markers are vector
circles (no icon images). Online OpenStreetMap tiles are drawn only when asked
for (``tiles=True``). :func:`save_map` refuses to write a map that would load a
script, style sheet or image from the internet.

Modules, by concern
-------------------
``base``            the Leaflet map, offline assets, panes, legend, basemap, saving
``network_layers``  rail by gauge, Rail Baltica by status, roads, places and labels
``run_layers``      flows, bottlenecks and the tier table of a run
``playback``        mover positions over time, with a play/step/slider control
``assets``          vendored scripts and styles, CSS, the label script
``style``, ``text`` colours and layer names; escaping and number formats

The event log follows ``docs/event-log.md``.
"""

from mobility.briefing.maps.assets import external_references
from mobility.briefing.maps.base import base_map, save_map
from mobility.briefing.maps.network_layers import network_map
from mobility.briefing.maps.playback import add_playback
from mobility.briefing.maps.run_layers import add_bottlenecks, add_flows, add_tier_table

__all__ = [
    "add_bottlenecks",
    "add_flows",
    "add_playback",
    "add_tier_table",
    "base_map",
    "external_references",
    "network_map",
    "save_map",
]
