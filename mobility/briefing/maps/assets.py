"""Offline assets of the map: vendored Leaflet, jQuery and plugin, CSS, label script, basemap data."""

from __future__ import annotations

import base64
import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from branca.element import Element, MacroElement
from folium.template import Template

from mobility.briefing.maps.text import _js_json

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
BASEMAP_FILE = "basemap-ne50m.geojson"
BASEMAP_ATTRIBUTION = "Basemap: Natural Earth (public domain)"
BASEMAP_BOUNDS = (
    (46.0, 0.0),
    (64.0, 46.0),
)  # the shipped country outlines' extent: (south, west), (north, east)


MAP_GENERATOR = '<meta name="generator" content="mobility">'
"""In the head of every map :func:`~mobility.briefing.maps.save_map` writes: a later map may replace such a file."""

PANES = {  # name: (z-index, pointer events)
    "mob-basemap": (250, False),
    "mob-flows": (350, True),  # under the network lines: flows read as a highlight
    "mob-bottlenecks": (430, True),
    "mob-labels": (445, False),
    "mob-nodes": (450, True),
    "mob-closures": (455, True),  # sections and places closed, while closed (playback)
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
.mob-legend { top: 56px; right: 10px; padding: 4px 9px; max-width: 290px; font-size: 11.5px; line-height: 1.2; }
.mob-legend summary { cursor: pointer; font-weight: bold; font-size: 12.5px; padding: 2px 0; }
.mob-legend[open] summary { margin-bottom: 4px; }
.mob-legend-body { max-height: calc(100vh - 210px); overflow-y: auto; padding-right: 4px; }
.mob-legend h4 { margin: 5px 0 1px 0; font-size: 11.5px; }
.mob-legend h4:first-child { margin-top: 0; }
.mob-legend-row { display: flex; align-items: center; gap: 5px; white-space: nowrap; height: 15px; }
.mob-legend-row svg { flex: none; }
.mob-legend-note { margin-top: 4px; font-size: 10.5px; color: #444; white-space: normal; line-height: 1.25; }
.mob-tiers { top: 86px; left: 10px; padding: 6px 8px; font-size: 11.5px; }
.mob-tiers h4 { margin: 0 0 3px 0; font-size: 12px; }
.mob-tiers table, .mob-popup table { border-collapse: collapse; }
.mob-tiers td, .mob-tiers th { padding: 1px 5px; border-bottom: 1px solid #ddd; text-align: right; }
.mob-tiers th { background: #f1f3f5; }
.mob-tiers td:first-child, .mob-tiers th:first-child { text-align: left; }
.mob-met { color: #2b8a3e; font-weight: bold; }
.mob-late { color: #e67700; font-weight: bold; }
.mob-short { color: #c92a2a; font-weight: bold; }
.mob-popup { max-height: 320px; overflow-y: auto; }
.mob-popup td { padding: 1px 6px 1px 0; vertical-align: top; }
.mob-popup td:first-child { color: #555; white-space: nowrap; }
.mob-popup ul { margin: 2px 0; padding-left: 16px; }
.mob-popup { max-width: 420px; }
.mob-cites { font-size: 0.9em; color: #333; }
.mob-cites li { margin-bottom: 2px; }
.leaflet-tooltip.mob-label { background: rgba(255,255,255,0.82); border: none; box-shadow: none;
  padding: 0 3px; font-size: 11.5px; font-weight: bold; color: #222; }
.leaflet-tooltip.mob-label::before { display: none; }
.leaflet-tooltip.mob-label.mob-town { background: none; font-weight: normal; font-size: 11px; color: #4d4437;
  padding: 0 2px; text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; }
.mob-country { color: #7a7266; font: bold 13px/1 "Helvetica Neue", Arial, sans-serif; letter-spacing: 3px;
  text-align: center; white-space: nowrap; pointer-events: none; }
.leaflet-container.mob-map .leaflet-control-attribution { font-size: 10px; max-width: 55vw; }
.mob-playback { bottom: 48px; left: 10px; padding: 5px 9px; width: max-content; max-width: calc(100vw - 40px);
  display: flex; flex-wrap: wrap; align-items: center; gap: 5px; }
.mob-pb-info { flex-basis: 100%; display: flex; flex-wrap: wrap; gap: 4px 10px; align-items: baseline; }
.mob-playback button { font-size: 13px; min-width: 32px; height: 26px; cursor: pointer; white-space: nowrap; }
.mob-playback button.mob-pb-play { min-width: 78px; }
.mob-playback input[type=range] { width: 200px; }
.mob-pb-time { font-weight: bold; font-size: 14px; min-width: 96px; text-align: center; }
.mob-pb-count { color: #555; font-size: 11.5px; }
.mob-pb-tiers, .mob-pb-closed { font-size: 11.5px; }
.mob-pb-closed { color: #c92a2a; }
.mob-closure { font-size: 11px; margin: 1px 0; }
.mob-muted { color: #666; }
"""


# Name labels are placed in the browser, at every zoom, most important first (class mob-rank-<n>,
# lower first): each takes the first of eight positions around its marker that overlaps no label
# already placed and no marker; one that finds none is hidden. A label with class mob-minz-<zoom
# x 100> is hidden below that zoom. Town names of the basemap (mob-town) come after the network's:
# a town is named only where its dot and name cover no network label, marker or country name, and its
# dot shows only while it is named. Country names, placed between the two, take the first of their
# spots (inside the country) clear of the network's labels, or hide.
LABEL_JS = """(function () {
  var map = __MAP__;
  map.getContainer().classList.add('mob-map');
  var GAP = 2, PAD = 1, CSS_MARGIN = 6;  // leaflet-tooltip-{left,right,top,bottom} move 6 px off the anchor
  var ORDER = ['right', 'left', 'top', 'bottom', 'right-up', 'right-down', 'left-up', 'left-down'];
  function rankOf(cls) { var m = /mob-rank-(\\d+)/.exec(cls); return m ? parseInt(m[1], 10) : 1e6; }
  function minzOf(cls) { var m = /mob-minz-(\\d+)/.exec(cls); return m ? parseInt(m[1], 10) / 100 : 0; }
  function box(p, r, w, h, side) {  // the label's box, r px from the anchor
    var x, y, d = r + GAP + CSS_MARGIN, dir = side.split('-')[0];
    if (dir === 'right') { x = p.x + d; } else if (dir === 'left') { x = p.x - d - w; } else { x = p.x - w / 2; }
    if (side === 'top') { y = p.y - d - h; }
    else if (side === 'bottom') { y = p.y + d; }
    else if (/-up$/.test(side)) { y = p.y - h - r / 2; }
    else if (/-down$/.test(side)) { y = p.y + r / 2; }
    else { y = p.y - h / 2; }
    return [x - PAD, y - PAD, x + w + PAD, y + h + PAD];
  }
  function hit(a, b) { return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3]; }
  function options(side, r, h) {  // Leaflet's direction and offset that put the label where box() says
    var d = r + GAP, dir = side.split('-')[0];
    var off = {right: [d, 0], left: [-d, 0], top: [0, -d], bottom: [0, d]}[dir];
    if (/-up$/.test(side)) { off[1] = -h / 2 - r / 2; } else if (/-down$/.test(side)) { off[1] = h / 2 + r / 2; }
    return {dir: dir, off: off};
  }
  function place() {
    var z = map.getZoom(), labels = [], markers = [];
    map.eachLayer(function (l) {
      var t = l.getTooltip && l.getTooltip();
      if (t && t.options.permanent && / mob-label/.test(' ' + t.options.className) && t._container) {
        labels.push({layer: l, tip: t, el: t._container, rank: rankOf(t.options.className),
                     minz: minzOf(t.options.className)});
      }
      if (l instanceof L.CircleMarker && l.options.pane === 'mob-nodes') {
        markers.push({layer: l, p: map.latLngToContainerPoint(l.getLatLng()), r: l.getRadius() + 1});
      }
    });
    labels.sort(function (a, b) { return a.rank - b.rank || a.el.textContent.localeCompare(b.el.textContent); });
    var placed = [], countries = false;
    function placeCountries() {  // each country name at the first of its spots clear of the network's labels
      var size = map.getSize(), o = map.getContainer().getBoundingClientRect(), boxes = [];
      document.querySelectorAll('.mob-box, .leaflet-control').forEach(function (e) {  // title, tables, playback, controls
        var r = e.getBoundingClientRect();
        if (r.width && r.height) { boxes.push([r.left - o.left, r.top - o.top, r.right - o.left, r.bottom - o.top]); }
      });
      function free(p) {
        return p.x > 0 && p.y > 0 && p.x < size.x && p.y < size.y &&
          !boxes.some(function (b) { return p.x >= b[0] && p.x <= b[2] && p.y >= b[1] && p.y <= b[3]; });
      }
      map.eachLayer(function (l) {
        var el = l instanceof L.Marker && l.getElement && l.getElement(), div = el && el.querySelector('.mob-country');
        if (!div) { return; }
        var span = div.firstElementChild, spots = JSON.parse(div.dataset.spots || '[]');
        if (!span._mobSize) { span._mobSize = [span.offsetWidth, span.offsetHeight]; }
        var w = span._mobSize[0], h = span._mobSize[1], best = null;
        spots.map(function (s) { return [s, map.latLngToContainerPoint(s)]; })
          .sort(function (a, b) { return (free(b[1]) ? 1 : 0) - (free(a[1]) ? 1 : 0); })  // in sight first
          .forEach(function (sp) {
            if (best) { return; }
            var p = sp[1], b = [p.x - w / 2 - PAD, p.y - h / 2 - PAD, p.x + w / 2 + PAD, p.y + h / 2 + PAD];
            if (placed.some(function (q) { return hit(b, q); })) { return; }  // markers may sit on it (drawn above)
            best = [sp[0], b];
          });
        div.style.visibility = best ? '' : 'hidden';
        if (best) { l.setLatLng(best[0]); placed.push(best[1]); }
      });
    }
    function hide(lab) {
      lab.el.style.display = 'none'; lab.el.dataset.mobPlaced = '';
      if (lab.layer.options.mobTown) { lab.layer.setStyle({opacity: 0, fillOpacity: 0}); }
    }
    labels.forEach(function (lab) {
      var el = lab.el, town = !!lab.layer.options.mobTown;
      if (town && !countries) { countries = true; placeCountries(); }  // after the network's names, before the towns
      if (lab.minz > z + 1e-6) { hide(lab); return; }
      el.style.display = '';
      if (!el._mobSize) { el._mobSize = [el.offsetWidth, el.offsetHeight]; }
      var w = el._mobSize[0], h = el._mobSize[1], ll = lab.layer.getLatLng(), p = map.latLngToContainerPoint(ll);
      var r = lab.layer.getRadius ? lab.layer.getRadius() + 1 : 0;
      var dot = [p.x - r, p.y - r, p.x + r, p.y + r];
      if (town && (placed.some(function (q) { return hit(dot, q); }) ||
                   markers.some(function (m) { return hit(dot, [m.p.x - m.r, m.p.y - m.r, m.p.x + m.r, m.p.y + m.r]); }))) {
        hide(lab); return;  // a town under a network label or marker is not named
      }
      var keep = / mob-keep/.test(' ' + lab.tip.options.className), chosen = null, best = null;
      // the eight spots next to the marker, then (labels that must show) farther out; a label never
      // covers another; only one that must show may, as a last resort, cover a marker
      var rings = keep ? [0, 8] : [0];
      for (var k = 0; k < rings.length && !chosen; k++) {
        for (var i = 0; i < ORDER.length && !chosen; i++) {
          var b = box(p, r + rings[k], w, h, ORDER[i]);
          if (placed.some(function (q) { return hit(b, q); })) { continue; }
          var covered = 0;  // a network marker weighs more than a town's dot
          markers.forEach(function (m) {
            if (m.layer !== lab.layer && hit(b, [m.p.x - m.r, m.p.y - m.r, m.p.x + m.r, m.p.y + m.r])) {
              covered += m.r > 5 ? 5 : 1;
            }
          });
          if (!covered) { chosen = [ORDER[i], r + rings[k], b]; }
          else if (keep && (!best || covered < best[3])) { best = [ORDER[i], r + rings[k], b, covered]; }
        }
      }
      chosen = chosen || best;
      if (!chosen) { hide(lab); return; }
      var chosenBox = chosen[2];
      placed.push(chosenBox);
      if (town) { placed.push(dot); lab.layer.setStyle({opacity: 1, fillOpacity: 1}); }
      var o = options(chosen[0], chosen[1], h);
      lab.tip.options.direction = o.dir;
      lab.tip.options.offset = o.off;
      lab.tip.update();
      el.dataset.mobPlaced = chosen[0];
    });
    if (!countries) { placeCountries(); }
  }
  map.on('zoomend overlayadd overlayremove', place);
  window.mobPlaceLabels = place;
  setTimeout(place, 0);
})();"""


# -- escaping ----------------------------------------------------------------------


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
        MAP_GENERATOR,
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


LAKES_FILE = "basemap-ne10m-lakes.geojson"
RIVERS_FILE = "basemap-ne10m-rivers.geojson"
URBAN_FILE = "basemap-ne50m-urban.geojson"
PLACES_FILE = "basemap-ne10m-places.json"


@lru_cache(maxsize=1)
def _lakes() -> dict[str, Any]:
    """Natural Earth 1:10m lakes and lagoons around the corridor (shipped; see mobility/data/README.md)."""
    return json.loads(_asset_text(LAKES_FILE))


@lru_cache(maxsize=1)
def _rivers() -> dict[str, Any]:
    """Natural Earth 1:10m rivers around the corridor, one feature per river (``name``, ``minor``)."""
    return json.loads(_asset_text(RIVERS_FILE))


@lru_cache(maxsize=1)
def _urban() -> dict[str, Any]:
    """Natural Earth 1:50m urban areas around the corridor (one MultiPolygon)."""
    return json.loads(_asset_text(URBAN_FILE))


@lru_cache(maxsize=1)
def _places() -> list[dict[str, Any]]:
    """Natural Earth 1:10m populated places around the corridor, most important first."""
    data = json.loads(_asset_text(PLACES_FILE))
    return [dict(zip(data["fields"], row, strict=True)) for row in data["rows"]]


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

    def render(self, **kwargs: Any) -> None:
        """Write the code into the page as it is (what the template gives), without branca parsing
        it as a Jinja template once more: that costs time on long code and would mangle ``{{``."""
        self.get_root().script.add_child(_Raw("\n" + self.code), name=self.get_name())




