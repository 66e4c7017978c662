"""Playback: mover positions over time, with a play/step/slider control."""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import numpy as np
import pandas as pd

from mobility.analysis.disruptions import closed_at
from mobility.briefing.maps.assets import _Raw, _Script
from mobility.briefing.maps.base import (
    _finalise,
    _legend_row,
    _LegendSection,
    _state,
    _swatch_circle,
    _swatch_line,
)
from mobility.briefing.maps.network_layers import _coords
from mobility.briefing.maps.run_layers import _empty_events
from mobility.briefing.maps.style import (
    ARRIVED_STYLE,
    MOVER_STYLE,
    PLAYBACK_MAX_FRAMES,
    PLAYBACK_STATES,
    PLAYBACK_STEP_H,
)
from mobility.briefing.maps.text import _esc, _js_json
from mobility.network.model import Network


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
    for graph in (network.rail, network.road, network.sea if network.sea is not None else network.road):
        for u, v, d in graph.edges(data=True):
            sec = d.get("section")
            if sec:
                coords = _coords(d, u, v, network)
                out.setdefault(sec, []).append((u, v, coords, _cumulative(coords)))
    return out


def _tracks(network: Network, events: pd.DataFrame) -> list[_Track]:
    runs = _directed_runs(network)
    nodes = set(network.node_ids)
    points = {n: (float(network.node(n)["x"]), float(network.node(n)["y"])) for n in nodes}
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
        # per event: the time of the next `leave` of the same section (None if none), one backward pass
        next_leave: list[float | None] = [None] * len(recs)
        seen_leave: dict[str, float] = {}
        for j in range(len(recs) - 1, -1, -1):
            next_leave[j] = seen_leave.get(str(recs[j][2] or ""))
            if recs[j][1] == "leave":
                seen_leave[str(recs[j][2] or "")] = float(recs[j][0])
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
                            if str(r[2] or "") in nodes
                            or (r[1] == "enter" and str(r[2]) in runs)
                        ),
                        None,
                    )
                    ends = (
                        {nxt}
                        if nxt and nxt in nodes
                        else {e for c in runs.get(nxt or "", []) for e in c[:2]}
                    )
                    choice = next((c for c in cands if c[1] in ends), cands[0])
                t1 = next_leave[i]
                if t1 is None:
                    t1 = float(recs[i + 1][0]) if i + 1 < len(recs) else float(t)
                tr.steps.append((float(t), t1, choice[2], choice[3]))
                node = choice[1]
            elif place in nodes and event != "leave":
                if (
                    event in ("request", "acquire", "release")
                    and node is not None
                    and place != node
                ):
                    continue  # a resource somewhere else (e.g. a border ahead): not where the mover is
                node = place
                tr.steps.append((float(t), float(t), [points[place]], [0.0]))
            if event == "arrive":
                tr.arrive = float(t)
        tracks.append(tr)
    return tracks


