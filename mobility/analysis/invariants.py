"""Invariants every run must keep, checked on the event log."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mobility.errors import InvariantError


def max_in_use(events: pd.DataFrame) -> pd.Series:
    """Highest amount of each resource held at once (acquires before releases at equal times: worst case)."""
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
    cap = resources.set_index("resource")["capacity"]
    bad = [(r, p, cap.get(r)) for r, p in peak.items() if r in cap.index and cap[r] > 0 and p > cap[r]]
    if bad:
        r, p, c = bad[0]
        raise InvariantError(f"resource {r} held {p} at once but its capacity is {c}")


def troop_states(events: pd.DataFrame, *, total: int) -> pd.DataFrame:
    """Troops waiting, moving and closed after every unit-level change; raises if they do not sum to ``total``.

    A unit waits until its first mover acquires anything or starts, moves until it closes.
    """
    unit_troops = events[events["event"] == "ready"].groupby("unit", observed=True)["troops"].first()
    if int(unit_troops.sum()) != total:
        raise InvariantError(f"the force list holds {total} troops but {int(unit_troops.sum())} became ready")
    movers = events[events["mover"] != ""]
    start = movers.groupby("unit", observed=True)["time"].min()
    closed = events[events["event"] == "closed"].groupby("unit", observed=True)["time"].max()
    times = np.unique(np.concatenate([[0.0], start.to_numpy(), closed.to_numpy()]))
    rows = []
    tr = unit_troops.reindex(unit_troops.index)
    s = start.reindex(tr.index).to_numpy()
    c = closed.reindex(tr.index).to_numpy()
    v = tr.to_numpy()
    for t in times:
        is_closed = c <= t
        moving = (s <= t) & ~is_closed
        waiting = ~(moving | is_closed)
        row = {"time": t, "waiting": int(v[waiting].sum()), "moving": int(v[moving].sum()),
               "closed": int(v[is_closed].sum())}
        if row["waiting"] + row["moving"] + row["closed"] != total:
            raise InvariantError(f"troops not conserved at t={t:.2f} h: {row}")
        rows.append(row)
    return pd.DataFrame(rows)
