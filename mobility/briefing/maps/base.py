"""The base map: the Leaflet map with offline assets and panes, basemap, legend, and saving."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import numpy as np
from branca.element import Element
from folium.elements import ElementAddToElement
from folium.folium import Map
from folium.utilities import get_obj_in_upper_tree

from mobility.briefing.maps.assets import (
    BASEMAP_BOUNDS,
    LABEL_JS,
    MAP_GENERATOR,
    PANES,
    _assets_html,
    _basemap,
    _lakes,
    _places,
    _Raw,
    _rivers,
    _Script,
    _urban,
    external_references,
)
from mobility.briefing.maps.style import MIN_ZOOM
from mobility.briefing.maps.text import _esc, _js_json
from mobility.network.model import Network


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
        # collapsed to one line until opened (the map stays free); it scrolls inside the window when open
        parts = ['<details class="mob-box mob-legend" id="mob-legend"><summary>Legend</summary>'
                 '<div class="mob-legend-body">']
        for sec in self.sections:
            if not sec.rows and not sec.note:
                continue
            parts.append(f"<h4>{sec.title}</h4>")
            parts.extend(sec.rows)
            if sec.note:
                parts.append(f'<div class="mob-legend-note">{sec.note}</div>')
        for note in self.notes:
            parts.append(f'<div class="mob-legend-note">{note}</div>')
        parts.append("</div></details>")
        return "".join(parts)


@dataclass
class _State:
    legend: _Legend
    title: _Raw | None = None


FOCUS_JS = """(function () {
  var map = __MAP__, pts = __POINTS__;
  window.mobMap = map; window.mobInterest = pts;
  function rect(sel) {
    var el = document.querySelector(sel);
    if (!el) { return null; }
    var r = el.getBoundingClientRect();
    return (r.width && r.height) ? r : null;
  }
  function fit() {
    var W = window.innerWidth, H = window.innerHeight, pad = 14, l = pad, t = pad, r = pad, b = pad;
    ['#mob-tiers', '.leaflet-control-zoom'].forEach(function (s) { var x = rect(s); if (x) { l = Math.max(l, x.right + pad); } });
    ['#mob-title'].forEach(function (s) { var x = rect(s); if (x) { t = Math.max(t, x.bottom + pad); } });
    ['.leaflet-control-layers', '#mob-legend'].forEach(function (s) { var x = rect(s); if (x) { r = Math.max(r, W - x.left + pad); } });
    ['.mob-playback', '.leaflet-control-attribution', '.leaflet-control-scale'].forEach(function (s) {
      var x = rect(s); if (x) { b = Math.max(b, H - x.top + pad); } });
    if (!pts.length) { return; }
    map.invalidateSize({pan: false});  // the container's size now, not the one cached at creation
    map.fitBounds(L.latLngBounds(pts.map(function (p) { return [p[0], p[1]]; })),
                  {paddingTopLeft: [l, t], paddingBottomRight: [r, b], maxZoom: 9, animate: false});
    document.body.dataset.mobView = [l, t, r, b].join(',');
  }
  if (document.readyState === 'complete') { setTimeout(fit, 0); }
  else { window.addEventListener('load', function () { setTimeout(fit, 0); }); }
})();"""


def set_focus(m: folium.Map, points: Sequence[tuple[float, float, str]]) -> None:
    """Open the map on ``points`` (lat, lon, label), framed in the part of the window no box covers.

    The free part is measured in the browser when the page has loaded (title, tier table,
    zoom, layer control, legend, playback, attribution), so the view suits any screen size.
    A later call replaces an earlier one.
    """
    pts = [[round(float(a), 5), round(float(b), 5), _esc(c)] for a, b, c in points]  # labels as HTML text
    code = FOCUS_JS.replace("__MAP__", m.get_name()).replace("__POINTS__", _js_json(pts))
    m.add_child(_Script(code), name="mobility_focus")


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
            folium.LayerControl(position="topright", collapsed=True), name="mobility_layers"
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
        if (p.label) {  // placed (side, or hidden) by the label script at every zoom
            layer.bindTooltip(p.label, {permanent: true, direction: 'right', offset: [7, 0], pane: 'mob-labels',
                                        className: 'mob-label mob-rank-' + (p.label_rank || 0) +
                                                   (p.label_class ? ' ' + p.label_class : '') +
                                                   (p.label_minz ? ' mob-minz-' + p.label_minz : '')});
        } else if (p.tooltip) {
            layer.bindTooltip(p.tooltip, {sticky: true});
        }
        if (p.popup) { layer.bindPopup(p.popup, {maxWidth: 400}); }
    }"""
)


