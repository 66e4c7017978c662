"""Offline maps of the network and of a run's event log (folium/Leaflet).

Every map made here works in a room with no internet: Leaflet, jQuery and the
Leaflet.PolylineOffset plugin are inlined from the copies vendored in
``mobility/data`` (see its README for versions and licences), the base layer
is Natural Earth country polygons shipped in the same folder, and markers are
vector circles (no icon images). Online OpenStreetMap tiles are drawn only
when asked for (``tiles=True``). :func:`save_map` refuses to write a map that
would load a script, style sheet or image from the internet.

Public functions
----------------
``network_map``      the network of one year, layer by layer, with a legend
``add_flows``        troops (or vehicles) moved per section, from ``enter`` events
``add_bottlenecks``  the resources with the longest waits
``add_playback``     mover positions over time, with a play/step/slider control
``add_tier_table``   the NATO Force Model tier table as a box on the map
``save_map``         one self-contained HTML file, written atomically

The event log follows ``docs/event-log.md``.
"""

from __future__ import annotations

import base64
import bisect
import html
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import folium
import pandas as pd
from branca.element import Element, MacroElement
from folium.template import Template

from mobility.network.model import Network

__all__ = [
    "add_bottlenecks",
    "add_flows",
    "add_playback",
    "add_tier_table",
    "network_map",
    "save_map",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
BASEMAP_FILE = "basemap-ne50m.geojson"
BASEMAP_ATTRIBUTION = "Basemap: Natural Earth (public domain)"
BASEMAP_BOUNDS = (
    (48.0, 5.0),
    (63.0, 40.0),
)  # the shipped polygons' extent: (south, west), (north, east)
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
    "border_crossing": ("#ffffff", "#111111", 6, "Border crossing"),
    "railhead": ("#008c7a", "#ffffff", 6.5, "Railhead / loading ramps"),
    "base": ("#4f6f1f", "#ffffff", 6, "Military base"),
    "place": ("#444444", "#ffffff", 3.5, "Station / junction / town"),
}
NODE_LAYER = {
    "gauge_terminal": "Gauge-change terminals",
    "port": "Ports",
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

PANES = {  # name: (z-index, pointer events)
    "mob-basemap": (250, False),
    "mob-flows": (350, True),  # under the network lines: flows read as a highlight
    "mob-bottlenecks": (430, True),
    "mob-labels": (445, False),
    "mob-nodes": (450, True),
    "mob-playback": (460, True),
}

CSS = """
.leaflet-container.mob-map { background: #c9dff0; font-family: "Helvetica Neue", Arial, sans-serif; }
.mob-box { position: fixed; z-index: 1100; background: rgba(255,255,255,0.94); border-radius: 5px;
  box-shadow: 0 1px 5px rgba(0,0,0,0.35); font: 12px/1.35 "Helvetica Neue", Arial, sans-serif; color: #222; }
.mob-title { top: 10px; left: 50%; transform: translateX(-50%); padding: 6px 14px; text-align: center;
  max-width: 46%; }
.mob-title-main { font-size: 17px; font-weight: bold; }
.mob-title-sub { font-size: 11.5px; color: #555; }
.mob-legend { bottom: 50px; left: 10px; padding: 6px 9px; max-height: calc(100vh - 300px); overflow-y: auto;
  max-width: 265px; font-size: 11.5px; line-height: 1.2; }
.mob-legend h4 { margin: 5px 0 1px 0; font-size: 11.5px; }
.mob-legend h4:first-child { margin-top: 0; }
.mob-legend-row { display: flex; align-items: center; gap: 5px; white-space: nowrap; height: 15px; }
.mob-legend-row svg { flex: none; }
.mob-legend-note { margin-top: 4px; font-size: 10.5px; color: #444; white-space: normal; line-height: 1.25; }
.mob-tiers { top: 86px; left: 10px; padding: 8px 10px; }
.mob-tiers h4 { margin: 0 0 4px 0; font-size: 13px; }
.mob-tiers table, .mob-popup table { border-collapse: collapse; }
.mob-tiers td, .mob-tiers th { padding: 2px 7px; border-bottom: 1px solid #ddd; text-align: right; }
.mob-tiers th { background: #f1f3f5; }
.mob-tiers td:first-child, .mob-tiers th:first-child { text-align: left; }
.mob-met { color: #2b8a3e; font-weight: bold; }
.mob-late { color: #e67700; font-weight: bold; }
.mob-short { color: #c92a2a; font-weight: bold; }
.mob-popup { max-height: 320px; overflow-y: auto; }
.mob-popup td { padding: 1px 6px 1px 0; vertical-align: top; }
.mob-popup td:first-child { color: #555; white-space: nowrap; }
.mob-popup ul { margin: 2px 0; padding-left: 16px; }
.leaflet-tooltip.mob-label { background: rgba(255,255,255,0.82); border: none; box-shadow: none;
  padding: 0 3px; font-size: 11.5px; font-weight: bold; color: #222; }
.leaflet-tooltip.mob-label::before { display: none; }
.mob-country { color: #7a7266; font: bold 13px/1 "Helvetica Neue", Arial, sans-serif; letter-spacing: 3px;
  text-align: center; white-space: nowrap; pointer-events: none; }
.leaflet-container.mob-map .leaflet-control-attribution { font-size: 10px; max-width: 55vw; }
.mob-playback { bottom: 58px; left: 295px; padding: 6px 10px;
  display: flex; align-items: center; gap: 6px; }
.mob-playback button { font-size: 13px; min-width: 32px; height: 26px; cursor: pointer; white-space: nowrap; }
.mob-playback button.mob-pb-play { min-width: 78px; }
.mob-playback input[type=range] { width: 220px; }
.mob-pb-time { font-weight: bold; font-size: 14px; min-width: 96px; text-align: center; }
.mob-pb-count { color: #555; min-width: 140px; font-size: 11.5px; }
"""


# Labels carry the zoom from which they show (class mob-minz-<zoom x 100>).
LABEL_JS = """(function () {
  var map = __MAP__;
  map.getContainer().classList.add('mob-map');
  function update() {
    var z = map.getZoom();
    map.getContainer().querySelectorAll('.mob-label').forEach(function (el) {
      var m = /mob-minz-(\\d+)/.exec(el.className);
      el.style.display = (m && parseInt(m[1], 10) / 100 > z + 1e-6) ? 'none' : '';
    });
  }
  map.on('zoomend overlayadd', update);
  setTimeout(update, 0);
})();"""


# -- escaping ----------------------------------------------------------------------
def _esc(value: Any) -> str:
    """Data text made safe for HTML and for folium's JavaScript template strings.

    ``html.escape`` plus the backtick, ``$`` and backslash, which would end or
    interpolate a JS template literal (folium puts tooltips in backticks).
    """
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return (
        html.escape(str(value), quote=True)
        .replace("`", "&#96;")
        .replace("$", "&#36;")
        .replace("\\", "&#92;")
    )


def _js_json(obj: Any) -> str:
    """JSON for inline <script>: no ``</script>``, ``<!--`` or ``&`` can end it."""
    return (
        json.dumps(obj, ensure_ascii=True, separators=(",", ":"), allow_nan=False)
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
    )


def _fmt_int(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{round(float(value)):,}"


def _fmt_num(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{float(value):,.{digits}f}"


def _rows(pairs: Iterable[tuple[str, Any]]) -> str:
    """Two-column table; labels are ours, values are data (escaped here)."""
    out = []
    for label, value in pairs:
        if value is None or value == "":
            continue
        out.append(f"<tr><td>{_esc(label)}</td><td>{_esc(value)}</td></tr>")
    return "<table>" + "".join(out) + "</table>"


# -- vendored assets -----------------------------------------------------------------
@cache
def _asset_text(name: str) -> str:
    text = (DATA_DIR / name).read_text(encoding="utf-8")
    # no source-map lookups for files that are not there
    return re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)


@cache
def _png_data_uri(name: str) -> str:
    return "data:image/png;base64," + base64.b64encode((DATA_DIR / name).read_bytes()).decode(
        "ascii"
    )


@lru_cache(maxsize=1)
def _leaflet_css() -> str:
    css = _asset_text("leaflet-1.9.3.css")

    def repl(match: re.Match[str]) -> str:
        return f'url("{_png_data_uri("leaflet-1.9.3-" + match.group(2))}")'

    return re.sub(r"url\((['\"]?)images/([\w.-]+\.png)\1\)", repl, css)


@lru_cache(maxsize=1)
def _assets_html() -> str:
    """Every script and style the maps need, inline; tagged ``data-vendored``."""
    icon_js = (
        "L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({"
        f"iconUrl:{_js_json(_png_data_uri('leaflet-1.9.3-marker-icon.png'))},"
        f"iconRetinaUrl:{_js_json(_png_data_uri('leaflet-1.9.3-marker-icon-2x.png'))},"
        f"shadowUrl:{_js_json(_png_data_uri('leaflet-1.9.3-marker-shadow.png'))}}});"
    )
    parts = [
        '<link rel="icon" href="data:,">',
        f'<style data-vendored="leaflet 1.9.3">\n{_leaflet_css()}\n</style>',
        f'<script data-vendored="leaflet 1.9.3">\n{_asset_text("leaflet-1.9.3.min.js")}\n</script>',
        f'<script data-vendored="jquery 3.7.1">\n{_asset_text("jquery-3.7.1.min.js")}\n</script>',
        f'<script data-vendored="leaflet-polylineoffset 1.1.1">\n{_asset_text("leaflet.polylineoffset-1.1.1.js")}\n</script>',
        f"<script>{icon_js}</script>",
        f"<style>{CSS}</style>",
    ]
    return "\n".join(parts)


@lru_cache(maxsize=1)
def _basemap() -> dict[str, Any]:
    return json.loads(_asset_text(BASEMAP_FILE))


_EXTERNAL_RE = re.compile(
    r"<(?:script|link|img|iframe|source|audio|video|embed|object|image|use)\b[^>]*?"
    r"\b(?:src|href|data|xlink:href)\s*=\s*[\"']?\s*((?:https?:)?//[^\"'\s>]*)",
    re.IGNORECASE,
)
_CSS_EXTERNAL_RE = re.compile(
    r"(?:url\(\s*[\"']?|@import\s+[\"']?)((?:https?:)?//[^\"')\s]*)", re.IGNORECASE
)


def external_references(page: str) -> list[str]:
    """URLs a saved page would fetch from the network (scripts, styles, images)."""
    return sorted(set(_EXTERNAL_RE.findall(page)) | set(_CSS_EXTERNAL_RE.findall(page)))


# -- map plumbing -------------------------------------------------------------------
class _Raw(Element):
    """Verbatim HTML (not a Jinja template: vendored code may contain ``{{``)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self._text = text

    def render(self, **kwargs: Any) -> str:
        return self._text


class _Script(MacroElement):
    """JavaScript run after its parent's own script (the code is data, not a template)."""

    _template = Template("{% macro script(this, kwargs) %}\n{{ this.code }}\n{% endmacro %}")

    def __init__(self, code: str) -> None:
        super().__init__()
        self._name = "MobilityScript"
        self.code = code


@dataclass
class _LegendSection:
    title: str
    rows: list[str] = field(default_factory=list)
    note: str = ""


class _Legend(Element):
    """The legend box; sections are added by each function and rendered at save."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[_LegendSection] = []
        self.notes: list[str] = []

    def render(self, **kwargs: Any) -> str:
        parts = ['<div class="mob-box mob-legend" id="mob-legend">']
        for sec in self.sections:
            if not sec.rows and not sec.note:
                continue
            parts.append(f"<h4>{sec.title}</h4>")
            parts.extend(sec.rows)
            if sec.note:
                parts.append(f'<div class="mob-legend-note">{sec.note}</div>')
        for note in self.notes:
            parts.append(f'<div class="mob-legend-note">{note}</div>')
        parts.append("</div>")
        return "".join(parts)


@dataclass
class _State:
    legend: _Legend
    title: _Raw | None = None


def _state(m: folium.Map) -> _State:
    """The map's offline assets, panes and legend (set up once per map)."""
    st = getattr(m, "_mobility_state", None)
    if st is not None:
        return st
    root = m.get_root()
    # folium would link Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers
    # from CDNs: the map uses none of those links, the inline copies replace them.
    m.default_js = []
    m.default_css = []
    root.header.add_child(_Raw(_assets_html()), name="mobility_assets")
    for name, (z, pointer) in PANES.items():
        m.add_child(folium.map.CustomPane(name, z_index=z, pointer_events=pointer))
    legend = _Legend()
    root.html.add_child(legend, name="mobility_legend")
    m._mobility_state = _State(legend=legend)  # type: ignore[attr-defined]
    m.add_child(_Script(LABEL_JS.replace("__MAP__", m.get_name())))
    return m._mobility_state  # type: ignore[attr-defined]


def _finalise(m: folium.Map) -> None:
    """Keep the layer control last, so it sees (and is defined after) every layer."""
    controls = [k for k, v in m._children.items() if isinstance(v, folium.LayerControl)]
    if not controls:
        m.add_child(
            folium.LayerControl(position="topright", collapsed=False), name="mobility_layers"
        )
        return
    for key in controls:
        m._children.move_to_end(key)


def _swatch_line(
    colour: str, weight: float, dash: str | None = None, halo: str | None = None
) -> str:
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    halo_line = (
        f'<line x1="1" y1="7" x2="35" y2="7" stroke="{halo}" stroke-width="11" stroke-opacity="0.4"/>'
        if halo
        else ""
    )
    return (
        f'<svg width="36" height="14" aria-hidden="true">{halo_line}'
        f'<line x1="1" y1="7" x2="35" y2="7" stroke="{colour}" stroke-width="{min(weight, 12)}"{dash_attr}/></svg>'
    )


def _swatch_circle(fill: str, stroke: str, radius: float, weight: float = 2) -> str:
    r = min(radius, 6)
    return (
        f'<svg width="36" height="15" aria-hidden="true"><circle cx="18" cy="7.5" r="{r}" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="{weight}"/></svg>'
    )


def _legend_row(swatch: str, label: str) -> str:
    return f'<div class="mob-legend-row">{swatch}<span>{label}</span></div>'


def _feature(coords: Any, props: dict[str, Any], kind: str = "LineString") -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": {"type": kind, "coordinates": coords},
        "properties": props,
    }


_ON_EACH_FEATURE = folium.JsCode(
    """function (feature, layer) {
        var p = feature.properties || {};
        if (p.pane) { layer.options.pane = p.pane; }
        if (p.label) {
            var off = {right: [7, 0], left: [-7, 0], top: [0, -7], bottom: [0, 7]}[p.label_dir || 'right'];
            layer.bindTooltip(p.label, {permanent: true, direction: p.label_dir || 'right', offset: off, pane: 'mob-labels',
                                        className: 'mob-label mob-minz-' + (p.label_minz || 0)});
        } else if (p.tooltip) {
            layer.bindTooltip(p.tooltip, {sticky: true});
        }
        if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 400}); }
    }"""
)


def _geojson(
    features: list[dict[str, Any]],
    *,
    point: dict[str, Any] | None = None,
    pane: str | None = None,
    interactive: bool = True,
) -> folium.GeoJson:
    """A GeoJson layer styled by each feature's ``style`` property (data pre-escaped)."""
    kwargs: dict[str, Any] = {}
    if pane:
        kwargs["pane"] = pane
    if not interactive:
        kwargs["interactive"] = False
    marker = None
    if point is not None:
        marker = folium.CircleMarker(**point)
    if pane:  # folium drops a marker's pane option: onEachFeature sets it before the layer is added
        features = [dict(f, properties=dict(f["properties"], pane=pane)) for f in features]
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        control=False,
        marker=marker,
        on_each_feature=_ON_EACH_FEATURE if interactive else None,
        **kwargs,
    )


