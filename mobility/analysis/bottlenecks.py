"""Bottlenecks: utilisation and queue waits of every resource, from the event log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from mobility.analysis.closure import resource_waits
from mobility.limits import WHAT_IF_DEFAULT
from mobility.sim.log import text, text_index


def utilisation(events: pd.DataFrame, resources: pd.DataFrame, *, span_h: float) -> pd.Series:
    """Mean share of each resource's capacity in use over ``span_h`` hours (by resource id)."""
    ev = events[events["event"].isin(["acquire", "release"]) & (events["resource"] != "")]
    sign = np.where(ev["event"] == "acquire", 1.0, -1.0) * ev["amount"].to_numpy()
    busy = (-(sign * ev["time"].to_numpy()))  # sum(release*t) - sum(acquire*t)
    rid = text_index(ev["resource"])
    s = pd.Series(busy, index=rid).groupby(level=0).sum()
    # anything still held at the end counts until span_h
    held = pd.Series(sign, index=rid).groupby(level=0).sum()
    s = s + held * span_h
    cap = resources.set_index("resource")["capacity"].astype(float)
    cap = cap[cap > 0]
    return (s.reindex(cap.index).fillna(0.0) / (cap * span_h)).clip(lower=0.0)


def bottleneck_table(events: pd.DataFrame, resources: pd.DataFrame, *, span_h: float) -> pd.DataFrame:
    """One row per resource: capacity, utilisation, requests, mean and worst wait, total wait, and
    ``idle_held_h``: hours its holders held it idle waiting for stock (a ramp or gauge terminal taken by
    a train whose wagons or locomotive had not come; :func:`idle_held`). Waiting for a resource and
    holding it idle are apart: a ramp with long waits and long idle holding binds on the stock, not
    on its ramps.

    Sorted by total wait (the resource that held forces back longest first); which of these binds is
    measured by :func:`what_if`.
    """
    waits = resource_waits(events)
    g = waits.groupby("resource")["wait_h"]
    stats = pd.DataFrame({"requests": g.size(), "mean_wait_h": g.mean(), "max_wait_h": g.max(),
                          "total_wait_h": g.sum()})
    res = resources.set_index("resource")
    out = res.join(stats, how="left")
    out["utilisation"] = utilisation(events, resources, span_h=span_h).reindex(out.index)
    out["idle_held_h"] = idle_held(events).reindex(out.index)
    out = out.fillna({"requests": 0, "mean_wait_h": 0.0, "max_wait_h": 0.0, "total_wait_h": 0.0,
                      "idle_held_h": 0.0})
    out["requests"] = out["requests"].astype(int)
    out = out.reset_index().sort_values(["total_wait_h", "resource"], ascending=[False, True], kind="stable")
    return out[["resource", "kind", "place", "capacity", "utilisation", "requests", "mean_wait_h", "max_wait_h",
                "total_wait_h", "idle_held_h"]].reset_index(drop=True)


def idle_held(events: pd.DataFrame) -> pd.Series:
    """Hours each ramp and gauge terminal was held idle: from a train taking it to the start of
    its loading or gauge change (waiting there for wagons or a locomotive), by resource id."""
    ev = events[["time", "mover", "event", "place", "resource"]]
    acq = ev[ev["event"] == "acquire"]
    acq = acq[[r.startswith(("ramp:", "terminal:")) for r in text(acq["resource"])]]
    work = ev[ev["event"].isin(["load", "gauge_change"])]
    if acq.empty or work.empty:
        return pd.Series(dtype=float)
    a = acq.assign(mover=acq["mover"].astype(str), place=acq["place"].astype(str),
                   resource=acq["resource"].astype(str)).sort_values("time", kind="stable")
    w = work.assign(mover=work["mover"].astype(str), place=work["place"].astype(str)).sort_values(
        "time", kind="stable")
    m = pd.merge_asof(w, a[["time", "mover", "place", "resource"]].rename(columns={"time": "taken"}),
                      left_on="time", right_on="taken", by=["mover", "place"], direction="backward")
    m = m.dropna(subset=["resource_y"]) if "resource_y" in m else m.dropna(subset=["taken"])
    col = "resource_y" if "resource_y" in m else "resource"
    return (m["time"] - m["taken"]).groupby(m[col].to_numpy()).sum()


#: kinds of resource whose doubling the model can measure
WHAT_IF_KINDS: tuple[str, ...] = ("ramp", "terminal", "track", "wagons", "locomotives", "intermodal", "standing",
                                  "berth", "border", "het", "ships", "clearance")