class _GeoJson(folium.GeoJson):
    """A :class:`folium.GeoJson` whose script (the layer's data) goes into the page as it is.

    branca renders a layer's script macro and then parses the result as a Jinja template once
    more, which on a layer of a few hundred kB of coordinates costs more than all the rest of
    the layer. This is folium's ``GeoJson.render``, ``Layer.render`` and branca's
    ``MacroElement.render`` in one, with the script written raw (the same text: a template
    without tags renders to itself, less one trailing newline). Layers here are styled by each
    feature's properties, never by a ``style_function`` or ``highlight_function``.
    """

    def render(self, **kwargs: Any) -> None:
        if self.style or self.highlight:  # folium's own path when style maps are needed
            super().render(**kwargs)
            return
        self.parent_map = get_obj_in_upper_tree(self, Map)
        if self.show:
            self.add_child(ElementAddToElement(element_name=self.get_name(),
                                               element_parent_name=self._parent.get_name()),
                           name=self.get_name() + "_add")
        figure = self.get_root()
        macros = self._template.module.__dict__
        for part, target in (("header", figure.header), ("html", figure.html)):
            if macros.get(part) is not None:
                target.add_child(Element(macros[part](self, kwargs)), name=self.get_name())
        if macros.get("script") is not None:
            text = str(macros["script"](self, kwargs))
            text = text[:-2] if text.endswith("\r\n") else text[:-1] if text.endswith("\n") else text
            figure.script.add_child(_Raw(text), name=self.get_name())
        for element in self._children.values():
            element.render(**kwargs)


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
    return _GeoJson(
        {"type": "FeatureCollection", "features": features},
        control=False,
        marker=marker,
        on_each_feature=_ON_EACH_FEATURE if interactive else None,
        **kwargs,
    )


# -- network geometry ------------------------------------------------------------


def _bounds(network: Network) -> list[list[float]]:
    xs = [network.node(n)["x"] for n in network.node_ids]
    ys = [network.node(n)["y"] for n in network.node_ids]
    if not xs:
        return [[51.0, 13.0], [60.5, 30.0]]
    return [[min(ys), min(xs)], [max(ys), max(xs)]]


def _country_labels(bounds: list[list[float]]) -> list[tuple[str, list[list[float]]]]:
    """One name per country in view, with up to twelve spots for it (lat, lon), best first.

    The spots lie inside the country's largest part in view: its pole of inaccessibility,
    then points of a grid over it, farthest from the border first. The map takes the
    first spot where the name covers no network label (markers are drawn above it),
    or hides the name.
    """
    from shapely.geometry import Point, box, shape
    from shapely.ops import polylabel

    (s, w), (n, e) = bounds
    view = box(w - 0.3, s - 0.3, e + 0.3, n + 0.3)
    around = box(w - 2.5, s - 1.5, e + 2.5, n + 1.5)  # the opening view shows about this much more
    out = []
    for feat in _basemap()["features"]:
        geom = shape(feat["geometry"])
        parts = [p for p in getattr(geom, "geoms", [geom]) if p.intersection(view).area >= 0.8]
        if not parts:
            continue
        part = max(parts, key=lambda p: p.intersection(view).area).intersection(around)
        polys = list(getattr(part, "geoms", [part]))
        poly = max(polys, key=lambda p: p.area)
        first = polylabel(poly, tolerance=0.05)
        x0, y0, x1, y1 = poly.bounds
        grid = [Point(x0 + (x1 - x0) * (i + 0.5) / 7, y0 + (y1 - y0) * (j + 0.5) / 7) for i in range(7) for j in range(7)]
        inside = sorted((pt for pt in grid if poly.contains(pt)), key=lambda pt: -poly.exterior.distance(pt))
        spots = [first, *inside][:12]
        out.append((str(feat["properties"].get("name", "")).upper(),
                    [[round(pt.y, 3), round(pt.x, 3)] for pt in spots]))
    return out


# -- the network map ------------------------------------------------------------


def base_map(network: Network, *, tiles: bool = False) -> folium.Map:
    """The base of every map: offline Leaflet, panes, legend, Natural Earth basemap, country names.

    The view is framed on ``network``; ``tiles=True`` adds OpenStreetMap tiles
    (needs the internet) under the shipped Natural Earth layer.
    """
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
    _state(m)

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
    if not tiles:  # the tiles have their own towns and rivers
        urban = {"fillColor": "#e2d6c2", "fillOpacity": 1.0, "stroke": False}
        _geojson([dict(f, properties={"style": urban}) for f in _urban()["features"]],
                 pane="mob-basemap", interactive=False).add_to(basemap)
    water = {"fillColor": "#c9dff0", "fillOpacity": 0.0 if tiles else 1.0, "color": "#8fb3d0", "weight": 0.6,
             "opacity": 0.9}
    lakes = [dict(f, properties={"style": water}) for f in _lakes()["features"]]
    _geojson(lakes, pane="mob-basemap", interactive=False).add_to(basemap)
    if not tiles:
        _add_rivers(m, basemap)
    for name, spots in _country_labels(bounds):
        folium.Marker(
            spots[0],
            icon=folium.DivIcon(
                html=f"<div class=\"mob-country\" data-spots='{_js_json(spots)}'><span>{_esc(name)}</span></div>",
                icon_size=(160, 14),
                icon_anchor=(80, 7),
            ),
            interactive=False,
            keyboard=False,
            pane="mob-basemap",
        ).add_to(basemap)
    basemap.add_to(m)
    if not tiles:
        _add_towns(m, network)
    return m