# -- network geometry ------------------------------------------------------------
@dataclass
class _Line:
    section: str
    u: str
    v: str
    coords: list[tuple[float, float]]  # lon, lat
    attrs: dict[str, Any]
    mode: str  # rail / road / rb-future
    schematic: bool
    offset: float = 0.0


def _sections(graph: Any) -> dict[str, tuple[str, str, dict[str, Any]]]:
    """One directed edge per two-way section id (the first found)."""
    out: dict[str, tuple[str, str, dict[str, Any]]] = {}
    for u, v, d in graph.edges(data=True):
        sec = d.get("section") or f"{u}-{v}"
        out.setdefault(sec, (u, v, d))
    return out


def _coords(
    d: dict[str, Any], u: str, v: str, network: Network | None = None
) -> list[tuple[float, float]]:
    geom = d.get("geometry")
    if geom is not None and hasattr(geom, "coords"):
        return [(float(x), float(y)) for x, y, *_ in geom.coords]
    if network is not None:
        a, b = network.node(u), network.node(v)
        return [(a["x"], a["y"]), (b["x"], b["y"])]
    return []


def _future_rail_baltica(network: Network) -> list[tuple[str, str, dict[str, Any]]]:
    """Rail Baltica sections of the embedded network not yet open in ``network.year``.

    A network loaded for one year has dropped them; the all-years embedded
    data still has them, so the map can show what is planned or being built.
    """
    if network.year is None:
        return []
    try:
        from mobility.network.builtin import available_networks, builtin_network

        if network.name not in available_networks():
            return []
        full = builtin_network(network.name)
    except Exception:  # the map works without them
        return []
    have = {d.get("section") for _, _, d in network.rail.edges(data=True)}
    out = []
    for sec, (u, v, d) in _sections(full.rail).items():
        if not d.get("rail_baltica") or sec in have:
            continue
        if _rb_status(d, network.year) == "open":
            continue
        d = dict(d)
        d["_from_embedded"] = True
        d["_ux"] = (full.node(u)["x"], full.node(u)["y"], full.node(v)["x"], full.node(v)["y"])
        out.append((u, v, d))
    return out


