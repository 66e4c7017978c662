"""Run layers: flows, bottlenecks and the tier table drawn from a run's event log."""

from __future__ import annotations

import folium
import pandas as pd

from mobility.briefing.maps.assets import _Raw
from mobility.briefing.maps.base import (
    _feature,
    _finalise,
    _geojson,
    _legend_row,
    _LegendSection,
    _state,
    _swatch_circle,
    _swatch_line,
)
from mobility.briefing.maps.network_layers import _layout, _Line
from mobility.briefing.maps.style import BOTTLENECK_COLOUR, FLOW_COLOUR, TOP_BOTTLENECKS
from mobility.briefing.maps.text import _esc, _fmt_int, _fmt_num
from mobility.network.model import Network


def _section_index(network: Network) -> dict[str, _Line]:
    return {ln.section: ln for ln in _layout(network) if ln.mode != "rb-future"}


def _empty_events(events: pd.DataFrame) -> bool:
    return events is None or len(events) == 0


def add_flows(
    m: folium.Map, network: Network, events: pd.DataFrame, *, measure: str = "troops",
    index: dict[str, _Line] | None = None,
) -> None:
    """Draw the volume moved over each section (a "Flows" layer).

    Sums ``troops`` (or ``vehicles``) of every ``enter`` event per section id,
    both directions together; line width is proportional to the volume.
    ``index``: the network's drawable sections by id, when already laid out
    (:func:`_section_index`).
    """
    if measure not in ("troops", "vehicles"):
        raise ValueError(f"measure must be 'troops' or 'vehicles', not {measure!r}")
    st = _state(m)
    index = index if index is not None else _section_index(network)
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


def add_bottlenecks(m: folium.Map, network: Network, bottlenecks: pd.DataFrame, *,
                    index: dict[str, _Line] | None = None) -> None:
    """Highlight the places of the resources with the longest waits ("Bottlenecks" layer).

    ``bottlenecks`` has columns ``resource, kind, place, capacity, utilisation,
    mean_wait_h, max_wait_h, requests``; the top ones by mean wait are drawn at
    their node or section, with the wait figures in the popups. Those with no
    single place (wagon pools, clearance) are listed in the legend. ``index``: the
    network's drawable sections by id, when already laid out (:func:`_section_index`).
    """
    st = _state(m)
    index = index if index is not None else _section_index(network)
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
        verdict = _verdict(rows)
        popup = (
            f'<div class="mob-popup"><b>{_esc(network.label(place) if network.has_node(place) else place)}</b>'
            "<table><tr><th>rank</th><th>resource</th><th>kind</th><th>capacity</th><th>use</th>"
            f"<th>mean wait h</th><th>max wait h</th><th>requests</th></tr>{table}</table>"
            + (f"<p>{_esc(verdict[1])}</p>" if verdict[1] else "") + "</div>"
        )
        wait = float(lead.mean_wait_h) if pd.notna(lead.mean_wait_h) else 0.0
        tip = (
            f"<b>#{rank[lead.resource]} {_esc(network.label(place) if network.has_node(place) else place)}</b>"
            f"<br>mean wait {_fmt_num(lead.mean_wait_h)} h · max {_fmt_num(lead.max_wait_h)} h<br>{_esc(lead.resource)}"
            + (f"<br>{_esc(verdict[1])}" if verdict[1] else "")
        )
        # a wait whose doubling bought nothing is drawn dashed: waited on, not a bottleneck
        dash = {"dashArray": "6 6", "fillOpacity": 0.08} if verdict[0] == "no" else {}
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
                **dash,
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
                **{k: v for k, v in dash.items() if k == "dashArray"},
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
    title = f"Bottlenecks: top {TOP_BOTTLENECKS} by mean wait"
    if len(top) and "buys" in top.columns:
        rows.append(_legend_row(_swatch_line(BOTTLENECK_COLOUR, 4, "6 6"),
                                "dashed: doubling it bought no tier day (a wait, not a bottleneck)"))
        title = f"Longest waits: top {TOP_BOTTLENECKS} by mean wait; bottlenecks solid"
    st.legend.sections.append(_LegendSection(title, rows, note))
    _finalise(m)


def _verdict(rows: pd.DataFrame) -> tuple[str, str]:
    """What doubling the resources waited on at one place bought: ``("yes"|"no"|"", text)``.

    ``"yes"`` if doubling any of them bought a tier day (a bottleneck), ``"no"`` if every one tried
    bought nothing, ``""`` if none was tried (the bottleneck table has no ``buys`` column, or no row here)."""
    if "buys" not in rows.columns:
        return "", ""
    buys = rows["buys"].fillna("").astype(str)
    tried = rows[buys != ""]
    if not len(tried):
        return "", ""
    texts = "; ".join(f"doubled {r.doubled}" for r in tried.itertuples(index=False))
    if (buys == "yes").any():
        return "yes", f"a bottleneck: {texts}"
    return "no", f"a wait, not a bottleneck: {texts}"


# -- playback ------------------------------------------------------------------------------


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




def interest_points(network: Network, events: pd.DataFrame, bottlenecks: pd.DataFrame | None = None, *,
                    index: dict[str, _Line] | None = None) -> list[tuple[float, float, str]]:
    """Where a run's briefing must look: every origin and destination and the places of the bottlenecks
    given (a section's midpoint), as (lat, lon, label), without repeats (``index`` as in :func:`add_flows`)."""
    places: dict[str, str] = {}
    if not _empty_events(events):
        for event, role in (("ready", "origin"), ("closed", "destination")):
            for p in events.loc[events["event"] == event, "place"].dropna().astype(str).unique():
                places.setdefault(p, role)
    if bottlenecks is not None and len(bottlenecks) and "place" in bottlenecks:
        for p in bottlenecks["place"].fillna("").astype(str):
            if p:
                places.setdefault(p, "bottleneck")
    index = index if index is not None else _section_index(network)
    out = []
    for place, role in places.items():
        if network.has_node(place):
            d = network.node(place)
            out.append((float(d["y"]), float(d["x"]), f"{network.label(place)} ({role})"))
        elif place in index:
            coords = index[place].coords
            x, y = coords[len(coords) // 2] if len(coords) > 2 else (
                (coords[0][0] + coords[-1][0]) / 2, (coords[0][1] + coords[-1][1]) / 2)
            out.append((float(y), float(x), f"{index[place].attrs.get('name') or place} ({role})"))
    return out
