"""Invariants every run must keep, checked on the event log."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobility.errors import InvariantError


def max_in_use(events: pd.DataFrame) -> pd.Series:
    """Highest amount of each resource held at once.

    At equal times releases count before acquires, as simpy serves them: a
    server freed and taken at the same instant is not double-counted.
    """
    ev = events[events["event"].isin(["acquire", "release"]) & (events["resource"] != "")]
    if ev.empty:
        return pd.Series(dtype=float)
    df = pd.DataFrame({"resource": ev["resource"].astype(str).to_numpy(), "time": ev["time"].to_numpy(),
                       "delta": np.where(ev["event"] == "acquire", 1, -1) * ev["amount"].to_numpy(),
                       "order": np.where(ev["event"] == "release", 0, 1)})
    # releases at the same instant happen before the next acquire in simpy
    df = df.sort_values(["resource", "time", "order"], kind="stable")
    df["held"] = df.groupby("resource")["delta"].cumsum()
    return df.groupby("resource")["held"].max()


def check_capacity(events: pd.DataFrame, resources: pd.DataFrame) -> None:
    """InvariantError if any resource was ever above its capacity."""
    peak = max_in_use(events)
    res = resources.set_index("resource")
    cap, kind = res["capacity"], res["kind"]
    # clearance is a lead time, not a capacity; anything else held beyond its capacity (0 included) is a bug
    bad = [(r, p, cap.get(r)) for r, p in peak.items()
           if r in cap.index and kind[r] != "clearance" and p > cap[r]]
    if bad:
        r, p, c = bad[0]
        raise InvariantError(f"resource {r} held {p} at once but its capacity is {c}")


def troop_states(events: pd.DataFrame, *, unit_troops: dict[str, int]) -> pd.DataFrame:
    """Troops waiting, moving and closed after every change; InvariantError where they do not add up.

    ``unit_troops`` is the force list (unit id -> troops). Checks, from the
    event log alone, that each unit's movers carry exactly its troops, that a
    closed unit closes with all of them, and that at every time the troops
    waiting (not yet set off, or not even ready), moving and closed sum to the
    force list's total.
    """
    total = sum(unit_troops.values())
    movers = events[events["mover"] != ""]
    carried = movers.drop_duplicates("mover").groupby("unit", observed=True)["troops"].sum()
    closed_ev = events[events["event"] == "closed"]
    for unit, troops in carried.items():
        if unit in unit_troops and int(troops) != unit_troops[unit]:
            raise InvariantError(f"unit {unit}: its movers carry {int(troops)} troops but the unit has "
                                 f"{unit_troops[unit]}")
    for unit, troops in closed_ev.groupby("unit", observed=True)["troops"].sum().items():
        if int(troops) != unit_troops.get(str(unit), -1):
            raise InvariantError(f"unit {unit} closed with {int(troops)} troops, not {unit_troops.get(str(unit))}")
    start = movers.groupby("unit", observed=True)["time"].min()
    closed = closed_ev.groupby("unit", observed=True)["time"].max()
    units = sorted(unit_troops)
    v = np.array([unit_troops[u] for u in units])
    s = start.reindex(units).to_numpy(dtype=float)
    c = closed.reindex(units).to_numpy(dtype=float)
    times = np.unique(np.concatenate([[0.0], s[~np.isnan(s)], c[~np.isnan(c)]]))
    rows = []
    for t in times:
        is_closed = c <= t  # NaN (never closed) compares False
        moving = (s <= t) & ~is_closed
        waiting = ~(moving | is_closed)
        row = {"time": float(t), "waiting": int(v[waiting].sum()), "moving": int(v[moving].sum()),
               "closed": int(v[is_closed].sum())}
        if row["waiting"] + row["moving"] + row["closed"] != total or int(
                closed_ev.loc[closed_ev["time"] <= t, "troops"].sum()) != row["closed"]:
            raise InvariantError(f"troops not conserved at t={t:.2f} h: {row} of {total}")
        rows.append(row)
    return pd.DataFrame(rows)