def _rb_status(d: dict[str, Any], year: int | None) -> str:
    """``open``, ``construction`` or ``planned`` in ``year`` (data ``status`` when no year)."""
    status = str(d.get("status") or "").lower()
    if year is None:
        return status if status in ("open", "construction", "planned") else "open"
    opens, closes = d.get("opens"), d.get("closes")
    if (opens is None or opens <= year) and (closes is None or year < closes):
        return "open"
    return "construction" if status == "construction" else "planned"


def _section_lines(network: Network, kind: str) -> list[_Line]:
    """The sections of the rail (by gauge) or road graph as drawable lines."""
    graph = network.rail if kind == "rail" else network.road
    key = (lambda kv: (str(kv[1][2].get("gauge")), kv[0])) if kind == "rail" else (lambda kv: kv[0])
    return [
        _Line(
            sec, u, v, _coords(d, u, v, network), d, kind, d.get("geometry_source") == "schematic"
        )
        for sec, (u, v, d) in sorted(_sections(graph).items(), key=key)
    ]


def _layout(network: Network) -> list[_Line]:
    """Every drawable section, with pixel offsets that separate lines sharing two nodes."""
    lines: list[_Line] = []
    lines.extend(_section_lines(network, "rail"))
    for u, v, d in _future_rail_baltica(network):
        x1, y1, x2, y2 = d["_ux"]
        geom = d.get("geometry")
        coords = (
            [(float(x), float(y)) for x, y, *_ in geom.coords]
            if geom is not None
            else [(x1, y1), (x2, y2)]
        )
        lines.append(
            _Line(
                d["section"], u, v, coords, d, "rb-future", d.get("geometry_source") == "schematic"
            )
        )
    lines.extend(_section_lines(network, "road"))
    groups: dict[frozenset[str], list[_Line]] = {}
    for ln in lines:
        if ln.schematic and len(ln.coords) >= 2:
            if (ln.u, ln.v) != tuple(sorted((ln.u, ln.v))):  # one orientation per node pair
                ln.coords = ln.coords[::-1]
                ln.u, ln.v = ln.v, ln.u
            groups.setdefault(frozenset((ln.u, ln.v)), []).append(ln)
    for group in groups.values():
        n = len(group)
        for i, ln in enumerate(group):
            ln.offset = (i - (n - 1) / 2) * OFFSET_PX
    return lines


def _km(d: dict[str, Any]) -> str:
    length = d.get("length")
    if length is None:
        return ""
    src = d.get("length_source") or ""
    return f"{length / 1000:,.0f} km" + (f" ({src})" if src else "")


def _rail_text(ln: _Line, year: int | None) -> tuple[str, str]:
    d = ln.attrs
    gauge = str(d.get("gauge") or "?")
    tracks = d.get("tracks")
    track_txt = {1: "single track", 2: "double track"}.get(
        tracks, f"{tracks} tracks" if tracks else "tracks unknown"
    )
    elec = {True: "electrified", False: "not electrified"}.get(
        d.get("electrified"), "electrification unknown"
    )
    speed = f"{d['maxspeed']:.0f} km/h" if d.get("maxspeed") else "speed unknown"
    status = _rb_status(d, year) if d.get("rail_baltica") or ln.mode == "rb-future" else None
    head = "Rail Baltica · " if d.get("rail_baltica") else ""
    lines = [
        f"<b>{_esc(d.get('name') or ln.section)}</b>",
        f"{head}gauge {_esc(gauge)} mm · {track_txt} · {elec} · {speed}",
        _esc(_km(d)),
    ]
    if status and status != "open":
        lines.append(
            f"<b>{'under construction' if status == 'construction' else 'planned'}</b>, opens {_esc(d.get('opens') or '?')}"
            + (f" – not usable in {year}" if year else "")
        )
    return _texts(
        ln,
        lines,
        [
            ("Section", ln.section),
            ("Name", d.get("name")),
            ("Line", d.get("line")),
            ("Gauge", f"{gauge} mm"),
            ("Tracks", tracks if tracks is not None else "unknown"),
            ("Electrified", {True: "yes", False: "no"}.get(d.get("electrified"), "unknown")),
            ("Line speed", speed),
            ("Trains per day", d.get("trains_per_day")),
            (
                "Max train length",
                f"{d['max_train_length_m']:.0f} m" if d.get("max_train_length_m") else None,
            ),
            ("Length", _km(d)),
            ("Opens", d.get("opens")),
            ("Closes", d.get("closes")),
            ("Status (data)", d.get("status")),
            ("Geometry", d.get("geometry_source")),
            ("Source", d.get("source")),
            ("Confidence", d.get("confidence")),
            ("Note", "from the embedded all-years data" if d.get("_from_embedded") else None),
        ],
    )


def _texts(ln: _Line, lines: list[str], rows: list[tuple[str, Any]]) -> tuple[str, str]:
    """Tooltip (summary lines, schematic flag) and popup (a table of ``rows``) of a drawn section."""
    if ln.schematic:
        lines.append("<i>schematic line (straight between nodes)</i>")
    return "<br>".join(x for x in lines if x), '<div class="mob-popup">' + _rows(rows) + "</div>"


def _road_text(ln: _Line) -> tuple[str, str]:
    d = ln.attrs
    hw = d.get("highway") or "road"
    label = ROAD_STYLE.get(hw, ("", 0, hw))[2]
    ref = d.get("ref") or ""
    mlc = d.get("mlc")
    mlc_txt = f"MLC {mlc:.0f}" if mlc is not None else "MLC unknown (not guessed)"
    mw = d.get("maxweight")
    mw_txt = f"max weight {mw:.0f} t" if mw is not None else "no weight limit known"
    lanes = f"{d['lanes']} lanes/direction" if d.get("lanes") else "lanes unknown"
    speed = f"{d['maxspeed']:.0f} km/h" if d.get("maxspeed") else "speed unknown"
    lines = [
        f"<b>{_esc(ref + ' ' if ref else '')}{_esc(d.get('name') or ln.section)}</b>",
        f"{_esc(label)} · {lanes} · {speed}",
        f"<b>{_esc(mlc_txt)}</b> · <b>{_esc(mw_txt)}</b>"
        + (" · bridge" if d.get("bridge") else ""),
        _esc(_km(d)),
    ]
    if d.get("border_crossing"):
        lines.append("crosses a border")
    return _texts(
        ln,
        lines,
        [
            ("Section", ln.section),
            ("Road", f"{ref} {d.get('name') or ''}".strip()),
            ("Class", f"{label} (highway={hw})"),
            ("Lanes", d.get("lanes")),
            ("Speed", speed),
            ("MLC", mlc_txt),
            (
                "Max weight",
                mw_txt + (f" ({d['maxweight_source']})" if d.get("maxweight_source") else ""),
            ),
            ("Bridge", "yes" if d.get("bridge") else None),
            ("Length", _km(d)),
            ("Opens", d.get("opens")),
            ("Closes", d.get("closes")),
            ("Geometry", d.get("geometry_source")),
            ("Source", d.get("source")),
            ("Confidence", d.get("confidence")),
        ],
    )


def _node_group(network: Network, node: str, gauge_terminals: set[str]) -> str:
    kind = network.node(node).get("kind", "")
    if node in gauge_terminals:
        return "gauge_terminal"
    if kind in ("port", "border_crossing"):
        return kind
    if kind == "railhead" or network.terminals_at(node):
        return "railhead"
    if kind == "base":
        return "base"
    return "place"


def _short_name(name: str) -> str:
    return re.split(r" \(|,", name, maxsplit=1)[0].strip()