RIVER_MINOR_ZOOM = 7.0
"""The smaller rivers (Natural Earth's European supplement) show from this zoom."""

RIVERS_JS = """(function () {
  var map = __MAP__, minor = __MINOR__;
  function show() { minor.setStyle({opacity: map.getZoom() >= __ZOOM__ ? 0.9 : 0}); }
  map.on('zoomend', show);
  show();
})();"""


def _add_rivers(m: folium.Map, group: folium.FeatureGroup) -> None:
    """Natural Earth rivers under the network: the main ones always, the smaller from a closer zoom."""
    river = {"color": "#6b9bcb", "weight": 1.6, "opacity": 0.9}
    feats = _rivers()["features"]
    main = [dict(f, properties={"style": river}) for f in feats if not f["properties"].get("minor")]
    minor = [dict(f, properties={"style": dict(river, weight=1.1)}) for f in feats if f["properties"].get("minor")]
    _geojson(main, pane="mob-basemap", interactive=False).add_to(group)
    layer = _geojson(minor, pane="mob-basemap", interactive=False)
    layer.add_to(group)
    code = RIVERS_JS.replace("__MAP__", m.get_name()).replace("__MINOR__", layer.get_name())
    layer.add_child(_Script(code.replace("__ZOOM__", str(RIVER_MINOR_ZOOM))))


TOWNS_JS = """(function () {
  var group = __GROUP__, rows = __ROWS__;
  rows.forEach(function (t) {  // name, lat, lon, rank, zoom x 100 from which it is named
    L.circleMarker([t[1], t[2]], {radius: 2.5, pane: 'mob-basemap', interactive: false, mobTown: true,
                                  color: '#fff', weight: 1, fillColor: '#5b5044', fill: true, fillOpacity: 1})
      .bindTooltip(t[0], {permanent: true, direction: 'right', offset: [4, 0], pane: 'mob-labels',
                          className: 'mob-label mob-town mob-rank-' + t[3] + ' mob-minz-' + t[4]})
      .addTo(group);
  });
})();"""
TOWN_RANK0 = 10_000
"""Town labels rank after every network label (the network's ranks are below this)."""
TOWN_NEAR_NODE_KM = 10.0
"""A town this close to a network node is left to the node's own label."""


def _add_towns(m: folium.Map, network: Network) -> None:
    """Natural Earth populated places as small dots with names, in their own layer ("Towns").

    Ranked by Natural Earth's ``scalerank`` then population, each from Natural Earth's
    ``min_zoom``; the label script names a town only where it is clear of the network's
    labels and markers, and hides its dot with it.
    """
    places = _places()
    near = _near_any(np.array([[float(p["lon"]), float(p["lat"])] for p in places]).reshape(-1, 2),
                     np.array([[network.node(n)["x"], network.node(n)["y"]] for n in network.node_ids]).reshape(-1, 2),
                     TOWN_NEAR_NODE_KM * 1000)
    rows = []
    for place, skip in zip(places, near.tolist(), strict=True):
        if skip:
            continue
        lon, lat = float(place["lon"]), float(place["lat"])
        rows.append([_esc(str(place["name"])), lat, lon, TOWN_RANK0 + len(rows), round(float(place["min_zoom"]) * 100)])
    if not rows:
        return
    group = folium.FeatureGroup(name="Towns (Natural Earth)", show=True)
    group.add_to(m)
    code = TOWNS_JS.replace("__GROUP__", group.get_name()).replace("__ROWS__", _js_json(rows))
    group.add_child(_Script(code))


def _near_any(points: np.ndarray, others: np.ndarray, metres: float) -> np.ndarray:
    """Per point (lon, lat rows), whether any of ``others`` lies closer than ``metres`` on the sphere:
    :func:`mobility.network.geometry.haversine_m` (its formula and radius) over all pairs at once."""
    if not len(points) or not len(others):
        return np.zeros(len(points), dtype=bool)
    r = 6_371_008.8
    p1, p2 = np.radians(points[:, 1])[:, None], np.radians(others[:, 1])[None, :]
    dl = np.radians(others[:, 0][None, :] - points[:, 0][:, None])
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return (2 * r * np.arcsin(np.sqrt(a)) < metres).any(axis=1)


def _file_mode(path: Path) -> int:
    """The mode a plain ``open(path, "w")`` would give (mkstemp makes 0600 files)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def is_map_file(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is a map this package wrote (its head carries :data:`MAP_GENERATOR`)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            head = fh.read(4096)
    except OSError:
        return False
    return MAP_GENERATOR in head


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
            + "; vendor the assets in mobility/data and inline them (see mobility.briefing.maps.assets)"
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


