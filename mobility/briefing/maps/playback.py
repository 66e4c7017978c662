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
import shapely

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
    """One mover's whereabouts: fixes at nodes and runs along sections (one at a time; the
    playback itself works on :class:`_Steps`, every mover at once)."""

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


Runs = dict[str, list[tuple[str, str, list[tuple[float, float]]]]]


def _directed_runs(network: Network) -> Runs:
    """Per section id, its directed edges: (from, to, coords from→to), in graph order.

    Line geometries are read in one :func:`shapely.get_coordinates` call (the same
    numbers as iterating each line's ``coords``).
    """
    edges = [(u, v, d) for graph in (network.rail, network.road,
                                     network.sea if network.sea is not None else network.road)
             for u, v, d in graph.edges(data=True) if d.get("section")]
    lines = [i for i, (_, _, d) in enumerate(edges)
             if isinstance(d.get("geometry"), shapely.LineString)]
    coords: dict[int, list[tuple[float, float]]] = {}
    if lines:
        geoms = [edges[i][2]["geometry"] for i in lines]
        cut = np.cumsum(shapely.get_num_coordinates(geoms))[:-1]
        for i, part in zip(lines, np.split(shapely.get_coordinates(geoms), cut), strict=True):
            coords[i] = [(x, y) for x, y in part.tolist()]
    out: Runs = {}
    for i, (u, v, d) in enumerate(edges):
        out.setdefault(d["section"], []).append((u, v, coords[i] if i in coords else _coords(d, u, v, network)))
    return out


@dataclass
class _Steps:
    """Every mover's whereabouts, as arrays: the playback's one pass over the event log.

    Per mover (sorted by id): its unit, mode (of its first event that has one), first
    event time, arrival (NaN if none), troops and vehicles (the largest logged). Per
    step, grouped by mover and in time order: the mover, from and to hours, and the
    polyline it is drawn on (a section run, or a node's single point; ``lines`` holds
    each one's coordinates and cumulative lengths, in order of first use).
    """

    movers: list[str]
    units: list[str]
    modes: list[str]
    start: np.ndarray
    arrive: np.ndarray
    troops: np.ndarray
    vehicles: np.ndarray
    mover: np.ndarray
    t0: np.ndarray
    t1: np.ndarray
    line: np.ndarray
    lines: list[tuple[list[tuple[float, float]], list[float]]]

    @classmethod
    def empty(cls) -> _Steps:
        """No movers."""
        f, i = np.zeros(0), np.zeros(0, dtype=np.int64)
        return cls([], [], [], f, f, i, i, i, f, f, i, [])

    def tracks(self) -> list[_Track]:
        """The same whereabouts, one :class:`_Track` per mover."""
        out = []
        bounds = np.searchsorted(self.mover, np.arange(len(self.movers) + 1))
        for i, mover in enumerate(self.movers):
            arrive = float(self.arrive[i])
            tr = _Track(mover, self.units[i], self.modes[i], float(self.start[i]),
                        None if math.isnan(arrive) else arrive, int(self.troops[i]), int(self.vehicles[i]))
            for k in range(bounds[i], bounds[i + 1]):
                coords, cum = self.lines[self.line[k]]
                tr.steps.append((float(self.t0[k]), float(self.t1[k]), coords, cum))
            out.append(tr)
        return out


