"""Closure against the NATO Force Model: the curve, the tier table, late units."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from mobility.sim.log import text


def closure_curve(events: pd.DataFrame, *, horizon_days: int, total_troops: int) -> pd.DataFrame:
    """Troops closed by the end of each day D+0 .. D+horizon.

    Columns: ``day``, ``closed`` (cumulative troops whose personnel and
    equipment had both arrived), ``closed_units``, ``combat_ready`` (troops
    through reception and staging as well), ``combat_ready_units``, ``total``.
    """
    days = np.arange(0, horizon_days + 1)
    out: dict[str, object] = {"day": days}
    for event in ("closed", "combat_ready"):
        ev = events[events["event"] == event]
        t = ev["time"].to_numpy() / 24.0
        troops = ev["troops"].to_numpy()
        order = np.argsort(t, kind="stable")
        t, troops = t[order], troops[order]
        cum = np.concatenate([[0], np.cumsum(troops)])
        idx = np.searchsorted(t, days, side="right")
        out[event] = cum[idx].astype(int)
        out[f"{event}_units"] = idx
    out["total"] = total_troops
    return pd.DataFrame(out)[["day", "closed", "closed_units", "combat_ready", "combat_ready_units", "total"]]


def tier_table(events: pd.DataFrame, required: list[tuple[int, int]]) -> pd.DataFrame:
    """One row per tier: ``day``, ``required``, ``closed`` by that day, ``met_day``, ``shortfall``.

    ``met_day`` is the day (D+n, counting a part day as a whole one) the
    required troops had closed, or NaN if they never did within the run.
    """
    closed = events[events["event"] == "closed"].sort_values("time", kind="stable")
    t = closed["time"].to_numpy() / 24.0
    cum = np.cumsum(closed["troops"].to_numpy())
    rows = []
    for day, req in required:
        by_day = int(cum[np.searchsorted(t, day, side="right") - 1]) if len(t) and t[0] <= day else 0
        k = int(np.searchsorted(cum, req, side="left"))
        met = float(math.ceil(t[k])) if k < len(t) else math.nan
        rows.append({"day": day, "required": req, "closed": by_day, "met_day": met,
                     "shortfall": max(0, req - by_day)})
    return pd.DataFrame(rows)


def unit_table(events: pd.DataFrame, nominal_h: dict[str, float], *,
               required_h: dict[str, float | None] | None = None, in_place: set[str] | None = None) -> pd.DataFrame:
    """Per unit: ready and closed day, delay over its unconstrained transit, and why.

    ``delay_days`` is the transit (ready to closed) less the time one mover
    would take on the unit's routes with no queue or wait; it also holds the
    time the unit's own column needs to load and pass. ``main_wait`` is the
    resource where the unit's *last* mover to arrive (the one that closed it)
    waited longest, with that wait in ``main_wait_days``; ``wait_days`` is
    that mover's total wait.

    ``combat_ready_day`` is when the unit was through reception and staging;
    ``required_day`` its required delivery day (``required_h``, NaN if none),
    ``late_days`` the closed day less the required day (> 0: late; NaN if no
    required day or not closed), ``in_place`` whether it was stationed there.
    """
    required_h = required_h or {}
    in_place = in_place or set()
    ready_ev = events[events["event"] == "combat_ready"].groupby("unit", observed=True)["time"].max()
    ready = events[events["event"] == "ready"].groupby("unit", observed=True)["time"].min()
    closed = events[events["event"] == "closed"].groupby("unit", observed=True)["time"].max()
    arrivals = events[events["event"] == "arrive"].sort_values("time", kind="stable")
    last_mover = arrivals.groupby("unit", observed=True)["mover"].last().astype(str)
    movers = set(last_mover.to_numpy())
    waits = resource_waits(events[events["mover"].isin(movers)])  # those movers' rows: their pairs are the same
    waits = waits[waits["mover"].isin(movers)]
    per = waits.groupby(["mover", "resource"], observed=True)["wait_h"].sum().reset_index()
    total = per.groupby("mover")["wait_h"].sum()
    top = per.sort_values(["mover", "wait_h"], ascending=[True, False], kind="stable").drop_duplicates("mover")
    top = top.set_index("mover")
    rows = []
    for unit in sorted(nominal_h):
        r = float(ready.get(unit, math.nan))
        c = float(closed.get(unit, math.nan))
        transit = c - r
        delay = transit - nominal_h[unit] if not math.isnan(transit) else math.nan
        mover = last_mover.get(unit, "")
        cause, cause_h = "", 0.0
        if mover in top.index and top.loc[mover, "wait_h"] > 1e-9:
            cause, cause_h = str(top.loc[mover, "resource"]), float(top.loc[mover, "wait_h"])
        req = required_h.get(unit)
        req_day = math.nan if req is None else req / 24.0
        rows.append({"unit": unit, "in_place": unit in in_place, "ready_day": r / 24.0, "closed_day": c / 24.0,
                     "combat_ready_day": float(ready_ev.get(unit, math.nan)) / 24.0,
                     "required_day": req_day, "late_days": c / 24.0 - req_day,
                     "transit_days": transit / 24.0, "nominal_days": nominal_h[unit] / 24.0,
                     "delay_days": delay / 24.0, "last_mover": mover, "main_wait": cause,
                     "main_wait_days": cause_h / 24.0, "wait_days": float(total.get(mover, 0.0)) / 24.0})
    return pd.DataFrame(rows)


def resource_waits(events: pd.DataFrame) -> pd.DataFrame:
    """Every request matched with its acquire: ``unit, mover, resource, request_time, wait_h``.

    Requests and acquires of one mover at one resource are paired in order.
    """
    ev = events[events["event"].isin(["request", "acquire"]) & (events["resource"] != "")]
    if ev.empty:
        return pd.DataFrame(columns=["unit", "mover", "resource", "request_time", "wait_h"])
    ev = ev[["time", "unit", "mover", "event", "resource"]].copy()
    for c in ("unit", "mover", "resource", "event"):
        ev[c] = pd.Series(text(ev[c]), index=ev.index, dtype=object)
    ev["n"] = ev.groupby(["mover", "unit", "resource", "event"], sort=False).cumcount()
    req = ev[ev["event"] == "request"].set_index(["mover", "unit", "resource", "n"])["time"]
    acq = ev[ev["event"] == "acquire"].set_index(["mover", "unit", "resource", "n"])["time"]
    both = pd.DataFrame({"request_time": req}).join(acq.rename("acquire_time"), how="left")
    both = both.reset_index()
    # clearance waits end with a `cleared` event rather than an acquire
    if both["acquire_time"].isna().any():
        cl = events[events["event"] == "cleared"][["mover", "time"]].astype({"mover": str})
        cl["n"] = cl.groupby("mover").cumcount()
        cl = cl.set_index(["mover", "n"])["time"]
        miss = both["acquire_time"].isna() & (both["resource"] == "clearance")
        keys = pd.MultiIndex.from_arrays([both.loc[miss, "mover"], both.loc[miss, "n"]])
        both.loc[miss, "acquire_time"] = cl.reindex(keys).to_numpy()
    both["wait_h"] = both["acquire_time"] - both["request_time"]
    return both[["unit", "mover", "resource", "request_time", "wait_h"]]
