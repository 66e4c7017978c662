"""What was closed, and when: disruption and attack windows read from the event log.

A scheduled disruption logs ``disrupted`` / ``reopened`` (:mod:`mobility.sim.disruptions`),
a threat's strike ``attack`` / ``repaired`` (:mod:`mobility.sim.threats`), both with the
closed section or node as ``place`` and the cause as ``resource``. A window whose end is
not in the log (the run stopped first) lasts to the end of the log.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

STARTS = {"disrupted": "reopened", "attack": "repaired"}
COLUMNS = ["place", "cause", "kind", "from_h", "to_h", "open_end"]


def closure_windows(events: pd.DataFrame) -> pd.DataFrame:
    """One row per closure: ``place``, ``cause`` (the resource), ``kind`` (``disruption`` or ``attack``),
    ``from_h``, ``to_h`` and ``open_end`` (True when the log ends before it reopens); sorted by start."""
    if events is None or len(events) == 0 or "event" not in events:
        return pd.DataFrame(columns=COLUMNS)
    ev = events[events["event"].isin([*STARTS, *STARTS.values()])]
    if ev.empty:
        return pd.DataFrame(columns=COLUMNS)
    end = float(pd.to_numeric(events["time"], errors="coerce").max())
    rows = []
    open_: dict[tuple[str, str], list[float]] = {}
    for t, event, place, cause in zip(ev["time"].astype(float), ev["event"].astype(str),
                                      ev["place"].fillna("").astype(str), ev["resource"].fillna("").astype(str),
                                      strict=True):
        key = (place, cause)
        if event in STARTS:
            open_.setdefault(key, []).append(t)
        elif open_.get(key):
            t0 = open_[key].pop(0)
            rows.append((place, cause, "attack" if cause.startswith("threat:") else "disruption", t0, t, False))
    for (place, cause), starts in open_.items():
        for t0 in starts:
            rows.append((place, cause, "attack" if cause.startswith("threat:") else "disruption", t0, end, True))
    out = pd.DataFrame(rows, columns=COLUMNS)
    return out.sort_values(["from_h", "place", "cause"], ignore_index=True)


def closed_at(windows: pd.DataFrame, t: float) -> np.ndarray:
    """Boolean mask of the windows in force at hour ``t`` (from ≤ t < to)."""
    return ((windows["from_h"] <= t) & (t < windows["to_h"])).to_numpy(dtype=bool)


def describe_cause(cause: str) -> str:
    """``threat:sabotage:narew-bridge`` → ``attack narew-bridge (threat sabotage)``; ``disruption:2`` →
    ``scheduled disruption 2``."""
    if cause.startswith("threat:"):
        _, threat, *attack = cause.split(":")
        return f"attack {':'.join(attack) or '?'} (threat {threat})"
    if cause.startswith("disruption:"):
        return f"scheduled disruption {cause.split(':', 1)[1]}"
    return cause


def _when(h: float) -> str:
    day = int(h // 24)
    rest = h - 24 * day
    return f"D+{day} {int(rest):02d}:{int(round((rest - int(rest)) * 60)) % 60:02d}"


def closure_lines(events: pd.DataFrame, network: object | None = None) -> list[str]:
    """The closures of a run in words, one line each: what, when, why (for the console)."""
    windows = closure_windows(events)
    names: dict[str, str] = {}
    if network is not None:
        for g in (getattr(network, "rail", None), getattr(network, "road", None)):
            if g is not None:
                for *_, d in g.edges(data=True):
                    if d.get("section") and d.get("name"):
                        names.setdefault(str(d["section"]), str(d["name"]))
    out = []
    for w in windows.to_dict("records"):
        place = str(w["place"])
        label = names.get(place) or (network.label(place) if network is not None and hasattr(network, "label")
                                     else place)
        until = "the end of the run" if w["open_end"] else _when(float(w["to_h"]))
        out.append(f"  {label} ({place}): closed {_when(float(w['from_h']))} to {until}, "
                   f"{describe_cause(str(w['cause']))}")
    return out
