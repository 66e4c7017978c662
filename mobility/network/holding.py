"""Holding tracks of stops: how many trains can wait at a railhead or gauge terminal.

Data: ``networks/<name>/holding_tracks.csv``, one row per node
(``node_id, trains, track_m, source, confidence, notes``). ``trains`` counts the
trains that can stand *waiting* at the node beside those at its ramps or its
gauge-change terminal; or ``track_m`` gives the length of track where waiting
trains can stand, turned into trains with the train-length factor
(``max_train_length_m``), rounded down. Give one of the two. A node without a
row gets the factor ``holding_tracks_default`` (an assumption, stated in every
run's summary). A scenario's ``infrastructure.holding_tracks`` overrides both.
"""

from __future__ import annotations

from dataclasses import dataclass

from mobility.errors import NetworkError


@dataclass(frozen=True)
class Holding:
    """Holding tracks at one node, with where the figure comes from."""

    node: str
    trains: int | None  # trains that can wait at the node, when the data counts them
    track_m: float | None  # length of holding track, when the data gives a length instead
    source: str
    confidence: str

    def count(self, train_length_m: float) -> int:
        """Trains that can wait: ``trains``, or ``track_m`` over ``train_length_m`` rounded down."""
        if self.trains is not None:
            return self.trains
        return int((self.track_m or 0.0) // train_length_m)


def holding_tracks(name: str) -> dict[str, Holding]:
    """The holding tracks of the embedded network ``name`` (empty when it has no
    ``holding_tracks.csv`` or is not an embedded network).

    Raises :class:`NetworkError` naming file, field and fix for an unknown node,
    a missing or bad count or length, both given, a missing source or a node twice.
    """
    from mobility.network.builtin import builtin_network, side_count, side_source, side_table_rows

    rows = list(side_table_rows(name, "holding_tracks.csv"))
    if not rows:
        return {}
    nodes = set(builtin_network(name).rail.nodes)
    out: dict[str, Holding] = {}
    for where, row in rows:
        node = (row.get("node_id") or "").strip()
        if node not in nodes:
            raise NetworkError(f"{where}: node_id {node!r} is not a rail node of nodes.csv; fix the id")
        trains_s, track_s = (row.get("trains") or "").strip(), (row.get("track_m") or "").strip()
        if bool(trains_s) == bool(track_s):
            raise NetworkError(f"{where}: give exactly one of trains and track_m (trains that can wait at "
                               "the node, or the length of track they can wait on)")
        trains = track = None
        if trains_s:
            trains = side_count(where, "trains", trains_s, "give the number of trains that can wait at the node")
        else:
            try:
                track = float(track_s)
            except ValueError:
                track = -1.0
            if not 0 <= track < 100_000:
                raise NetworkError(f"{where}: track_m {track_s!r} is not a length in metres (0 to 100000); "
                                   "give the length of track where waiting trains can stand")
        src = side_source(where, row)
        if node in out:
            raise NetworkError(f"{where}: node_id {node!r} appears twice; keep one row")
        out[node] = Holding(node, trains, track, src, (row.get("confidence") or "").strip())
    return out