def _node_popup(network: Network, node: str, group: str) -> tuple[str, str]:
    d = network.node(node)
    name = d.get("name") or node
    kind = KIND_LABEL.get(d.get("kind", ""), d.get("kind", ""))
    head = f"<b>{_esc(name)}</b><br>{_esc(kind)}" + (
        f" · {_esc(d.get('country'))}" if d.get("country") else ""
    )
    if group == "gauge_terminal" and d.get("kind") != "gauge_terminal":
        head += " · gauge-change terminal"
    terms = network.terminals_at(node)
    items = []
    for t in terms:
        bits = [METHOD_LABEL.get(t.method, t.method)]
        if t.ramps is not None:
            bits.append(f"ramps/machines: {t.ramps}")
        if t.description:
            bits.append(t.description)
        if t.rate:
            bits.append(f"rate: {t.rate}")
        if t.opens:
            bits.append(f"opens {t.opens}")
        if t.source:
            bits.append(f"source: {t.source}")
        items.append("<li>" + _esc(" – ".join(str(b) for b in bits)) + "</li>")
    gauges = network.gauges_at(node)
    body = [head]
    if gauges:
        body.append("Rail gauges here: " + _esc(", ".join(f"{g} mm" for g in sorted(gauges))))
    if items:
        body.append("Terminals:<ul>" + "".join(items) + "</ul>")
    src = d.get("source")
    if src:
        body.append(
            f"Position source: {_esc(src)}"
            + (f" (confidence {_esc(d.get('confidence'))})" if d.get("confidence") else "")
        )
    body.append(f"<span style='color:#888'>id {_esc(node)}</span>")
    tooltip = head + (f"<br>{len(terms)} terminal(s)" if terms else "")
    return tooltip, '<div class="mob-popup">' + "".join(f"<div>{b}</div>" for b in body) + "</div>"


LABEL_ZOOMS = (5.0, 5.5, 6.0, 6.5, 7.0, 7.5, 8.0, 9.0, 10.0)
LABEL_PRIORITY = {
    "gauge_terminal": 0,
    "port": 2,
    "border_crossing": 2,
    "railhead": 3,
    "base": 3,
    "place": 4,
}


def _mercator_px(lon: float, lat: float, zoom: float) -> tuple[float, float]:
    size = 256.0 * 2.0**zoom
    lat = max(min(lat, 85.0), -85.0)
    y = (1 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / math.pi) / 2
    return size * (lon + 180.0) / 360.0, size * y


def _label_box(x: float, y: float, text: str, direction: str) -> tuple[float, float, float, float]:
    w, h, gap = 6.6 * len(text) + 6, 15.0, 13.0
    if direction == "right":
        return (x + gap, y - h / 2, x + gap + w, y + h / 2)
    if direction == "left":
        return (x - gap - w, y - h / 2, x - gap, y + h / 2)
    if direction == "top":
        return (x - w / 2, y - gap - h, x + w / 2, y - gap)
    return (x - w / 2, y + gap, x + w / 2, y + gap + h)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _place_labels(network: Network, groups: dict[str, str]) -> dict[str, tuple[str, str, float]]:
    """Name labels: text, side and the zoom from which each shows.

    Gauge-change terminals are always labelled, on the side that hits the
    fewest markers and labels over all zooms. The others go greedily, most
    important first (hubs, then ports and border crossings, railheads, bases,
    the rest): each takes the lowest zoom (and a side) at which, at that zoom
    and every closer one, it overlaps no label already shown and no other
    node's marker (hubs may run under lesser markers in the
    overview, below zoom 7). The map hides each label below its zoom.
    """

    def degree(n: str) -> int:
        return (network.rail.degree(n) if n in network.rail else 0) + (
            network.road.degree(n) if n in network.road else 0
        )

    def rank(n: str) -> tuple[int, int, str]:
        pr = LABEL_PRIORITY.get(groups[n], 5)
        if degree(n) >= 8:
            pr = min(pr, 1)
        return (pr, -degree(n), n)

    nodes = sorted(groups, key=rank)
    ranks = {n: rank(n)[0] for n in nodes}
    px = {
        (n, z): _mercator_px(network.node(n)["x"], network.node(n)["y"], z)
        for n in nodes
        for z in LABEL_ZOOMS
    }
    placed: list[tuple[str, str, float, str]] = []  # node, side, minz, text
    sides = ("right", "left", "top", "bottom")

    def hits(node: str, text: str, side: str, zz: float, lenient: bool) -> int:
        x, y = px[node, zz]
        box = _label_box(x, y, text, side)
        count = 0
        for other in nodes:
            if other == node or (lenient and zz < 7.0 and ranks[other] > ranks[node]):
                continue
            ox, oy = px[other, zz]
            r = NODE_STYLE[groups[other]][2] + 1
            count += (1 if groups[other] == "place" else 4) * _overlap(
                box, (ox - r, oy - r, ox + r, oy + r)
            )
        for pnode, pside, pminz, ptext in placed:
            if pminz <= zz:
                qx, qy = px[pnode, zz]
                count += 3 * _overlap(box, _label_box(qx, qy, ptext, pside))
        return count

    out: dict[str, tuple[str, str, float]] = {}
    for node in nodes:
        text = _short_name(str(network.node(node).get("name") or node))
        if ranks[node] == 0:
            side = min(
                sides, key=lambda sd: sum(hits(node, text, sd, zz, False) for zz in LABEL_ZOOMS)
            )
            choice = (side, LABEL_ZOOMS[0])
        else:
            choice = next(
                (
                    (side, z)
                    for i, z in enumerate(LABEL_ZOOMS)
                    for side in sides
                    if all(
                        hits(node, text, side, zz, ranks[node] <= 1) == 0 for zz in LABEL_ZOOMS[i:]
                    )
                ),
                ("right", LABEL_ZOOMS[-1]),
            )
        placed.append((node, choice[0], choice[1], text))
        out[node] = (text, choice[0], choice[1])
    return out


def _bounds(network: Network) -> list[list[float]]:
    xs = [network.node(n)["x"] for n in network.node_ids]
    ys = [network.node(n)["y"] for n in network.node_ids]
    if not xs:
        return [[51.0, 13.0], [60.5, 30.0]]
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def _country_labels(bounds: list[list[float]]) -> list[tuple[str, float, float]]:
    from shapely.geometry import box, shape

    (s, w), (n, e) = bounds
    view = box(w - 0.3, s - 0.3, e + 0.3, n + 0.3)
    out = []
    for feat in _basemap()["features"]:
        geom = shape(feat["geometry"])
        parts = list(getattr(geom, "geoms", [geom]))
        for part in parts:
            inside = part.intersection(view)
            if inside.is_empty or inside.area < 0.8:
                continue
            pt = inside.representative_point()
            out.append((str(feat["properties"].get("name", "")).upper(), pt.y, pt.x))
    return out