def doubling(result: Any, row: Any) -> tuple[dict[str, Any], str]:
    """The point (:func:`mobility.analysis.experiments.points.at_point`) that doubles the resource of
    bottleneck-table row ``row`` in ``result``'s scenario, and a short text saying what it changes.

    A ramp or gauge terminal: twice its ramps; a single-track section: a second track; a double
    track: twice its trains a day; a stock pool: twice its stock; a port's berths, a border's lanes:
    twice at every port or crossing (the scenario sets them for all); holding tracks at a stop: twice
    the trains that can stand there; clearance: half the hours.
    """
    sc = result.scenario
    rid, kind, place, cap = str(row.resource), str(row.kind), str(row.place), int(row.capacity)
    if kind == "ramp":
        return {f"terminals.{place}.ramp": 2 * max(cap, 1)}, f"{2 * max(cap, 1)} ramps at {place}"
    if kind == "terminal":
        method = rid.split(":")[2]
        return {f"terminals.{place}.{method}": 2 * max(cap, 1)}, f"{2 * max(cap, 1)} {method} ramps at {place}"
    if kind == "track":
        d = next(d for _, _, d in result.network.rail.edges(data=True) if d["section"] == place)
        if (d.get("tracks") or 1) < 2:
            return {f"infrastructure.sections.{place}.tracks": 2}, "second track"
        tpd = float(d.get("trains_per_day") or result.factors["trains_per_day_double_track"])
        return {f"infrastructure.sections.{place}.trains_per_day": 2 * tpd}, f"{2 * tpd:g} trains a day"
    if kind in ("wagons", "locomotives", "intermodal"):
        field = f"{'intermodal_wagons' if kind == 'intermodal' else kind}_{rid.split(':')[1]}"
        return {f"resources.{field}": 2 * cap}, f"{field} {2 * cap}"
    if kind == "standing":
        return ({f"infrastructure.holding_tracks.{place}": 2 * max(cap, 1)},
                f"{2 * max(cap, 1)} holding tracks at {place}")
    if kind == "berth":
        return {"resources.port_berths": 2 * max(cap, 1)}, f"port_berths {2 * max(cap, 1)} (every port)"
    if kind == "border":
        lanes = int(result.factors["border_lanes"])
        return {"border_lanes": 2 * lanes}, f"border_lanes {2 * lanes} (every crossing)"
    if kind == "het":
        return {"resources.hets": 2 * cap}, f"hets {2 * cap}"
    if kind == "ships":
        return {"resources.roro_ships": 2 * cap}, f"roro_ships {2 * cap}"
    if kind == "clearance":
        hours = sc.clearance_hours(result.factors) / 2
        return {"policies.clearance": "custom", "policies.clearance_hours": hours}, f"clearance {hours:g} h (halved)"
    raise ValueError(f"no doubling for a resource of kind {kind!r}")


def what_if(result: Any, *, top: int = WHAT_IF_DEFAULT, kinds: tuple[str, ...] = WHAT_IF_KINDS,
            progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """What doubling each of the ``top`` resources by total wait buys, measured by the model.

    Reruns the scenario with the same seed and network with one resource doubled
    (:func:`doubling`). Returns one row per resource tried: ``resource, change, point``
    (the ``--set`` that reproduces it), ``met_days`` (tier met days, ``-`` if not met),
    ``days_earlier`` (tier met days gained, summed; negative: later), ``gain_troops``
    (troops closed by the tier days, summed), ``later`` (some tier met later) and ``buys``
    (some tier met earlier and none later), sorted by what it buys.
    ``progress`` is called with a line before each rerun.
    """
    from mobility.analysis.experiments.points import at_point
    from mobility.simulation import simulate

    sc = result.scenario
    table = result.bottlenecks
    cands = table[table["kind"].isin(kinds) & (table["total_wait_h"] > 0)].head(top)
    base_days = [None if pd.isna(d) else int(d) for d in result.tiers["met_day"]]
    horizon = sc.horizon_days + 1
    rows = []
    for i, r in enumerate(cands.itertuples(), start=1):
        point, change = doubling(result, r)
        if progress:
            progress(f"what-if {i}/{len(cands)}: {r.resource}: {change}")
        s2 = at_point(sc, point, source="what-if")
        # the loaded network and its routers are reused (mobility.sim.routers) unless the change is to the
        # network itself
        alt = simulate(s2, seed=result.seed)
        days = [None if pd.isna(d) else int(d) for d in alt.tiers["met_day"]]
        pairs = [(horizon if a is None else a, horizon if b is None else b)
                 for a, b in zip(days, base_days, strict=True)]
        earlier = sum(b - a for a, b in pairs)
        later = any(a > b for a, b in pairs)
        gain = int(alt.tiers["closed"].sum()) - int(result.tiers["closed"].sum())
        rows.append({"resource": str(r.resource), "change": change,
                     "point": " ".join(f"{k}={v}" for k, v in point.items()),
                     "met_days": " / ".join("-" if d is None else f"D+{d}" for d in days),
                     "days_earlier": int(earlier), "gain_troops": gain, "later": later,
                     "buys": any(a < b for a, b in pairs) and not later})
    out = pd.DataFrame(rows, columns=["resource", "change", "point", "met_days", "days_earlier", "gain_troops",
                                      "later", "buys"])
    return out.sort_values(["buys", "days_earlier", "gain_troops"], ascending=False, kind="stable").reset_index(
        drop=True)


def true_bottlenecks(table: pd.DataFrame, whatif: pd.DataFrame) -> pd.DataFrame:
    """The rows of the bottleneck ``table`` whose doubling buys closure (``whatif``), ranked by what it buys,
    with the what-if's ``change``, ``met_days``, ``days_earlier`` and ``gain_troops`` beside each."""
    bought = whatif[whatif["buys"]].drop(columns=["buys", "later"])
    out = bought.merge(table, on="resource", how="left")
    return out[[*table.columns, "change", "point", "met_days", "days_earlier", "gain_troops"]]


def with_what_if(table: pd.DataFrame, whatif: pd.DataFrame) -> pd.DataFrame:
    """The bottleneck ``table`` with what doubling each tried resource bought, for every output to show.

    Adds ``buys`` (``"yes"``: some tier met earlier and none later; ``"no"``: doubling it buys
    nothing, so it is a wait, not a bottleneck; empty: not tried) and ``doubled`` (the change
    and the tier met days it gave). Text columns, so the table reads back from its CSV the same.
    """
    verdict = {r.resource: ("yes" if r.buys else "no",
                            f"{r.change}: {r.met_days} ({r.days_earlier:+d} tier days, {r.gain_troops:+,} troops)")
               for r in whatif.itertuples()}
    out = table.copy()
    out["buys"] = [verdict[r][0] if r in verdict else "" for r in out["resource"]]
    out["doubled"] = [verdict[r][1] if r in verdict else "" for r in out["resource"]]
    return out
