"""Colours, weights and layer names of the map (one place for the look)."""

from __future__ import annotations

MIN_ZOOM = 5

# -- styling -------------------------------------------------------------------
GAUGE_STYLE = {
    "1435": ("#1f5fbf", "Rail 1435 mm (standard gauge)"),
    "1520": ("#c8102e", "Rail 1520 mm (broad gauge)"),
    "1435;1520": ("#7b2cbf", "Rail dual gauge 1435 + 1520 mm"),
}
OTHER_GAUGE_COLOUR = "#555555"
RB_COLOUR = "#00a651"
RB_DASH = {"construction": "10 7", "planned": "2 7"}
ROAD_STYLE = {  # highway: (colour, weight, label)
    "motorway": ("#e8590c", 4.5, "Motorway"),
    "trunk": ("#f08c00", 3.5, "Expressway / trunk road"),
    "primary": ("#b08968", 3.0, "Primary road"),
    "secondary": ("#c9b79c", 2.5, "Secondary road"),
}
NODE_STYLE = {  # group: (fill, stroke, radius, legend label)
    "gauge_terminal": ("#ffd400", "#111111", 9, "Gauge-change terminal (1435/1520)"),
    "port": ("#0b3d91", "#ffffff", 8, "Port (SPOD)"),
    "airport": ("#7048e8", "#ffffff", 7, "Airport of debarkation"),
    "border_crossing": ("#ffffff", "#111111", 6, "Border crossing"),
    "railhead": ("#008c7a", "#ffffff", 6.5, "Railhead / loading ramps"),
    "base": ("#4f6f1f", "#ffffff", 6, "Military base"),
    "place": ("#444444", "#ffffff", 3.5, "Station / junction / town"),
}
NODE_LAYER = {
    "gauge_terminal": "Gauge-change terminals",
    "port": "Ports",
    "airport": "Airports",
    "border_crossing": "Border crossings",
    "railhead": "Railheads and ramps",
    "base": "Bases, stations and towns",
    "place": "Bases, stations and towns",
}
KIND_LABEL = {
    "station": "station",
    "junction": "rail junction",
    "gauge_terminal": "gauge-change terminal",
    "railhead": "railhead",
    "port": "port",
    "airport": "airport of debarkation",
    "border_crossing": "border crossing",
    "base": "military base",
    "town": "town",
}
METHOD_LABEL = {
    "transload": "transload (lift between wagons of the two gauges)",
    "bogie_exchange": "bogie exchange",
    "axle_changer": "variable-gauge axle changer (SUW 2000)",
    "ramp": "loading ramp",
}
FLOW_COLOUR = "#d6336c"
BOTTLENECK_COLOUR = "#e03131"
SEA_COLOUR = "#1c7ed6"
MOVER_STYLE = {
    "rail": {"color": "#ffffff", "fillColor": "#111111", "weight": 2, "radius": 6.5},
    "road": {"color": "#111111", "fillColor": "#ff6b00", "weight": 2, "radius": 6.5},
    "": {"color": "#111111", "fillColor": "#adb5bd", "weight": 1.5, "radius": 5.0},
}
ARRIVED_STYLE = {"color": "#495057", "fillColor": "#ced4da", "weight": 1, "radius": 4.0}
PLAYBACK_STATES = ("rail", "road", "")  # then 3: arrived
TOP_BOTTLENECKS = 10
PLAYBACK_STEP_H = 6.0
PLAYBACK_MAX_FRAMES = 240
OFFSET_PX = 6.0