# -- the network map ------------------------------------------------------------
def network_map(network: Network, *, title: str = "", tiles: bool = False) -> folium.Map:
    """A map of ``network`` a commander reads at a glance, fully usable offline.

    Layers (switchable): rail by gauge, Rail Baltica by status in the network's
    year (sections not yet open come from the embedded all-years data), roads by
    class, gauge-change terminals, railheads/ramps, ports, border crossings and
    other places. Lines are drawn from each edge's ``geometry``; a legend says
    which are schematic. ``tiles=True`` adds OpenStreetMap tiles (needs the
    internet); by default the base layer is the shipped Natural Earth data.
    """
    year = network.year
    bounds = _bounds(network)
    centre = [(bounds[0][0] + bounds[1][0]) / 2, (bounds[0][1] + bounds[1][1]) / 2]
    (s, w), (n, e) = BASEMAP_BOUNDS
    m = folium.Map(
        location=centre,
        zoom_start=6,
        tiles=None,
        control_scale=True,
        zoom_snap=0.25,
        font_size="0.75rem",
        min_zoom=MIN_ZOOM,
        max_bounds=True,
        min_lat=s,
        max_lat=n,
        min_lon=w,
        max_lon=e,
    )
    st = _state(m)
    legend = st.legend

    # base layer -------------------------------------------------------------------
    if tiles:
        # plain-text attribution: no link in the page (the tile images are the only online part)
        folium.TileLayer(
            "OpenStreetMap", name="OpenStreetMap (online)", attr="© OpenStreetMap contributors"
        ).add_to(m)
    basemap = folium.FeatureGroup(name="Borders (Natural Earth)", control=False)
    land_style = {
        "fillColor": "#f3efe6",
        "fillOpacity": 0.0 if tiles else 1.0,
        "color": "#8d8273",
        "weight": 1.2,
        "opacity": 0.9,
    }
    feats = [dict(f, properties={"style": land_style}) for f in _basemap()["features"]]
    _geojson(feats, pane="mob-basemap", interactive=False).add_to(basemap)
    for name, lat, lon in _country_labels(bounds):
        folium.Marker(
            [lat, lon],
            icon=folium.DivIcon(
                html=f'<div class="mob-country">{_esc(name)}</div>',
                icon_size=(160, 14),
                icon_anchor=(80, 7),
            ),
            interactive=False,
            keyboard=False,
            pane="mob-basemap",
        ).add_to(basemap)
    basemap.add_to(m)

    lines = _layout(network)
    n_schematic = sum(1 for ln in lines if ln.schematic and ln.mode != "rb-future")
    n_lines = sum(1 for ln in lines if ln.mode != "rb-future")

    # roads, drawn first (under the rail) ----------------------------------------
    road_groups: dict[str, list[dict[str, Any]]] = {}
    for ln in lines:
        if ln.mode != "road":
            continue
        hw = ln.attrs.get("highway") or "secondary"
        colour, weight, _ = ROAD_STYLE.get(hw, ("#999999", 2.0, hw))
        tip, pop = _road_text(ln)
        style = {
            "color": colour,
            "weight": weight,
            "opacity": 0.95,
            "offset": ln.offset,
            "lineCap": "round",
        }
        road_groups.setdefault(hw, []).append(
            _feature(ln.coords, {"style": style, "tooltip": tip, "popup": pop})
        )
    road_rows = []
    for hw in [*ROAD_STYLE, *sorted(set(road_groups) - set(ROAD_STYLE))]:
        if hw not in road_groups:
            continue
        colour, weight, label = ROAD_STYLE.get(hw, ("#999999", 2.0, hw))
        fg = folium.FeatureGroup(name=f"Roads: {label.lower()}")
        _geojson(road_groups[hw]).add_to(fg)
        fg.add_to(m)
        road_rows.append(_legend_row(_swatch_line(colour, weight), _esc(label)))

    # rail by gauge ------------------------------------------------------------------
    rail_groups: dict[str, list[dict[str, Any]]] = {}
    for ln in lines:
        if ln.mode != "rail":
            continue
        gauge = str(ln.attrs.get("gauge") or "")
        key = gauge if gauge in GAUGE_STYLE else "other"
        colour = GAUGE_STYLE.get(key, (OTHER_GAUGE_COLOUR, ""))[0]
        double = (ln.attrs.get("tracks") or 1) >= 2
        tip, pop = _rail_text(ln, year)
        style = {
            "color": colour,
            "weight": 4.0 if double else 2.2,
            "opacity": 1.0,
            "offset": ln.offset,
        }
        rail_groups.setdefault(key, []).append(
            _feature(ln.coords, {"style": style, "tooltip": tip, "popup": pop})
        )
    rail_rows = []
    for key in [*GAUGE_STYLE, "other"]:
        if key not in rail_groups:
            continue
        colour, label = GAUGE_STYLE.get(key, (OTHER_GAUGE_COLOUR, "Rail, other or unknown gauge"))
        fg = folium.FeatureGroup(name=label)
        _geojson(rail_groups[key]).add_to(fg)
        fg.add_to(m)
        rail_rows.append(_legend_row(_swatch_line(colour, 4), _esc(label)))

    # Rail Baltica ---------------------------------------------------------------------
    rb_feats: list[dict[str, Any]] = []
    rb_status_seen: set[str] = set()
    for ln in lines:
        if not (ln.attrs.get("rail_baltica") or ln.mode == "rb-future"):
            continue
        status = _rb_status(ln.attrs, year)
        rb_status_seen.add(status)
        tip, pop = _rail_text(ln, year)
        if status == "open":
            style = {
                "color": RB_COLOUR,
                "weight": 12,
                "opacity": 0.4,
                "offset": ln.offset,
                "lineCap": "round",
            }
        else:
            style = {
                "color": RB_COLOUR,
                "weight": 4,
                "opacity": 1.0,
                "dashArray": RB_DASH[status],
                "offset": ln.offset,
            }
        rb_feats.append(_feature(ln.coords, {"style": style, "tooltip": tip, "popup": pop}))
    yr = f" in {year}" if year else ""
    if rb_feats:
        fg = folium.FeatureGroup(name=f"Rail Baltica (status{yr})")
        _geojson(rb_feats).add_to(fg)
        fg.add_to(m)
    rb_rows = []
    if "open" in rb_status_seen:
        rb_rows.append(_legend_row(_swatch_line("#1f5fbf", 4, halo=RB_COLOUR), f"open{_esc(yr)}"))
    if "construction" in rb_status_seen:
        rb_rows.append(
            _legend_row(
                _swatch_line(RB_COLOUR, 4, RB_DASH["construction"]), f"under construction{_esc(yr)}"
            )
        )
    if "planned" in rb_status_seen:
        rb_rows.append(
            _legend_row(_swatch_line(RB_COLOUR, 4, RB_DASH["planned"]), f"planned{_esc(yr)}")
        )

    # nodes -----------------------------------------------------------------------------
    gts = set(network.gauge_terminals)
    groups = {node: _node_group(network, node, gts) for node in network.node_ids}
    labels = _place_labels(network, groups)
    node_layers: dict[str, folium.FeatureGroup] = {}
    node_rows = []
    for group in ["place", "base", "railhead", "border_crossing", "port", "gauge_terminal"]:
        nodes = [n for n, g in groups.items() if g == group]
        if not nodes:
            continue
        fill, stroke, radius, label = NODE_STYLE[group]
        feats = []
        for node in nodes:
            d = network.node(node)
            tip, pop = _node_popup(network, node, group)
            props: dict[str, Any] = {
                "style": {
                    "fill": True,
                    "fillColor": fill,
                    "color": stroke,
                    "radius": radius,
                    "weight": 2,
                    "fillOpacity": 1,
                    "opacity": 1,
                },
                "tooltip": tip,
                "popup": pop,
            }
            if node in labels:
                text, direction, minz = labels[node]
                props.update(label=_esc(text), label_dir=direction, label_minz=round(minz * 100))
            feats.append(_feature([d["x"], d["y"]], props, "Point"))
        layer_name = NODE_LAYER[group]
        fg = node_layers.get(layer_name)
        if fg is None:
            fg = node_layers[layer_name] = folium.FeatureGroup(name=layer_name)
        _geojson(feats, point={"radius": radius}, pane="mob-nodes").add_to(fg)
        node_rows.insert(0, _legend_row(_swatch_circle(fill, stroke, radius), _esc(label)))
    for name in [
        "Bases, stations and towns",
        "Railheads and ramps",
        "Border crossings",
        "Ports",
        "Gauge-change terminals",
    ]:
        if name in node_layers:
            node_layers[name].add_to(m)

    # attribution, title, legend ------------------------------------------------------------
    attribution = " | ".join(x for x in (_esc(network.attribution), BASEMAP_ATTRIBUTION) if x)
    m.add_child(
        _Script(
            f"{m.get_name()}.attributionControl.setPrefix('Leaflet');"
            f"{m.get_name()}.attributionControl.addAttribution({_js_json(attribution)});"
        )
    )
    default_title = f"Rail and road network{f' {year}' if year else ''}"
    sub = (
        f"{_esc(network.name)} network · infrastructure {_esc(year) if year else 'all years'} · "
        f"{len(_sections(network.rail))} rail and {len(_sections(network.road))} road sections"
    )
    title_html = (
        '<div class="mob-box mob-title" id="mob-title">'
        f'<div class="mob-title-main">{_esc(title or default_title)}</div>'
        f'<div class="mob-title-sub">{sub}</div></div>'
    )
    st.title = _Raw(title_html)
    m.get_root().html.add_child(st.title, name="mobility_title")

    legend.sections.append(_LegendSection("Rail (thick = double track)", rail_rows))
    legend.sections.append(_LegendSection("Rail Baltica", rb_rows))
    legend.sections.append(_LegendSection("Roads (MLC and weight limits: hover a road)", road_rows))
    legend.sections.append(_LegendSection("Places (click for details)", node_rows))
    if n_schematic:
        which = "All" if n_schematic == n_lines else f"{n_schematic} of {n_lines}"
        legend.notes.append(
            f"<b>Schematic geometry:</b> {which} sections are drawn as straight lines between "
            "their end nodes (no surveyed line geometry); parallel lines are offset to stay visible."
        )
    legend.notes.append(
        "Sources: attribution at the bottom right; click a line or a place for its own source."
    )

    m.fit_bounds(bounds, padding_top_left=(20, 60), padding_bottom_right=(20, 20))
    _finalise(m)
    return m


# -- simulation outputs ------------------------------------------------------------------
def _section_index(network: Network) -> dict[str, _Line]:
    return {ln.section: ln for ln in _layout(network) if ln.mode != "rb-future"}


def _empty_events(events: pd.DataFrame) -> bool:
    return events is None or len(events) == 0


