"""The ids a scenario can name: nodes and sections of a network in a year, with names and kinds.

``mobility network --nodes`` and ``mobility network --sections --year YEAR`` print these
tables, so that origins, destinations, infrastructure overrides, disruptions and threat
targets can be written without opening the data files.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from mobility.network.io import nodes_gdf, sections_gdf
from mobility.network.model import Network

NODE_COLUMNS = ["id", "name", "kind", "country", "modes", "terminals"]
SECTION_COLUMNS = ["id", "mode", "kind", "name", "from", "to", "km", "opens", "closes"]


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or v == ""


def node_table(network: Network) -> pd.DataFrame:
    """One row per node: id, name, kind, country, modes (rail/road), terminals (methods), sorted by id."""
    n = nodes_gdf(network)
    rows = []
    for r in n.to_dict("records"):
        modes = "+".join(m for m, on in (("rail", r.get("on_rail")), ("road", r.get("on_road"))) if on)
        methods = sorted({t.method for t in network.terminals_at(r["id"])})
        rows.append({"id": r["id"], "name": r.get("name") or "", "kind": r.get("kind") or "",
                     "country": r.get("country") or "", "modes": modes, "terminals": ", ".join(methods)})
    return pd.DataFrame(rows, columns=NODE_COLUMNS).sort_values("id", ignore_index=True)


def _rail_kind(r: dict[str, Any]) -> str:
    bits = [f"{r['gauge']} mm" if not _blank(r.get("gauge")) else "gauge not published"]
    tracks = r.get("tracks")
    if not _blank(tracks):
        bits.append({1: "single track", 2: "double track"}.get(int(tracks), f"{int(tracks)} tracks"))
    if r.get("rail_baltica"):
        bits.append("Rail Baltica")
    return ", ".join(bits)


def _road_kind(r: dict[str, Any]) -> str:
    cls = r.get("road_class") or r.get("highway") or "road"
    bits = [str(cls)]
    if r.get("bridge"):
        bits.append("bridge")
    if r.get("border_crossing"):
        bits.append("border crossing")
    return ", ".join(bits)


def _year(v: Any) -> str:
    return "" if _blank(v) else str(int(v))


def section_table(network: Network) -> pd.DataFrame:
    """One row per section of ``network`` (in its year): id, mode, kind, name, end nodes, km, opens, closes."""
    rows = []
    for mode, kind in (("rail", _rail_kind), ("road", _road_kind)):
        for r in sections_gdf(network, mode).to_dict("records"):
            rows.append({"id": r["section"], "mode": mode, "kind": kind(r), "name": r.get("name") or "",
                         "from": r["u"], "to": r["v"], "km": round(float(r["length_km"]), 1),
                         "opens": _year(r.get("opens")), "closes": _year(r.get("closes"))})
    return pd.DataFrame(rows, columns=SECTION_COLUMNS)


def format_table(df: pd.DataFrame, *, max_width: int = 44) -> str:
    """Aligned plain-text columns (long cells shortened with …), empty columns left out."""
    cols = [c for c in df.columns if df[c].astype(str).str.len().gt(0).any()]
    cells = [[str(v) if len(str(v)) <= max_width else str(v)[: max_width - 1] + "…" for v in row]
             for row in df[cols].itertuples(index=False)]
    widths = [max([len(c), *(len(r[i]) for r in cells)]) for i, c in enumerate(cols)]
    numeric = [pd.api.types.is_numeric_dtype(df[c]) for c in cols]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric,
                                                                                   strict=True)).rstrip()

    return "\n".join([line(list(cols)), *(line(r) for r in cells)])
