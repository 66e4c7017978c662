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