def add_flows(
    m: folium.Map, network: Network, events: pd.DataFrame, *, measure: str = "troops"
) -> None:
    """Draw the volume moved over each section (a "Flows" layer).

    Sums ``troops`` (or ``vehicles``) of every ``enter`` event per section id,
    both directions together; line width is proportional to the volume.
    """
    if measure not in ("troops", "vehicles"):
        raise ValueError(f"measure must be 'troops' or 'vehicles', not {measure!r}")
    st = _state(m)
    index = _section_index(network)
    fg = folium.FeatureGroup(name="Flows")
    totals = pd.DataFrame(columns=["place", "troops", "vehicles", "movers"])
    if not _empty_events(events):
        ev = events[events["event"] == "enter"]
        if len(ev):
            totals = (
                ev.assign(
                    troops=pd.to_numeric(ev["troops"], errors="coerce").fillna(0),
                    vehicles=pd.to_numeric(ev["vehicles"], errors="coerce").fillna(0),
                )
                .groupby("place")
                .agg(
                    troops=("troops", "sum"),
                    vehicles=("vehicles", "sum"),
                    movers=("mover", "nunique"),
                )
                .reset_index()
            )
    totals = totals[totals["place"].isin(index)]
    peak = float(totals[measure].max()) if len(totals) else 0.0
    feats = []
    for row in totals.sort_values(measure).itertuples(index=False):
        ln = index[row.place]
        vol = float(getattr(row, measure))
        weight = 2.0 + 16.0 * (vol / peak if peak > 0 else 0.0)
        name = ln.attrs.get("name") or ln.section
        tip = (
            f"<b>{_esc(name)}</b><br>{_fmt_int(row.troops)} troops · {_fmt_int(row.vehicles)} vehicles"
            f"<br>{_fmt_int(row.movers)} movers (both directions)<br><span style='color:#888'>{_esc(ln.section)}</span>"
        )
        style = {
            "color": FLOW_COLOUR,
            "weight": weight,
            "opacity": 0.75,
            "offset": ln.offset,
            "lineCap": "round",
        }
        feats.append(_feature(ln.coords, {"style": style, "tooltip": tip}))
    _geojson(feats, pane="mob-flows").add_to(fg)
    fg.add_to(m)
    # width = 2 + 16 x volume / peak: the swatches show widths 4 and 12
    rows = (
        [
            _legend_row(_swatch_line(FLOW_COLOUR, 4), f"{_fmt_int(peak / 8)} {measure}"),
            _legend_row(_swatch_line(FLOW_COLOUR, 12), f"{_fmt_int(peak * 10 / 16)} {measure}"),
        ]
        if peak > 0
        else [_legend_row(_swatch_line(FLOW_COLOUR, 3), "no section entered")]
    )
    note = f"most on one section: {_fmt_int(peak)} {measure} (both directions)" if peak > 0 else ""
    st.legend.sections.append(_LegendSection(f"Flows: {measure} moved per section", rows, note))
    _finalise(m)


def add_bottlenecks(m: folium.Map, network: Network, bottlenecks: pd.DataFrame) -> None:
    """Highlight the places of the resources with the longest waits ("Bottlenecks" layer).

    ``bottlenecks`` has columns ``resource, kind, place, capacity, utilisation,
    mean_wait_h, max_wait_h, requests``; the top ones by mean wait are drawn at
    their node or section, with the wait figures in the popups. Those with no
    single place (wagon pools, clearance) are listed in the legend.
    """
    st = _state(m)
    index = _section_index(network)
    fg = folium.FeatureGroup(name="Bottlenecks")
    top = pd.DataFrame()
    if bottlenecks is not None and len(bottlenecks):
        b = bottlenecks.copy()
        for col in ("mean_wait_h", "max_wait_h", "utilisation"):
            b[col] = pd.to_numeric(b.get(col), errors="coerce")
        top = b.sort_values(
            ["mean_wait_h", "utilisation"], ascending=False, na_position="last"
        ).head(TOP_BOTTLENECKS)
    line_feats, point_feats = [], []
    worst = (
        float(top["mean_wait_h"].max()) if len(top) and top["mean_wait_h"].notna().any() else 0.0
    )
    rank = {r: i + 1 for i, r in enumerate(top["resource"])} if len(top) else {}
    for place, rows in top.groupby("place", sort=False) if len(top) else []:
        place = str(place)
        lead = rows.iloc[0]
        table = "".join(
            f"<tr><td>#{rank[r.resource]}</td><td>{_esc(r.resource)}</td><td>{_esc(r.kind)}</td>"
            f"<td>{_fmt_int(r.capacity)}</td><td>{_fmt_num(100 * r.utilisation if pd.notna(r.utilisation) else float('nan'), 0)}%</td>"
            f"<td>{_fmt_num(r.mean_wait_h)}</td><td>{_fmt_num(r.max_wait_h)}</td><td>{_fmt_int(r.requests)}</td></tr>"
            for r in rows.itertuples(index=False)
        )
        popup = (
            f'<div class="mob-popup"><b>{_esc(network.label(place) if network.has_node(place) else place)}</b>'
            "<table><tr><th>rank</th><th>resource</th><th>kind</th><th>capacity</th><th>use</th>"
            f"<th>mean wait h</th><th>max wait h</th><th>requests</th></tr>{table}</table></div>"
        )
        wait = float(lead.mean_wait_h) if pd.notna(lead.mean_wait_h) else 0.0
        tip = (
            f"<b>#{rank[lead.resource]} {_esc(network.label(place) if network.has_node(place) else place)}</b>"
            f"<br>mean wait {_fmt_num(lead.mean_wait_h)} h · max {_fmt_num(lead.max_wait_h)} h<br>{_esc(lead.resource)}"
        )
        scale = wait / worst if worst > 0 else 0.0
        if network.has_node(place):
            d = network.node(place)
            style = {
                "fill": True,
                "radius": 11 + 14 * scale,
                "color": BOTTLENECK_COLOUR,
                "weight": 4,
                "fillColor": BOTTLENECK_COLOUR,
                "fillOpacity": 0.25,
                "opacity": 0.95,
            }
            point_feats.append(
                _feature(
                    [d["x"], d["y"]], {"style": style, "tooltip": tip, "popup": popup}, "Point"
                )
            )
        elif place in index:
            ln = index[place]
            style = {
                "color": BOTTLENECK_COLOUR,
                "weight": 9 + 10 * scale,
                "opacity": 0.55,
                "offset": ln.offset,
                "lineCap": "round",
            }
            line_feats.append(_feature(ln.coords, {"style": style, "tooltip": tip, "popup": popup}))
    unplaced = (
        [
            f"#{rank[r.resource]} {_esc(r.resource)} ({_fmt_num(r.mean_wait_h)} h)"
            for r in top.itertuples(index=False)
            if not (network.has_node(str(r.place)) or str(r.place) in index)
        ]
        if len(top)
        else []
    )
    _geojson(line_feats, pane="mob-bottlenecks").add_to(fg)
    _geojson(point_feats, point={"radius": 12}, pane="mob-bottlenecks").add_to(fg)
    fg.add_to(m)
    rows = [
        _legend_row(
            _swatch_circle("#f8c9c9", BOTTLENECK_COLOUR, 6, 3),
            "waits at a node (larger = longer)",
        ),
        _legend_row(_swatch_line(BOTTLENECK_COLOUR, 8), "waits on a section"),
    ]
    note = (
        "Not at one place (pools, clearance), mean wait: " + ", ".join(unplaced) if unplaced else ""
    )
    st.legend.sections.append(
        _LegendSection(f"Bottlenecks: top {TOP_BOTTLENECKS} by mean wait", rows, note)
    )
    _finalise(m)


# -- playback ------------------------------------------------------------------------------
def _cumulative(coords: Sequence[tuple[float, float]]) -> list[float]:
    out = [0.0]
    for (x1, y1), (x2, y2) in zip(coords[:-1], coords[1:], strict=False):
        k = math.cos(math.radians((y1 + y2) / 2))
        out.append(out[-1] + math.hypot((x2 - x1) * k, y2 - y1))
    return out


def _along(
    coords: Sequence[tuple[float, float]], cum: Sequence[float], frac: float
) -> tuple[float, float]:
    if len(coords) == 1 or cum[-1] <= 0:
        return coords[0]
    target = max(0.0, min(1.0, frac)) * cum[-1]
    for i in range(1, len(cum)):
        if cum[i] >= target:
            seg = cum[i] - cum[i - 1]
            t = (target - cum[i - 1]) / seg if seg > 0 else 0.0
            (x1, y1), (x2, y2) = coords[i - 1], coords[i]
            return (x1 + (x2 - x1) * t, y1 + (y2 - y1) * t)
    return coords[-1]


