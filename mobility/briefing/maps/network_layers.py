"""Network layers: rail by gauge, Rail Baltica by status, roads, places with labels."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import folium

from mobility.briefing.citations import citations_html, field_html, tag_words
from mobility.briefing.maps.assets import BASEMAP_ATTRIBUTION, _Raw, _Script
from mobility.briefing.maps.base import (
    _feature,
    _finalise,
    _geojson,
    _legend_row,
    _LegendSection,
    _state,
    _swatch_circle,
    _swatch_line,
    base_map,
    set_focus,
)
from mobility.briefing.maps.style import (
    GAUGE_STYLE,
    KIND_LABEL,
    METHOD_LABEL,
    NODE_LAYER,
    NODE_STYLE,
    OFFSET_PX,
    OTHER_GAUGE_COLOUR,
    RB_COLOUR,
    RB_DASH,
    ROAD_STYLE,
    SEA_COLOUR,
)
from mobility.briefing.maps.text import Html, _esc, _js_json, _rows
from mobility.network.model import Network


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
    """The sections of the rail (by gauge), road or sea graph as drawable lines."""
    graph = {"rail": network.rail, "road": network.road, "sea": network.sea}[kind]
    if graph is None:
        return []
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
    lines.extend(_section_lines(network, "sea"))
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
    """The length in words, saying how it is known (published, measured, or estimated)."""
    length = d.get("length")
    if length is None:
        return ""
    km = length / 1000
    src = str(d.get("length_source") or "")
    if src.startswith("schematic"):
        factor = re.search(r"x\s*([\d.]+)", src)
        how = f" × {factor.group(1)}" if factor else ""
        return f"about {km:,.0f} km (estimated: straight-line distance between the ends{how})"
    if src.startswith("geometry"):
        return f"{km:,.0f} km (measured along the mapped line)"
    if src == "published":
        return f"{km:,.0f} km (published)"
    return f"{km:,.0f} km"


def _drawn_as(ln: _Line) -> str:
    """How the line on the map relates to the real route."""
    if ln.schematic:
        return "schematic: a straight line between its ends, not the real route"
    gs = str(ln.attrs.get("geometry_source") or "")
    return "the real route" + (f" ({field_html(gs)})" if gs else "")


def _source_rows(d: dict[str, Any], *extra: object) -> list[tuple[str, Any]]:
    """Source, confidence and the full citations of every key cited in them."""
    cites = citations_html(d.get("source"), *extra)
    return [
        ("Source", Html(field_html(d.get("source")))),
        ("Confidence", tag_words(d.get("confidence"))),
        ("Cited", Html(cites) if cites else None),
    ]


def _rail_text(ln: _Line, year: int | None) -> tuple[str, str]:
    d = ln.attrs
    gauge = str(d.get("gauge") or "")
    tracks = d.get("tracks")
    track_txt = {1: "single track", 2: "double track"}.get(
        tracks, f"{tracks} tracks" if tracks else "number of tracks not published"
    )
    elec = {True: "electrified", False: "not electrified"}.get(
        d.get("electrified"), "electrification not published"
    )
    speed = f"{d['maxspeed']:.0f} km/h" if d.get("maxspeed") else "line speed not published"
    status = _rb_status(d, year) if d.get("rail_baltica") or ln.mode == "rb-future" else None
    head = "Rail Baltica · " if d.get("rail_baltica") else ""
    gauge_txt = f"{gauge} mm gauge" if gauge else "gauge not published"
    lines = [
        f"<b>{_esc(d.get('name') or ln.section)}</b>",
        f"{head}{_esc(gauge_txt)} · {track_txt} · {elec} · {speed}",
        _esc(_km(d)),
    ]
    if status and status != "open":
        lines.append(
            f"<b>{'under construction' if status == 'construction' else 'planned'}</b>, opens {_esc(d.get('opens') or 'at a date not published')}"
            + (f" – not usable in {year}" if year else "")
        )
    return _texts(
        ln,
        lines,
        [
            ("Name", d.get("name")),
            ("Line", d.get("line")),
            ("Gauge", gauge_txt),
            ("Tracks", track_txt),
            ("Electrified", {True: "yes", False: "no"}.get(d.get("electrified"), "not published")),
            ("Line speed", speed),
            ("Trains per day", d.get("trains_per_day")),
            (
                "Max train length",
                f"{d['max_train_length_m']:.0f} m" if d.get("max_train_length_m") else None,
            ),
            ("Length", _km(d)),
            ("Opens", d.get("opens")),
            ("Closes", d.get("closes")),
            ("Status", d.get("status")),
            ("Drawn as", Html(_drawn_as(ln))),
            *_source_rows(d),
            ("Note", "shown from the all-years data: not part of this year's network" if d.get("_from_embedded") else None),
            ("Section id", ln.section),
        ],
    )


def _texts(ln: _Line, lines: list[str], rows: list[tuple[str, Any]]) -> tuple[str, str]:
    """Tooltip (summary lines, schematic flag) and popup (a table of ``rows``) of a drawn section."""
    if ln.schematic:
        lines.append("<i>drawn schematically (straight line, not the real route)</i>")
    return "<br>".join(x for x in lines if x), '<div class="mob-popup">' + _rows(rows) + "</div>"


def _road_text(ln: _Line) -> tuple[str, str]:
    d = ln.attrs
    hw = d.get("highway") or "road"
    label = ROAD_STYLE.get(hw, ("", 0, hw))[2]
    ref = d.get("ref") or ""
    mlc = d.get("mlc")
    mlc_txt = f"MLC {mlc:.0f}" if mlc is not None else "MLC not published"
    mw = d.get("maxweight")
    mw_txt = f"max weight {mw:.0f} t" if mw is not None else "no weight limit published"
    lanes = f"{d['lanes']} lanes each way" if d.get("lanes") else "lanes not published"
    speed = f"{d['maxspeed']:.0f} km/h" if d.get("maxspeed") else "speed limit not published"
    lines = [
        f"<b>{_esc(ref + ' ' if ref else '')}{_esc(d.get('name') or ln.section)}</b>",
        f"{_esc(label)} · {lanes} · {speed}",
        f"<b>{_esc(mlc_txt)}</b> · <b>{_esc(mw_txt)}</b>"
        + (" · bridge" if d.get("bridge") else ""),
        _esc(_km(d)),
    ]
    if d.get("border_crossing"):
        lines.append("crosses a border")
    mw_src = d.get("maxweight_source")
    return _texts(
        ln,
        lines,
        [
            ("Road", f"{ref} {d.get('name') or ''}".strip()),
            ("Class", label),
            ("Lanes", lanes),
            ("Speed", speed),
            ("MLC", mlc_txt),
            ("Max weight", Html(_esc(mw_txt) + (f" ({field_html(mw_src)})" if mw_src else ""))),
            ("Bridge", "yes" if d.get("bridge") else None),
            ("Length", _km(d)),
            ("Opens", d.get("opens")),
            ("Closes", d.get("closes")),
            ("Drawn as", Html(_drawn_as(ln))),
            *_source_rows(d, mw_src),
            ("Section id", ln.section),
        ],
    )


def _node_group(network: Network, node: str, gauge_terminals: set[str]) -> str:
    kind = network.node(node).get("kind", "")
    if node in gauge_terminals:
        return "gauge_terminal"
    if kind in ("port", "border_crossing", "airport"):
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
        text = _esc(" – ".join(str(b) for b in bits))
        if t.source:
            text += f" – source: {field_html(t.source)}"
        items.append("<li>" + text + "</li>")
    gauges = network.gauges_at(node)
    body = [head]
    if gauges:
        body.append("Rail gauges here: " + _esc(", ".join(f"{g} mm" for g in sorted(gauges))))
    if items:
        body.append("Terminals:<ul>" + "".join(items) + "</ul>")
    src = d.get("source")
    if src:
        body.append(
            f"Position from: {field_html(src)}"
            + (f" ({_esc(tag_words(d.get('confidence')))})" if d.get("confidence") else "")
        )
    cites = citations_html(src, *(t.source for t in terms))
    if cites:
        body.append(cites)
    body.append(f"<span style='color:#666'>id for scenario files: {_esc(node)}</span>")
    tooltip = head + (f"<br>{len(terms)} terminal(s)" if terms else "")
    return tooltip, '<div class="mob-popup">' + "".join(f"<div>{b}</div>" for b in body) + "</div>"


LABEL_PRIORITY = {
    "gauge_terminal": 0,
    "port": 2,
    "border_crossing": 2,
    "railhead": 3,
    "base": 3,
    "place": 4,
}


def _place_labels(network: Network, groups: dict[str, str]) -> dict[str, tuple[str, int, bool]]:
    """Name labels: text, rank (0 = placed first) and whether it must show, most important first.

    Gauge-change terminals first, then hubs (eight or more lines), ports and border
    crossings, railheads and bases, the rest; within a class the better connected
    node first. The map places the labels in this order at every zoom (the first
    free spot of eight around the marker, clear of labels already placed and of
    every marker) and hides those that find none, so fewer show when zoomed out;
    gauge-change terminals must show (they look a little farther out, and at worst
    cover a marker, never another label).
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

    return {
        node: (_short_name(str(network.node(node).get("name") or node)), i, rank(node)[0] == 0)
        for i, node in enumerate(sorted(groups, key=rank))
    }


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
    m = base_map(network, tiles=tiles)
    st = _state(m)
    legend = st.legend

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

    # sea legs (hand-drawn lanes) ----------------------------------------------------
    sea_feats = []
    for ln in lines:
        if ln.mode != "sea":
            continue
        tip = (f"<b>{_esc(ln.attrs.get('name') or ln.section)}</b><br>{ln.attrs.get('distance_nm', 0):,.0f} nm"
               f"<br><span style='color:#888'>{_esc(ln.section)} · lanes drawn by hand (assumption)</span>")
        style = {"color": SEA_COLOUR, "weight": 1.6, "opacity": 0.8, "dashArray": "6 5"}
        sea_feats.append(_feature(ln.coords, {"style": style, "tooltip": tip}))
    sea_rows = []
    if sea_feats:
        fg = folium.FeatureGroup(name="Sea legs (RoRo)")
        _geojson(sea_feats).add_to(fg)
        fg.add_to(m)
        sea_rows.append(_legend_row(_swatch_line(SEA_COLOUR, 2), "Sea leg (RoRo, schematic lanes)"))

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
    for group in ["place", "base", "railhead", "border_crossing", "airport", "port", "gauge_terminal"]:
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
                text, order, keep = labels[node]
                props.update(label=_esc(text), label_rank=order, label_class="mob-keep" if keep else "")
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
        "Airports",
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
    if sea_rows:
        legend.sections.append(_LegendSection("Sea", sea_rows))
    legend.sections.append(_LegendSection("Places (click for details)", node_rows))
    if n_schematic:
        which = "All" if n_schematic == n_lines else f"{n_schematic} of {n_lines}"
        legend.notes.append(
            f"<b>Schematic geometry:</b> {which} sections are drawn as straight lines between "
            "their end nodes (no surveyed line geometry); parallel lines are offset to stay visible."
        )
    if not tiles:
        legend.notes.append(
            "<b>Basemap</b> (Natural Earth): lakes and rivers in blue, urban areas tinted, towns as small "
            "dots, named where their name covers none of the network's (more show as you zoom in)."
        )
    legend.notes.append(
        "Sources: attribution at the bottom right; click a line or a place for its own source."
    )

    # the opening view (set in the browser, once the boxes are laid out; no fit here, whose zoom
    # animation would end after it and undo it): every place, in the part of the window no box covers (a run narrows it)
    set_focus(m, [(float(network.node(n)["y"]), float(network.node(n)["x"]), network.label(n))
                  for n in network.node_ids])
    _finalise(m)
    return m


# -- simulation outputs ------------------------------------------------------------------


