"""Bottlenecks: utilisation and queue waits of every resource, from the event log."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobility.analysis.closure import resource_waits


def utilisation(events: pd.DataFrame, resources: pd.DataFrame, *, span_h: float) -> pd.Series:
    """Mean share of each resource's capacity in use over ``span_h`` hours (by resource id)."""
    ev = events[events["event"].isin(["acquire", "release"]) & (events["resource"] != "")]
    sign = np.where(ev["event"] == "acquire", 1.0, -1.0) * ev["amount"].to_numpy()
    busy = (-(sign * ev["time"].to_numpy()))  # sum(release*t) - sum(acquire*t)
    s = pd.Series(busy, index=ev["resource"].astype(str).to_numpy()).groupby(level=0).sum()
    # anything still held at the end counts until span_h
    held = pd.Series(sign, index=ev["resource"].astype(str).to_numpy()).groupby(level=0).sum()
    s = s + held * span_h
    cap = resources.set_index("resource")["capacity"].astype(float)
    cap = cap[cap > 0]
    return (s.reindex(cap.index).fillna(0.0) / (cap * span_h)).clip(lower=0.0)


def bottleneck_table(events: pd.DataFrame, resources: pd.DataFrame, *, span_h: float) -> pd.DataFrame:
    """One row per resource: capacity, utilisation, requests, mean and worst wait, total wait.

    Sorted by total wait (the resource that held forces back longest first).
    """
    waits = resource_waits(events)
    g = waits.groupby("resource")["wait_h"]
    stats = pd.DataFrame({"requests": g.size(), "mean_wait_h": g.mean(), "max_wait_h": g.max(),
                          "total_wait_h": g.sum()})
    res = resources.set_index("resource")
    out = res.join(stats, how="left")
    out["utilisation"] = utilisation(events, resources, span_h=span_h).reindex(out.index)
    out = out.fillna({"requests": 0, "mean_wait_h": 0.0, "max_wait_h": 0.0, "total_wait_h": 0.0})
    out["requests"] = out["requests"].astype(int)
    out = out.reset_index().sort_values(["total_wait_h", "resource"], ascending=[False, True], kind="stable")
    return out[["resource", "kind", "place", "capacity", "utilisation", "requests", "mean_wait_h", "max_wait_h",
                "total_wait_h"]].reset_index(drop=True)


def idle_held(events: pd.DataFrame) -> pd.Series:
    """Hours each ramp and gauge terminal was held idle: from a train taking it to the start of
    its loading or gauge change (waiting there for wagons or a locomotive), by resource id."""
    ev = events[["time", "mover", "event", "place", "resource"]]
    acq = ev[(ev["event"] == "acquire") & ev["resource"].astype(str).str.match(r"^(ramp|terminal):")]
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


def what_if(result, *, top: int = 3, kinds: tuple[str, ...] = ("ramp", "terminal", "track", "wagons",
                                                                  "locomotives", "berth", "border")) -> pd.DataFrame:
    """What doubling each of the ``top`` resources by total wait buys, measured by the model.

    Reruns the scenario (same seed) with one resource doubled: a ramp or gauge terminal
    twice its ramps, a single-track section a second track, a double track twice its trains
    a day, a pool twice its stock, a port twice its berths, the border twice its lanes.
    Returns one row per resource: ``resource, change, met_days`` (tier met days, ``-`` if
    not met), ``days_earlier`` (tier met days gained, summed; negative: later),
    ``gain_troops`` (troops closed by the tier days, summed, over the run) and ``buys``
    (some tier met earlier or more troops by a tier day, none later or fewer), sorted
    by what it buys.
    """
    from mobility.network.edits import set_section_attrs, set_terminal
    from mobility.simulation import scenario_network, simulate

    sc = result.scenario
    table = result.bottlenecks
    cands = table[table["kind"].isin(kinds) & (table["total_wait_h"] > 0)].head(top)
    base_days = [None if pd.isna(d) else int(d) for d in result.tiers["met_day"]]
    base_closed = int(result.tiers["closed"].sum())
    rows = []
    for r in cands.itertuples():
        rid, kind, cap = str(r.resource), str(r.kind), int(r.capacity)
        s2, net = sc, None
        if kind in ("ramp", "terminal"):
            method = "ramp" if kind == "ramp" else rid.split(":")[2]
            net = set_terminal(scenario_network(sc), str(r.place), method, ramps=2 * max(cap, 1), label="what-if")
            change = f"{2 * max(cap, 1)} ramps at {r.place}" + ("" if kind == "ramp" else f" ({method})")
        elif kind == "track":
            base = scenario_network(sc)
            d = next(d for _, _, d in base.rail.edges(data=True) if d["section"] == r.place)
            if (d.get("tracks") or 1) < 2:
                net, change = set_section_attrs(base, {r.place: {"tracks": 2}}, label="what-if"), "second track"
            else:
                tpd = d.get("trains_per_day") or result.factors["trains_per_day_double_track"]
                net = set_section_attrs(base, {r.place: {"trains_per_day": 2 * tpd}}, label="what-if")
                change = f"{2 * tpd:g} trains a day"
        elif kind in ("wagons", "locomotives"):
            field = f"{kind}_{rid.split(':')[1]}"
            s2 = sc.model_copy(update={"resources": sc.resources.model_copy(update={field: 2 * cap})})
            change = f"{field} {2 * cap}"
        elif kind == "berth":
            s2 = sc.model_copy(update={"resources": sc.resources.model_copy(update={"port_berths": 2 * cap})})
            change = f"port_berths {2 * cap}"
        else:  # border
            lanes = int(result.factors["border_lanes"])
            s2 = sc.model_copy(update={"factors": {**sc.factors, "border_lanes": 2 * lanes}})
            change = f"border_lanes {2 * lanes}"
        alt = simulate(s2, seed=result.seed, network=net)
        days = [None if pd.isna(d) else int(d) for d in alt.tiers["met_day"]]
        gain = int(alt.tiers["closed"].sum()) - base_closed
        horizon = sc.horizon_days + 1
        earlier = sum((horizon if b is None else b) - (horizon if a is None else a)
                      for a, b in zip(days, base_days, strict=True))
        later = any((horizon if a is None else a) > (horizon if b is None else b)
                    for a, b in zip(days, base_days, strict=True))
        closed = alt.tiers["closed"].to_numpy() - result.tiers["closed"].to_numpy()
        rows.append({"resource": rid, "change": change,
                     "met_days": " / ".join("-" if d is None else f"D+{d}" for d in days),
                     "days_earlier": int(earlier), "gain_troops": gain,
                     "buys": (earlier > 0 or gain > 0) and not later and bool((closed >= 0).all())})
    out = pd.DataFrame(rows, columns=["resource", "change", "met_days", "days_earlier", "gain_troops", "buys"])
    return out.sort_values(["buys", "days_earlier", "gain_troops"], ascending=False, kind="stable").reset_index(
        drop=True)