@dataclass
class _Track:
    """One mover's whereabouts: fixes at nodes and runs along sections."""

    mover: str
    unit: str
    mode: str
    start: float
    arrive: float | None = None
    troops: int = 0
    vehicles: int = 0
    # (t0, t1, coords, cum) for a run; (t, t, [point], [0]) for a fix at a node
    steps: list[tuple[float, float, list[tuple[float, float]], list[float]]] = field(
        default_factory=list
    )
    _t0: list[float] = field(default_factory=list, repr=False)

    def position(self, t: float) -> tuple[float, float] | None:
        """Where the mover is at ``t`` (lon, lat); None before its first event."""
        if t < self.start or not self.steps:
            return None
        k = bisect.bisect_right(self._starts(), t) - 1
        if k < 0:  # before the first fix: at the start of the first step
            return self.steps[0][2][0]
        t0, t1, coords, cum = self.steps[k]
        if t >= t1 or t1 <= t0:
            return coords[-1]
        return _along(coords, cum, (t - t0) / (t1 - t0))

    def _starts(self) -> list[float]:
        if len(self._t0) != len(self.steps):
            self._t0[:] = [step[0] for step in self.steps]
        return self._t0


def _directed_runs(
    network: Network,
) -> dict[str, list[tuple[str, str, list[tuple[float, float]], list[float]]]]:
    """Per section id, its directed edges: (from, to, coords from→to, cumulative lengths)."""
    out: dict[str, list[tuple[str, str, list[tuple[float, float]], list[float]]]] = {}
    for graph in (network.rail, network.road):
        for u, v, d in graph.edges(data=True):
            sec = d.get("section")
            if sec:
                coords = _coords(d, u, v, network)
                out.setdefault(sec, []).append((u, v, coords, _cumulative(coords)))
    return out


def _tracks(network: Network, events: pd.DataFrame) -> list[_Track]:
    runs = _directed_runs(network)
    ev = events[events["mover"].fillna("").astype(str) != ""]
    times = pd.to_numeric(ev["time"], errors="coerce").to_numpy()
    troops = pd.to_numeric(ev["troops"], errors="coerce").fillna(0).to_numpy()
    vehicles = pd.to_numeric(ev["vehicles"], errors="coerce").fillna(0).to_numpy()
    by_mover: dict[str, list[tuple[float, str, str, str, str, float, float]]] = {}
    for row in zip(
        times.tolist(),
        ev["event"].astype(str).tolist(),
        ev["place"].fillna("").astype(str).tolist(),
        ev["unit"].fillna("").astype(str).tolist(),
        ev["mode"].fillna("").astype(str).tolist(),
        troops.tolist(),
        vehicles.tolist(),
        ev["mover"].astype(str).tolist(),
        strict=True,
    ):
        if not math.isnan(row[0]):
            by_mover.setdefault(row[7], []).append(row[:7])
    tracks = []
    for mover in sorted(by_mover):
        recs = sorted(by_mover[mover], key=lambda r: r[0])  # stable: log order at equal times
        modes = [r[4] for r in recs if r[4]]
        tr = _Track(mover, recs[0][3], modes[0] if modes else "", float(recs[0][0]))
        tr.troops = int(max(r[5] for r in recs))
        tr.vehicles = int(max(r[6] for r in recs))
        node: str | None = None
        for i, (t, event, place, *_rest) in enumerate(recs):
            place = str(place or "")
            if event == "enter" and place in runs:
                cands = runs[place]
                choice = next((c for c in cands if c[0] == node), None)
                if choice is None:  # no known start: head for the next node mentioned
                    nxt = next(
                        (
                            str(r[2])
                            for r in recs[i + 1 :]
                            if network.has_node(str(r[2] or ""))
                            or (r[1] == "enter" and str(r[2]) in runs)
                        ),
                        None,
                    )
                    ends = (
                        {nxt}
                        if nxt and network.has_node(nxt)
                        else {e for c in runs.get(nxt or "", []) for e in c[:2]}
                    )
                    choice = next((c for c in cands if c[1] in ends), cands[0])
                t1 = next(
                    (float(r[0]) for r in recs[i + 1 :] if r[1] == "leave" and str(r[2]) == place),
                    None,
                )
                if t1 is None:
                    t1 = next((float(r[0]) for r in recs[i + 1 :]), float(t))
                tr.steps.append((float(t), t1, choice[2], choice[3]))
                node = choice[1]
            elif network.has_node(place) and event != "leave":
                d = network.node(place)
                if (
                    event in ("request", "acquire", "release")
                    and node is not None
                    and place != node
                ):
                    continue  # a resource somewhere else (e.g. a border ahead): not where the mover is
                node = place
                pt = (float(d["x"]), float(d["y"]))
                tr.steps.append((float(t), float(t), [pt], [0.0]))
            if event == "arrive":
                tr.arrive = float(t)
        tracks.append(tr)
    return tracks


def _day_label(t: float) -> str:
    day = int(math.floor(t / 24.0 + 1e-9))
    hours = t - 24.0 * day
    hh = int(math.floor(hours + 1e-9))
    mm = int(round((hours - hh) * 60))
    if mm == 60:
        hh, mm = hh + 1, 0
    return f"D+{day} {hh:02d}:{mm:02d}"