def _text_codes(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """A text column as integer codes into its distinct texts, sorted (a missing value is ``""``)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes = column.cat.codes.to_numpy()
        texts = [str(c) for c in column.cat.categories]
    else:
        codes, uniques = pd.factorize(column)
        texts = [str(c) for c in uniques]
    texts.append("")
    codes = np.where(codes < 0, len(texts) - 1, codes)
    distinct, inverse = np.unique(np.asarray(texts, dtype=object), return_inverse=True)
    return inverse[codes], distinct


def _next_where(mask: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Per row, the next row after it in the same group where ``mask`` holds (-1 if none)."""
    at = np.flatnonzero(mask)
    if not len(at):
        return np.full(len(mask), -1)
    k = np.searchsorted(at, np.arange(len(mask)), side="right")
    j = at[np.minimum(k, len(at) - 1)]
    return np.where((k < len(at)) & (group[j] == group), j, -1)


def _steps(network: Network, events: pd.DataFrame, runs: Runs) -> _Steps:
    """Where every mover is between its events, from the event log in one vectorised pass.

    A mover's events are taken in time order (log order at equal times). An ``enter`` of
    a section is a run along it to the section's next ``leave`` by the same mover (or to
    its next event), in the direction that starts where the mover was (else towards the
    next node or section it mentions); any other event at a node, except ``leave``, is a
    fix there, unless it is a resource event (``request``, ``acquire``, ``release``) at a
    node other than where the mover is (a border ahead, say).
    """
    time = pd.to_numeric(events["time"], errors="coerce").to_numpy(dtype=float)
    mover_c, mover_txt = _text_codes(events["mover"])
    rows = np.flatnonzero((mover_txt != "")[mover_c] & ~np.isnan(time))
    if not len(rows):
        return _Steps.empty()
    order = rows[np.lexsort((time[rows], mover_c[rows]))]  # by mover id, then time; stable
    t = time[order]
    m = mover_c[order]
    new = np.r_[True, m[1:] != m[:-1]]
    first = np.flatnonzero(new)
    gid = np.cumsum(new) - 1
    n = len(order)
    pos = np.arange(n)

    unit_c, unit_txt = _text_codes(events["unit"])
    mode_c, mode_txt = _text_codes(events["mode"])
    event_c, event_txt = _text_codes(events["event"])
    place_c, place_txt = _text_codes(events["place"])
    mode = mode_c[order]
    with_mode = np.minimum.reduceat(np.where((mode_txt != "")[mode], pos, n), first)
    modes = [str(mode_txt[mode[k]]) if k < n else "" for k in with_mode]
    e = event_c[order]

    def is_event(*names: str) -> np.ndarray:
        return np.isin(event_txt, names)[e]

    last_arrive = np.maximum.reduceat(np.where(is_event("arrive"), pos, -1), first)
    number = {c: pd.to_numeric(events[c], errors="coerce").fillna(0).to_numpy(dtype=float)[order]
              for c in ("troops", "vehicles")}

    node_ids = list(network.node_ids)
    node_index = {nd: i for i, nd in enumerate(node_ids)}
    sections = list(runs)
    section_index = {s: i for i, s in enumerate(sections)}
    place = place_c[order]
    at_node = np.asarray([node_index.get(str(x), -1) for x in place_txt], dtype=np.int64)[place]
    on_section = np.asarray([section_index.get(str(x), -1) for x in place_txt], dtype=np.int64)[place]
    leave = is_event("leave")
    run = is_event("enter") & (on_section >= 0)
    fix = ~run & (at_node >= 0) & ~leave
    resource = fix & is_event("request", "acquire", "release")

    # a run ends at the mover's next leave of the same section, else at its next event
    both = np.flatnonzero(run | leave)
    by_place = both[np.lexsort((both, place[both], gid[both]))]
    nxt = _next_where(leave[by_place], gid[by_place] * (len(place_txt) + 1) + place[by_place])
    end = t.copy()
    has_next = np.r_[gid[1:] == gid[:-1], False]
    end[has_next] = t[1:][has_next[:-1]]
    found = nxt >= 0
    end[by_place[found]] = t[by_place[nxt[found]]]
    # where a run with no known start heads: the next node or section the mover mentions
    ahead = _next_where((at_node >= 0) | run, gid)

    # polylines: each directed run, then each node's point (nodes at one spot share it)
    ends_index = dict(node_index)  # the network's nodes, then any section end that is not one
    line_coords: list[list[tuple[float, float]]] = []
    cands: list[list[tuple[int, int, int]]] = []  # per section: (from node, to node, line)
    for s in sections:
        row = []
        for u, v, coords in runs[s]:
            row.append((ends_index.setdefault(u, len(ends_index)), ends_index.setdefault(v, len(ends_index)),
                        len(line_coords)))
            line_coords.append(coords)
        cands.append(row)
    point_line: list[int] = []
    spots: dict[tuple[float, float], int] = {}
    for nd in node_ids:
        d = network.node(nd)
        xy = (float(d["x"]), float(d["y"]))
        if xy not in spots:
            spots[xy] = len(line_coords)
            line_coords.append([xy])
        point_line.append(spots[xy])
    point = np.asarray(point_line, dtype=np.int64)

    # the first run of each section from each node, as sorted keys (section, from node)
    width = len(ends_index) + 2
    leaving: dict[int, tuple[int, int]] = {}
    for sec, row in enumerate(cands):
        for u, v, ln in row:
            leaving.setdefault(sec * width + u + 1, (v, ln))
    keys = np.fromiter(sorted(leaving), dtype=np.int64, count=len(leaving))
    key_to = np.asarray([leaving[k] for k in keys.tolist()], dtype=np.int64).reshape(-1, 2)
    heading: dict[tuple[int, int, int], tuple[int, int]] = {}

    def towards(sec: int, k: int) -> tuple[int, int]:
        """(to node, line) of a run of ``sec`` with no known start: towards the place of row ``k`` (-1: none)."""
        key = (sec, int(at_node[k]) if k >= 0 else -1, int(on_section[k]) if k >= 0 else -1)
        if key not in heading:
            to = set() if k < 0 else {key[1]} if key[1] >= 0 else {c[j] for c in cands[key[2]] for j in (0, 1)}
            c = next((c for c in cands[sec] if c[1] in to), cands[sec][0])
            heading[key] = (c[1], c[2])
        return heading[key]

    # Where a mover is: the node of its latest fix, or the far end of its latest run, whose direction
    # depends on where it was before. Resolved for every run at once, in as many rounds as the
    # longest string of runs with no fix between them (21 on the baseline).
    rel = run | fix
    first_rel = np.minimum.reduceat(np.where(rel, pos, n), first)
    opening = np.zeros(n, dtype=bool)
    opening[first_rel[first_rel < n]] = True  # a mover's first place counts, whatever the event
    fixed = fix & (~resource | opening)
    moved = np.maximum.accumulate(np.where(run | fixed, pos, -1))
    prev = np.r_[-1, moved[:-1]]  # the latest row before that set where the mover is
    prev = np.where(prev >= first[gid], prev, -1)
    state = np.where(fixed, at_node, -3)  # where the mover is after the row (-3: not known yet)
    line_of = np.where(fixed, point[np.maximum(at_node, 0)], -1)
    pending = np.flatnonzero(run)
    while len(pending):
        p = prev[pending]
        ready = (p < 0) | (state[np.maximum(p, 0)] != -3)
        batch, p = pending[ready], p[ready]
        key = on_section[batch] * width + np.where(p < 0, -1, state[np.maximum(p, 0)]) + 1
        at = np.minimum(np.searchsorted(keys, key), len(keys) - 1)
        hit = keys[at] == key
        to, ln = key_to[at, 0].copy(), key_to[at, 1].copy()
        for j in np.flatnonzero(~hit).tolist():
            to[j], ln[j] = towards(int(on_section[batch[j]]), int(ahead[batch[j]]))
        state[batch], line_of[batch] = to, ln
        pending = pending[~ready]
    # a resource event at another node than the mover's (a border ahead, say) does not place it
    kept = fix & ~fixed & (prev >= 0) & (state[np.maximum(prev, 0)] == at_node)
    line_of[kept] = point[at_node[kept]]
    stepped = np.flatnonzero(run | fixed | kept)
    table = np.column_stack([gid[stepped], t[stepped], np.where(run[stepped], end[stepped], t[stepped]),
                             line_of[stepped]]).astype(float)
    line = table[:, 3].astype(np.int64)
    used, first_use = np.unique(line, return_index=True)
    used = used[np.argsort(first_use)]
    renumber = np.zeros(len(line_coords), dtype=np.int64)
    renumber[used] = np.arange(len(used))
    lines = [(line_coords[j], _cumulative(line_coords[j]) if len(line_coords[j]) > 1 else [0.0])
             for j in used.tolist()]
    arrive = np.where(last_arrive >= 0, t[np.maximum(last_arrive, 0)], np.nan)
    return _Steps(
        movers=[str(x) for x in mover_txt[m[first]]],
        units=[str(x) for x in unit_txt[unit_c[order[first]]]],
        modes=modes,
        start=t[first],
        arrive=arrive,
        troops=np.maximum.reduceat(number["troops"], first).astype(np.int64),
        vehicles=np.maximum.reduceat(number["vehicles"], first).astype(np.int64),
        mover=table[:, 0].astype(np.int64),
        t0=table[:, 1].copy(),
        t1=table[:, 2].copy(),
        line=renumber[line],
        lines=lines,
    )


def _tracks(network: Network, events: pd.DataFrame) -> list[_Track]:
    """One :class:`_Track` per mover (sorted by id)."""
    return _steps(network, events, _directed_runs(network)).tracks()


def _frame_positions(steps: _Steps, frame_times: Sequence[float]
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Where every mover is at every frame, vectorised over movers and frames.

    Returns (mover index, frame index, lon, lat, arrived) for each (mover, frame) from the
    mover's first event on, movers in order; the same positions :meth:`_Track.position`
    gives one at a time (a mover on a section is placed along its geometry in proportion
    to the time elapsed; after its arrival it stays at its destination).
    """
    F = np.asarray(frame_times, dtype=float)
    n = len(steps.movers)
    bounds = np.searchsorted(steps.mover, np.arange(n + 1))
    s_first = bounds[:-1]
    f_first = np.searchsorted(F, steps.start, side="left")  # frames at or after the first event
    nf = np.where(bounds[1:] > s_first, len(F) - f_first, 0)
    if not nf.sum():
        empty = np.zeros(0)
        return empty.astype(int), empty.astype(int), empty, empty, empty.astype(bool)
    ti = np.repeat(np.arange(n), nf)
    fi = np.arange(int(nf.sum())) - np.repeat(np.cumsum(nf) - nf, nf) + np.repeat(f_first, nf)
    arrive = steps.arrive[ti]
    arrived = F[fi] >= arrive  # False where it never arrived (NaN)
    times = np.where(arrived, arrive, F[fi])  # after arrival: where it arrived
    # each (mover, time) against its own steps' starts: one search on exact integer keys
    _, rank = np.unique(np.concatenate([steps.t0, times]), return_inverse=True)
    width = int(rank.max()) + 1
    k = np.searchsorted(steps.mover * width + rank[:len(steps.t0)],
                        ti * width + rank[len(steps.t0):], side="right") - 1
    before = k < s_first[ti]
    g = np.maximum(k, s_first[ti])
    t0, t1 = steps.t0[g], steps.t1[g]
    span = t1 - t0
    frac = np.where((times >= t1) | (span <= 0), 1.0, np.clip((times - t0) / np.where(span > 0, span, 1.0), 0, 1))
    frac = np.where(before, 0.0, frac)
    # every polyline's vertices in one array, each one's cumulative length offset so they never overlap
    polylines = steps.lines
    lengths = np.asarray([float(c[-1]) for _, c in polylines])
    offsets = np.concatenate([[0.0], np.cumsum(lengths + 1.0)[:-1]])
    counts = np.asarray([len(c) for c, _ in polylines])
    starts_v = np.concatenate([[0], np.cumsum(counts)[:-1]])
    gxy = np.asarray([pt[:2] for c, _ in polylines for pt in c], dtype=float)
    gx, gy = gxy[:, 0], gxy[:, 1]
    gc = np.concatenate([np.asarray(c, dtype=float) + o for (_, c), o in zip(polylines, offsets, strict=True)])
    line = steps.line[g]
    vs, nv = starts_v[line], counts[line]
    target = offsets[line] + frac * lengths[line]
    seg = np.searchsorted(gc, target, side="right") - 1
    seg = np.clip(seg, vs, vs + np.maximum(nv - 2, 0))
    nxt = np.minimum(seg + 1, vs + nv - 1)
    dc = gc[nxt] - gc[seg]
    w = np.where(dc > 0, (target - gc[seg]) / np.where(dc > 0, dc, 1.0), 0.0)
    w = np.clip(w, 0.0, 1.0)
    lon = gx[seg] + (gx[nxt] - gx[seg]) * w
    lat = gy[seg] + (gy[nxt] - gy[seg]) * w
    return ti, fi, lon, lat, arrived


def _frame_spots(steps: _Steps, frame_times: Sequence[float], state_of: Sequence[int],
                 unit_index: dict[str, int]) -> dict[int, list[list[Any]]]:
    """Per frame, movers at the same spot in the same state as one circle:
    ``[lat, lon, state, movers, troops, vehicles, [unit indexes]]``, arrived ones first, then by
    latitude, longitude and the order the movers come in."""
    ti, fi, lon, lat, arrived = _frame_positions(steps, frame_times)
    lat, lon = np.round(lat, 4), np.round(lon, 4)
    ok = ~(np.isnan(lat) | np.isnan(lon))
    if not ok.any():
        return {}
    ti, fi, lat, lon, arrived = ti[ok], fi[ok], lat[ok], lon[ok], arrived[ok]
    state = np.where(arrived, 3, np.asarray(state_of, dtype=np.int64)[ti])
    unit = np.asarray([unit_index[u] for u in steps.units], dtype=np.int64)[ti]
    # rows by spot (frame, lat, lon, state), then unit; a spot is a run of equal keys
    order = np.lexsort((unit, state, lon, lat, fi))
    f, la, lo, st, un = fi[order], lat[order], lon[order], state[order], unit[order]
    new = np.r_[True, (f[1:] != f[:-1]) | (la[1:] != la[:-1]) | (lo[1:] != lo[:-1]) | (st[1:] != st[:-1])]
    starts = np.flatnonzero(new)
    movers = np.diff(np.r_[starts, len(order)])
    troops = np.add.reduceat(steps.troops[ti][order], starts)
    vehicles = np.add.reduceat(steps.vehicles[ti][order], starts)
    seen = np.minimum.reduceat(order, starts)  # where each spot first comes in the movers' order
    distinct = new | np.r_[True, un[1:] != un[:-1]]  # each unit once per spot, ascending
    spot_units = un[distinct].tolist()
    cut = np.r_[np.flatnonzero(new[distinct]), distinct.sum()].tolist()
    drawn = np.lexsort((seen, lo[starts], la[starts], st[starts] != 3, f[starts]))  # arrived first
    out: dict[int, list[list[Any]]] = {}
    for k, *spot in zip(drawn.tolist(), *(a[starts][drawn].tolist() for a in (f, la, lo, st)),
                        *(a[drawn].tolist() for a in (movers, troops, vehicles)), strict=True):
        out.setdefault(spot[0], []).append([*spot[1:], spot_units[cut[k]:cut[k + 1]]])
    return out


def _day_label(t: float) -> str:
    day = int(math.floor(t / 24.0 + 1e-9))
    hours = t - 24.0 * day
    hh = int(math.floor(hours + 1e-9))
    mm = int(round((hours - hh) * 60))
    if mm == 60:
        hh, mm = hh + 1, 0
    return f"D+{day} {hh:02d}:{mm:02d}"


def _closure_layers(network: Network, events: pd.DataFrame, runs: Runs
                    ) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Closure windows of the log and, per window, what the map draws: the place's line or point,
    its name and the words of the panel."""
    from mobility.analysis.disruptions import closure_windows, describe_cause

    windows = closure_windows(events)
    items = []
    for w in windows.to_dict("records"):
        place = str(w["place"])
        if place in runs:
            _, _, coords = runs[place][0]
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
    runs = _directed_runs(network)
    steps = _steps(network, events, runs) if not _empty_events(events) else _Steps.empty()
    times = (
        pd.to_numeric(events["time"], errors="coerce")
        if not _empty_events(events)
        else pd.Series(dtype=float)
    )
    arrivals = steps.arrive[~np.isnan(steps.arrive)]
    end = (
        float(arrivals.max())
        if len(arrivals)
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
    units = sorted(set(steps.units))
    unit_index = {u: i for i, u in enumerate(units)}
    state_of = [PLAYBACK_STATES.index(mode if mode in PLAYBACK_STATES else "") for mode in steps.modes]
    windows, closures = _closure_layers(network, events, runs)
    closed = _closed_troops(events, frame_times)
    spots_by_frame = _frame_spots(steps, frame_times, state_of, unit_index)
    # the windows in force at each frame (as closed_at: from <= t < to), every frame at once
    in_force = ((windows["from_h"].to_numpy(dtype=float)[None, :] <= np.asarray(frame_times)[:, None])
                & (np.asarray(frame_times)[:, None] < windows["to_h"].to_numpy(dtype=float)[None, :]))
    frames = []
    for f, t in enumerate(frame_times):
        active = np.flatnonzero(in_force[f]).tolist() if len(windows) else []
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
        f"{len(steps.movers)} movers, every {step:g} h to {_esc(_day_label(end))}; "
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


