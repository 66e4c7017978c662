"""Lines of communication: the troops and vehicles closed through each, from the event log.

A closed unit that crossed the sea counts, whole, under ``sea via <port of debarkation>``. Of the
other closed units each mover counts on its own: a train or march unit that entered a section
joining Poland and Lithuania counts under ``rail through the Suwałki corridor`` or ``road through
the Suwałki corridor``; one that did not (it started beyond the corridor) under ``rail without
crossing the corridor`` / ``road without crossing the corridor``; a mover of another mode (e.g. ``air``)
under ``<mode> via <place it landed>`` (the airport of debarkation). A unit closed without any mover (a force in place)
counts under ``in place (no transport)``. Troops are those the movers carry (they add up to the
unit's); vehicles are the movers' vehicles (for sea, the pieces shipped).
"""

from __future__ import annotations

import pandas as pd

from mobility.network.model import Network
from mobility.sim.log import text

CORRIDOR_COUNTRIES = frozenset({"PL", "LT"})


def corridor_sections(network: Network) -> set[str]:
    """Ids of the rail and road sections that join Poland and Lithuania."""
    out = set()
    for g in (network.rail, network.road):
        for u, v, d in g.edges(data=True):
            if {network.node(u).get("country"), network.node(v).get("country")} == CORRIDOR_COUNTRIES:
                out.add(d["section"])
    return out


def lines_of_communication(events: pd.DataFrame, network: Network) -> pd.DataFrame:
    """Troops and vehicles closed through each line of communication.

    Columns ``name``, ``troops``, ``vehicles``, ``units`` (units with any part on it), sorted by
    troops, largest first.
    """
    cols = ["name", "troops", "vehicles", "units"]
    closed = events[events["event"] == "closed"]
    if closed.empty:
        return pd.DataFrame(columns=cols)
    closed_units = set(text(closed["unit"]))
    ev = events[events["unit"].isin(closed_units)]
    sea = ev[(ev["mode"] == "sea") & (ev["event"] == "discharged")]
    pod = sea.groupby(ev["unit"].astype(str).loc[sea.index])["place"].first().astype(str)
    shipped = sea.groupby(ev["unit"].astype(str).loc[sea.index])["vehicles"].sum()
    corridor = corridor_sections(network)
    crossed = set(text(ev.loc[(ev["event"] == "enter") & ev["place"].isin(corridor), "mover"]))
    rows: list[tuple[str, str, int, int]] = []
    for r in closed.itertuples(index=False):
        unit = str(r.unit)
        if unit in pod.index:
            rows.append((f"sea via {network.label(pod[unit])}", unit, int(r.troops), int(shipped[unit])))
    moved = set(text(ev.loc[ev["mover"] != "", "unit"]))
    for r in closed.itertuples(index=False):
        if str(r.unit) not in moved:
            rows.append(("in place (no transport)", str(r.unit), int(r.troops), int(r.vehicles)))
    arrivals = ev[(ev["event"] == "arrive") & (ev["mover"] != "") & (ev["mode"] != "sea")]
    # a mover that flew counts under the airport it landed at, not the place it drove on to
    landed = ev[ev["event"] == "disembark"].drop_duplicates("mover", keep="last").set_index("mover")["place"]
    for r in arrivals.itertuples(index=False):
        unit, mover, mode = str(r.unit), str(r.mover), str(r.mode)
        if unit in pod.index:
            continue
        if mode in ("rail", "road"):
            name = f"{mode} through the Suwałki corridor" if mover in crossed else f"{mode} without crossing the corridor"
        else:
            name = f"{mode} via {network.label(str(landed.get(mover, r.place)))}"
        rows.append((name, unit, int(r.troops), int(r.vehicles)))
    df = pd.DataFrame(rows, columns=["name", "unit", "troops", "vehicles"])
    out = df.groupby("name").agg(troops=("troops", "sum"), vehicles=("vehicles", "sum"), units=("unit", "nunique"))
    return out.reset_index().sort_values(["troops", "name"], ascending=[False, True], ignore_index=True)[cols]