def add_playback(m: folium.Map, network: Network, events: pd.DataFrame) -> None:
    """Mover positions over time, from D+0 to the last arrival, with a time control.

    Positions are taken every 6 h (coarser for long runs, at most 240 frames) and
    at the last arrival. A mover between its ``enter`` and ``leave`` of a
    section is placed along the section's geometry in proportion to the time
    elapsed; otherwise it is at the node of its latest event; after its
    ``arrive`` it stays, grey, at its destination. Movers at the same spot in
    the same state are drawn as one circle, larger with more movers, whose
    tooltip gives their number, troops, vehicles and units. The control
    (bottom) steps, plays and has a slider; trains are black, march units
    orange.
    """
    st = _state(m)
    tracks = _tracks(network, events) if not _empty_events(events) else []
    times = (
        pd.to_numeric(events["time"], errors="coerce")
        if not _empty_events(events)
        else pd.Series(dtype=float)
    )
    arrivals = [tr.arrive for tr in tracks if tr.arrive is not None]
    end = (
        max(arrivals)
        if arrivals
        else (float(times.max()) if len(times) and times.notna().any() else 0.0)
    )
    end = max(end, 0.0)
    step = PLAYBACK_STEP_H
    while end / step > PLAYBACK_MAX_FRAMES:
        step *= 2
    frame_times = [k * step for k in range(int(math.floor(end / step + 1e-9)) + 1)]
    if frame_times[-1] < end - 1e-9:
        frame_times.append(end)
    # Movers at the same spot in the same state are one circle (bigger with more
    # movers): [lat, lon, state, movers, troops, vehicles, [unit indexes]], state
    # 0 rail / 1 road / 2 other under way, 3 arrived (grey, at the destination).
    units = sorted({tr.unit for tr in tracks})
    unit_index = {u: i for i, u in enumerate(units)}
    dest = [tr.position(tr.arrive) if tr.arrive is not None else None for tr in tracks]
    state_of = [
        PLAYBACK_STATES.index(tr.mode if tr.mode in PLAYBACK_STATES else "") for tr in tracks
    ]
    frames = []
    for t in frame_times:
        spots: dict[tuple[float, float, int], list[Any]] = {}
        for i, tr in enumerate(tracks):
            if t < tr.start:
                continue
            arrived = tr.arrive is not None and t >= tr.arrive
            p = dest[i] if arrived else tr.position(t)
            if p is None:
                continue
            state = 3 if arrived else state_of[i]
            key = (round(p[1], 4), round(p[0], 4), state)
            spot = spots.setdefault(key, [key[0], key[1], state, 0, 0, 0, set()])
            spot[3] += 1
            spot[4] += tr.troops
            spot[5] += tr.vehicles
            spot[6].add(unit_index[tr.unit])
        ordered = sorted(
            spots.values(), key=lambda sp: (sp[2] != 3, sp[0], sp[1])
        )  # arrived drawn first
        frames.append([round(t, 3), _day_label(t), [sp[:6] + [sorted(sp[6])] for sp in ordered]])
    fg = folium.FeatureGroup(name="Playback")
    fg.add_to(m)
    box_id = f"mob-playback-{fg.get_name()}"
    m.get_root().html.add_child(
        _Raw(
            f'<div class="mob-box mob-playback" id="{box_id}" data-frame="0">'
            '<button type="button" class="mob-pb-first" title="Start (D+0)">|&#9664;</button>'
            '<button type="button" class="mob-pb-prev" title="Back one step">&#9664;</button>'
            '<button type="button" class="mob-pb-play" title="Play / pause">&#9654; Play</button>'
            '<button type="button" class="mob-pb-next" title="Forward one step">&#9654;</button>'
            '<button type="button" class="mob-pb-last" title="Last arrival">&#9654;|</button>'
            f'<input type="range" class="mob-pb-slider" min="0" max="{len(frames) - 1}" value="0" step="1" aria-label="time">'
            '<span class="mob-pb-time">D+0 00:00</span><span class="mob-pb-count"></span></div>'
        ),
        name=box_id,
    )
    data = {
        "units": [_esc(u) for u in units],
        "frames": frames,
        "styles": [MOVER_STYLE[x] for x in PLAYBACK_STATES] + [ARRIVED_STYLE],
    }
    code = (
        "(function () {\n"
        f"  var group = {fg.get_name()};\n"
        f"  var data = {_js_json(data)};\n"
        f"  var box = document.getElementById({_js_json(box_id)});\n"
        """  var slider = box.querySelector('.mob-pb-slider'), label = box.querySelector('.mob-pb-time');
  var count = box.querySelector('.mob-pb-count'), play = box.querySelector('.mob-pb-play');
  L.DomEvent.disableClickPropagation(box); L.DomEvent.disableScrollPropagation(box);
  var pool = [], current = 0, timer = null;
  var kinds = [['train', 'trains'], ['march unit', 'march units'], ['mover', 'movers'], ['arrived', 'arrived']];
  function marker(i) {
    while (pool.length <= i) {
      pool.push(L.circleMarker([0, 0], {pane: 'mob-playback', fill: true, fillOpacity: 1, opacity: 1})
        .bindTooltip('', {sticky: true}));
    }
    return pool[i];
  }
  function tip(g) {
    var names = g[6].slice(0, 6).map(function (u) { return data.units[u]; }).join(', ');
    if (g[6].length > 6) { names += ', …'; }
    var what = g[2] === 3 ? (g[3] + (g[3] === 1 ? ' mover' : ' movers') + ' arrived') : (g[3] + ' ' + kinds[g[2]][g[3] === 1 ? 0 : 1]);
    return '<b>' + what + '</b><br>' + g[4].toLocaleString('en') + ' troops · ' + g[5].toLocaleString('en') +
      ' vehicles<br>unit' + (g[6].length === 1 ? ' ' : 's ') + names;
  }
  function show(k) {
    k = Math.max(0, Math.min(data.frames.length - 1, k));
    var frame = data.frames[k], spots = frame[2], moving = 0, arrived = 0;
    spots.forEach(function (g, i) {
      var cm = marker(i), style = data.styles[g[2]];
      cm.setLatLng([g[0], g[1]]);
      cm.setStyle(Object.assign({}, style, {radius: Math.min(18, style.radius + 2.2 * Math.sqrt(g[3] - 1))}));
      cm.setTooltipContent(tip(g));
      if (!group.hasLayer(cm)) { group.addLayer(cm); }
      if (g[2] === 3) { arrived += g[3]; } else { moving += g[3]; }
    });
    for (var i = spots.length; i < pool.length; i++) {
      if (group.hasLayer(pool[i])) { group.removeLayer(pool[i]); }
    }
    current = k; slider.value = k; box.dataset.frame = k;
    label.textContent = frame[1];
    count.textContent = moving + ' under way · ' + arrived + ' arrived';
  }
  function stop() { if (timer) { clearInterval(timer); timer = null; } play.innerHTML = '&#9654; Play'; }
  function start() {
    if (current >= data.frames.length - 1) { show(0); }
    play.innerHTML = '&#10074;&#10074; Pause';
    timer = setInterval(function () { if (current >= data.frames.length - 1) { stop(); } else { show(current + 1); } }, 350);
  }
  play.addEventListener('click', function () { if (timer) { stop(); } else { start(); } });
  box.querySelector('.mob-pb-first').addEventListener('click', function () { stop(); show(0); });
  box.querySelector('.mob-pb-prev').addEventListener('click', function () { stop(); show(current - 1); });
  box.querySelector('.mob-pb-next').addEventListener('click', function () { stop(); show(current + 1); });
  box.querySelector('.mob-pb-last').addEventListener('click', function () { stop(); show(data.frames.length - 1); });
  slider.addEventListener('input', function () { stop(); show(parseInt(slider.value, 10)); });
  show(0);
})();"""
    )
    fg.add_child(_Script(code))
    rows = [
        _legend_row(
            _swatch_circle(MOVER_STYLE["rail"]["fillColor"], "#ffffff", 6, 2), "train (rail mover)"
        ),
        _legend_row(
            _swatch_circle(MOVER_STYLE["road"]["fillColor"], "#111111", 6, 2),
            "march unit (road mover)",
        ),
        _legend_row(
            _swatch_circle(ARRIVED_STYLE["fillColor"], ARRIVED_STYLE["color"], 4, 1), "arrived"
        ),
    ]
    note = (
        f"{len(tracks)} movers, every {step:g} h to {_esc(_day_label(end))}; "
        "a bigger circle is more movers at one spot (hover for units and troops)"
    )
    st.legend.sections.append(
        _LegendSection(
            "Playback",
            rows,
            note=note,
        )
    )
    _finalise(m)


# -- tier table ------------------------------------------------------------------------
def add_tier_table(m: folium.Map, tiers: pd.DataFrame, *, scenario: str, year: int) -> None:
    """A box with the NATO Force Model tier table.

    ``tiers`` has columns ``day, required, closed, met_day`` (one row per tier;
    a ``tier`` column or a non-default index names the rows; an optional
    ``shortfall`` column is used as given). ``met_day`` NaN is a shortfall,
    shown as "short by N"; a tier met after its day shows its shortfall at the
    day and the day it was met.
    """
    _state(m)
    named = "tier" in tiers.columns
    default_index = isinstance(tiers.index, pd.RangeIndex)
    body = []
    for i, (idx, row) in enumerate(tiers.iterrows()):
        name = row["tier"] if named else (f"Tier {i + 1}" if default_index else idx)
        day = row.get("day")
        required = pd.to_numeric(row.get("required"), errors="coerce")
        closed = pd.to_numeric(row.get("closed"), errors="coerce")
        met = pd.to_numeric(row.get("met_day"), errors="coerce")
        short = pd.to_numeric(row.get("shortfall"), errors="coerce")
        if pd.isna(short):
            short = (required if pd.notna(required) else 0) - (closed if pd.notna(closed) else 0)
        short_txt = f'<span class="mob-short">short by {_fmt_int(max(float(short), 0.0))}</span>'
        if pd.isna(met):
            status = short_txt
        elif pd.notna(day) and float(met) > float(day):  # met, but after the tier's day
            status = f'{short_txt} · <span class="mob-late">met D+{_fmt_num(met, 0)}</span>'
        else:
            status = f'<span class="mob-met">met D+{_fmt_num(met, 0)}</span>'
        day_txt = f"D+{_fmt_num(day, 0)}" if pd.notna(pd.to_numeric(day, errors="coerce")) else "–"
        body.append(
            f"<tr><td>{_esc(name)}</td><td>{day_txt}</td><td>{_fmt_int(required)}</td>"
            f"<td>{_fmt_int(closed)}</td><td>{status}</td></tr>"
        )
    box = (
        '<div class="mob-box mob-tiers" id="mob-tiers">'
        f"<h4>NATO Force Model tiers – {_esc(scenario)}, {_esc(year)}</h4>"
        "<table><tr><th>Tier</th><th>By</th><th>Required</th><th>Closed</th><th>Status</th></tr>"
        + "".join(body)
        + "</table></div>"
    )
    m.get_root().html.add_child(_Raw(box), name="mobility_tiers")


# -- saving ----------------------------------------------------------------------------------
def _file_mode(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would give (mkstemp makes 0600 files)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def save_map(m: folium.Map, path: str | os.PathLike[str]) -> Path:
    """Write ``m`` as one self-contained HTML file, atomically (temp file + rename).

    Raises ValueError, writing nothing, if the page would load a script, style
    sheet or image from the internet (an element that brings CDN links, e.g. a
    folium plugin whose assets are not vendored).
    """
    path = Path(path)
    _state(m)
    _finalise(m)
    page = m.get_root().render()
    external = external_references(page)
    if external:
        raise ValueError(
            "the map would load from the internet, which the briefing room does not have: "
            + ", ".join(external[:5])
            + "; vendor the assets in mobility/data and inline them (see mobility.maps)"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _file_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(page)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path