def _frame_positions(tracks: Sequence[_Track], frame_times: Sequence[float]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where every mover is at every frame, vectorised over the event log.

    Returns (track index, frame index, lon, lat, arrived) for each (mover, frame) from the
    mover's first event on; the same positions :meth:`_Track.position` gives one at a time
    (a mover on a section is placed along its geometry in proportion to the time elapsed;
    after its arrival it stays at its destination).
    """
    F = np.asarray(frame_times, dtype=float)
    t0s: list[float] = []
    t1s: list[float] = []
    line_of: list[int] = []  # per step: its polyline (a section's geometry, or a node's point)
    lines: dict[Any, int] = {}
    polylines: list[tuple[Sequence[tuple[float, float]], Sequence[float]]] = []
    out_i, out_f, out_g, out_k0, out_arr = [], [], [], [], []
    for i, tr in enumerate(tracks):
        if not tr.steps:
            continue
        base = len(t0s)
        for s0, s1, coords, cum in tr.steps:
            t0s.append(s0)
            t1s.append(s1)
            key = (coords[0][0], coords[0][1]) if len(coords) == 1 else id(coords)  # sections share their list
            j = lines.get(key)
            if j is None:
                j = lines[key] = len(polylines)
                polylines.append((coords, cum))
            line_of.append(j)
        starts = np.asarray(tr._starts(), dtype=float)
        fi = np.flatnonzero(F >= tr.start)
        if not len(fi):
            continue
        times = F[fi]
        arrived = np.zeros(len(fi), dtype=bool)
        if tr.arrive is not None:
            arrived = times >= tr.arrive
            times = np.where(arrived, tr.arrive, times)  # after arrival: where it arrived
        k = np.searchsorted(starts, times, side="right") - 1
        out_i.append(np.full(len(fi), i))
        out_f.append(fi)
        out_g.append(base + np.maximum(k, 0))
        out_k0.append(k < 0)
        out_arr.append(arrived)
    if not out_i:
        empty = np.zeros(0)
        return empty.astype(int), empty.astype(int), empty, empty, empty.astype(bool)
    ti, fi, g = np.concatenate(out_i), np.concatenate(out_f), np.concatenate(out_g)
    before, arrived = np.concatenate(out_k0), np.concatenate(out_arr)
    t0, t1 = np.asarray(t0s)[g], np.asarray(t1s)[g]
    times = np.where(arrived, np.asarray([tracks[j].arrive or 0.0 for j in range(len(tracks))])[ti], F[fi])
    span = t1 - t0
    frac = np.where((times >= t1) | (span <= 0), 1.0, np.clip((times - t0) / np.where(span > 0, span, 1.0), 0, 1))
    frac = np.where(before, 0.0, frac)
    # every polyline's vertices in one array, each one's cumulative length offset so they never overlap
    lengths = np.asarray([float(c[-1]) for _, c in polylines])
    offsets = np.concatenate([[0.0], np.cumsum(lengths + 1.0)[:-1]])
    counts = np.asarray([len(c) for c, _ in polylines])
    starts_v = np.concatenate([[0], np.cumsum(counts)[:-1]])
    gxy = np.asarray([pt[:2] for c, _ in polylines for pt in c], dtype=float)
    gx, gy = gxy[:, 0], gxy[:, 1]
    gc = np.concatenate([np.asarray(c, dtype=float) + o for (_, c), o in zip(polylines, offsets, strict=True)])
    line = np.asarray(line_of)[g]
    vs, n = starts_v[line], counts[line]
    target = offsets[line] + frac * lengths[line]
    seg = np.searchsorted(gc, target, side="right") - 1
    seg = np.clip(seg, vs, vs + np.maximum(n - 2, 0))
    nxt = np.minimum(seg + 1, vs + n - 1)
    dc = gc[nxt] - gc[seg]
    w = np.where(dc > 0, (target - gc[seg]) / np.where(dc > 0, dc, 1.0), 0.0)
    w = np.clip(w, 0.0, 1.0)
    lon = gx[seg] + (gx[nxt] - gx[seg]) * w
    lat = gy[seg] + (gy[nxt] - gy[seg]) * w
    return ti, fi, lon, lat, arrived


def _frame_spots(tracks: Sequence[_Track], frame_times: Sequence[float], state_of: Sequence[int],
                 unit_index: dict[str, int]) -> dict[int, list[list[Any]]]:
    """Per frame, movers at the same spot in the same state as one circle:
    ``[lat, lon, state, movers, troops, vehicles, [unit indexes]]``, arrived ones first."""
    ti, fi, lon, lat, arrived = _frame_positions(tracks, frame_times)
    if not len(ti):
        return {}
    df = pd.DataFrame({
        "f": fi, "lat": np.round(lat, 4), "lon": np.round(lon, 4),
        "state": np.where(arrived, 3, np.asarray(state_of)[ti]),
        "troops": np.asarray([tr.troops for tr in tracks])[ti],
        "vehicles": np.asarray([tr.vehicles for tr in tracks])[ti],
        "unit": np.asarray([unit_index[tr.unit] for tr in tracks])[ti],
    })
    keys = ["f", "lat", "lon", "state"]
    agg = df.groupby(keys, sort=False).agg(movers=("unit", "size"), troops=("troops", "sum"),
                                           vehicles=("vehicles", "sum"))
    units = (df[[*keys, "unit"]].drop_duplicates().sort_values([*keys, "unit"])
             .groupby(keys, sort=False)["unit"].agg(list))
    agg = agg.join(units.rename("units")).reset_index()
    agg["first"] = agg["state"] != 3  # arrived drawn first
    agg = agg.sort_values(["f", "first", "lat", "lon"], kind="stable")
    out: dict[int, list[list[Any]]] = {}
    for f, la, lo, stt, mv, tp, vh, us in zip(agg["f"].tolist(), agg["lat"].tolist(), agg["lon"].tolist(),
                                              agg["state"].tolist(), agg["movers"].tolist(),
                                              agg["troops"].tolist(), agg["vehicles"].tolist(),
                                              agg["units"].tolist(), strict=True):
        out.setdefault(f, []).append([la, lo, stt, mv, tp, vh, us])
    return out


def _day_label(t: float) -> str:
    day = int(math.floor(t / 24.0 + 1e-9))
    hours = t - 24.0 * day
    hh = int(math.floor(hours + 1e-9))
    mm = int(round((hours - hh) * 60))
    if mm == 60:
        hh, mm = hh + 1, 0
    return f"D+{day} {hh:02d}:{mm:02d}"


def _closure_layers(network: Network, events: pd.DataFrame) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Closure windows of the log and, per window, what the map draws: the place's line or point,
    its name and the words of the panel."""
    from mobility.analysis.disruptions import closure_windows, describe_cause

    windows = closure_windows(events)
    runs = _directed_runs(network)
    items = []
    for w in windows.to_dict("records"):
        place = str(w["place"])
        if place in runs:
            _, _, coords, _ = runs[place][0]
            attrs = next((d for g in (network.rail, network.road) for *_, d in g.edges(data=True)
                          if d.get("section") == place), {})
            mode = "rail" if place.startswith("rail:") else "road"
            name = f"{attrs.get('name') or place} ({mode})"
            geom = [[round(y, 5), round(x, 5)] for x, y in coords]
            kind = "section"
        elif network.has_node(place):
            d = network.node(place)
            name, geom, kind = network.label(place), [[float(d["y"]), float(d["x"])]], "node"
        else:  # not on this network (e.g. a section an investment replaced): listed, not drawn
            name, geom, kind = place, [], "none"
        until = "end of run" if w["open_end"] else _day_label(float(w["to_h"]))
        items.append({"place": _esc(place), "kind": kind, "geom": geom, "name": _esc(name),
                      "when": _esc(f"{_day_label(float(w['from_h']))} – {until}"),
                      "cause": _esc(describe_cause(str(w["cause"])))})
    return windows, items


def _closed_troops(events: pd.DataFrame, frame_times: Sequence[float]) -> list[int]:
    """Troops closed (unit-level ``closed`` events) by each frame time, vectorised."""
    if _empty_events(events):
        return [0 for _ in frame_times]
    ev = events[events["event"] == "closed"]
    t = pd.to_numeric(ev["time"], errors="coerce").to_numpy(dtype=float)
    troops = pd.to_numeric(ev["troops"], errors="coerce").fillna(0).to_numpy(dtype=float)
    order = np.argsort(t, kind="stable")
    t, cum = t[order], np.cumsum(troops[order])
    idx = np.searchsorted(t, np.asarray(frame_times, dtype=float), side="right")
    return [int(cum[i - 1]) if i > 0 else 0 for i in idx]


def add_playback(m: folium.Map, network: Network, events: pd.DataFrame,
                 tiers: pd.DataFrame | None = None) -> None:
    """Mover positions over time, from D+0 to the last arrival, with a time control.

    The control also shows the troops closed by then against each tier's target
    (``tiers``: ``day`` and ``required``), and the sections and nodes closed by a
    scheduled disruption or an attack are drawn, red and dashed, while closed
    (listed with their times in the legend).

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
    state_of = [
        PLAYBACK_STATES.index(tr.mode if tr.mode in PLAYBACK_STATES else "") for tr in tracks
    ]
    windows, closures = _closure_layers(network, events)
    closed = _closed_troops(events, frame_times)
    spots_by_frame = _frame_spots(tracks, frame_times, state_of, unit_index)
    frames = []
    for f, t in enumerate(frame_times):
        active = [int(i) for i in np.flatnonzero(closed_at(windows, t))] if len(windows) else []
        frames.append([round(t, 3), _day_label(t), spots_by_frame.get(f, []), closed[f], active])
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
            '<span class="mob-pb-time">D+0 00:00</span>'
            '<div class="mob-pb-info"><span class="mob-pb-count"></span><span class="mob-pb-tiers"></span>'
            '<span class="mob-pb-closed"></span></div></div>'
        ),
        name=box_id,
    )
    data = {
        "units": [_esc(u) for u in units],
        "frames": frames,
        "styles": [MOVER_STYLE[x] for x in PLAYBACK_STATES] + [ARRIVED_STYLE],
        "closures": closures,
        "tiers": [] if tiers is None or not len(tiers) else [
            [int(r["day"]), int(r["required"])] for r in tiers.to_dict("records")],
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
  var tiersBox = box.querySelector('.mob-pb-tiers'), closedBox = box.querySelector('.mob-pb-closed');
  var cut = data.closures.map(function (c) {
    var tipText = '<b>Closed: ' + c.name + '</b><br>' + c.when + '<br>' + c.cause;
    var lyr = c.kind === 'section' ? L.polyline(c.geom, {pane: 'mob-closures', color: '#c92a2a', weight: 8,
        opacity: 0.95, dashArray: '4 7', lineCap: 'butt', className: 'mob-closed'})
      : c.kind === 'node' ? L.circleMarker(c.geom[0], {pane: 'mob-closures', radius: 13, color: '#c92a2a',
        weight: 4, fill: false, dashArray: '4 4', className: 'mob-closed'}) : null;
    if (lyr) {
      lyr.bindTooltip(tipText, {sticky: true});
      lyr.on('add', function () { var el = lyr.getElement(); if (el) { el.setAttribute('data-place', c.place); } });
    }
    return lyr;
  });
  function fmt(n) { return n.toLocaleString('en'); }
  function showTiers(frame) {
    if (!data.tiers.length) { tiersBox.textContent = ''; return; }
    var day = frame[0] / 24, have = frame[3];
    tiersBox.innerHTML = '<b>' + fmt(have) + '</b> troops closed · ' + data.tiers.map(function (tr) {
      var met = have >= tr[1], late = !met && day > tr[0];
      var cls = met ? 'mob-met' : (late ? 'mob-short' : '');
      return '<span class="' + cls + '">D+' + tr[0] + ' ' + fmt(tr[1]) + (met ? ' ✓' : ' (' +
        Math.floor(100 * have / tr[1]) + '%)') + '</span>';
    }).join(' · ');
  }
  function showClosed(frame) {
    var names = [];
    cut.forEach(function (lyr, i) {
      var on = frame[4].indexOf(i) >= 0;
      if (on) { names.push(data.closures[i].name); }
      if (!lyr) { return; }
      if (on && !group.hasLayer(lyr)) { group.addLayer(lyr); }
      if (!on && group.hasLayer(lyr)) { group.removeLayer(lyr); }
    });
    closedBox.innerHTML = names.length ? '<b>closed:</b> ' + names.join(', ') : '';
    box.dataset.closed = frame[4].map(function (i) { return data.closures[i].place; }).join(' ');
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
    showTiers(frame); showClosed(frame);
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
    if closures:
        cut_rows = [
            f'<div class="mob-closure" data-place="{c["place"]}"><b>{c["when"]}</b> {c["name"]} '
            f'<span class="mob-muted">({c["cause"]})</span></div>'
            for c in closures
        ]
        swatch = _swatch_line("#c92a2a", 6, "4 7")
        st.legend.sections.append(
            _LegendSection(
                "Closed sections and places",
                [_legend_row(swatch, "closed (drawn while closed in the playback)"), *cut_rows],
            )
        )
    _finalise(m)


# -- tier table ------------------------------------------------------------------------


