"""Passing loops of single-track sections: where opposing trains can cross.

Data: ``networks/<name>/passing_loops.csv``, one row per single-track section
(``section_id, loops, source, confidence, notes``); ``loops`` counts the
loops *between* the section's end nodes (the end stations are loops). A
section without a row has no loop data: its trains hold the whole section
and TR0603's trains a day (R107) stay its ceiling for both directions together.
"""

from __future__ import annotations

from dataclasses import dataclass

from mobility.errors import NetworkError


@dataclass(frozen=True)
class Loops:
    """Passing loops of one single-track section, with where the count comes from."""

    section: str
    loops: int
    source: str
    confidence: str


def passing_loops(name: str) -> dict[str, Loops]:
    """The loops of the embedded network ``name`` (empty when it has no ``passing_loops.csv``
    or is not an embedded network).

    Raises :class:`NetworkError` naming file, field and fix for an unknown
    section, a bad count or a missing source. Rows of sections that are double
    track in a year or scenario are ignored there.
    """
    from mobility.network.builtin import builtin_network, side_count, side_source, side_table_rows

    rows = list(side_table_rows(name, "passing_loops.csv"))
    if not rows:
        return {}
    network = builtin_network(name)
    tracks = {d["section"]: d.get("tracks") for _, _, d in network.rail.edges(data=True)}
    out: dict[str, Loops] = {}
    for where, row in rows:
        sec = (row.get("section_id") or "").strip()
        if sec not in tracks:
            raise NetworkError(f"{where}: section_id {sec!r} is not a rail section of rail_lines.csv; fix the id")
        n = side_count(where, "loops", row.get("loops"), "give the number of loops between the section's end stations")
        src = side_source(where, row)
        if sec in out:
            raise NetworkError(f"{where}: section_id {sec!r} appears twice; keep one row")
        out[sec] = Loops(sec, n, src, (row.get("confidence") or "").strip())
    return out
