"""Network edits: a year, a closure, an investment. Each returns a new network.

All functions are pure: ``network in -> network out`` with keyword-only
options; the input is never changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import networkx as nx

from mobility.errors import NetworkError
from mobility.factors import Factors
from mobility.network.model import Network, Terminal


def _open_in(data: Mapping[str, Any], year: int) -> bool:
    opens, closes = data.get("opens"), data.get("closes")
    return (opens is None or opens <= year) and (closes is None or year < closes)


def sections(network: Network) -> dict[str, str]:
    """Every section id of the network, mapped to ``"rail"`` or ``"road"``."""
    out = {}
    for mode, g in (("rail", network.rail), ("road", network.road)):
        for _, _, d in g.edges(data=True):
            out[d["section"]] = mode
    return out


def set_section_attrs(network: Network, changes: Mapping[str, Mapping[str, Any]], *, label: str = "") -> Network:
    """Set attributes on sections (both directions), e.g. ``{"rail:a-b:1435": {"opens": 2028}}``.

    Raises NetworkError naming the unknown section and listing how to find the ids.
    """
    known = sections(network)
    for sec in changes:
        if sec not in known:
            raise NetworkError(
                f"unknown section {sec!r}; list section ids with `mobility network --describe --sections`"
            )
    rail, road = network.rail.copy(), network.road.copy()
    for g in (rail, road):
        for _, _, d in g.edges(data=True):
            if d["section"] in changes:
                d.update(changes[d["section"]])
    return network.with_graphs(rail=rail, road=road, change=label or f"set {sorted(changes)}")


def set_terminal(network: Network, node: str, method: str, *, ramps: int, label: str = "") -> Network:
    """Give a node's ``method`` terminal ``ramps`` ramps in all (replacing every row of that node and method).

    The replacing terminal keeps the earliest opening year of the rows it replaces
    (or is open always when the node had none).
    """
    if not network.has_node(node):
        raise NetworkError(f"unknown node {node!r} for a terminal; see `mobility network --describe`")
    old = [t for t in network.terminals if t.node == node and t.method == method]
    keep = [t for t in network.terminals if not (t.node == node and t.method == method)]
    opens = min((t.opens for t in old if t.opens is not None), default=None) if old and all(
        t.opens is not None for t in old) else None
    base = old[0] if old else None
    keep.append(Terminal(node=node, method=method, ramps=ramps,
                         description=base.description if base else "",
                         rate=base.rate if base else "", opens=opens,
                         source=(base.source + "; " if base else "") + (label or "scenario"),
                         confidence="scenario", ramps_source=label or "scenario"))
    return network.with_graphs(terminals=keep, change=label or f"{node} {method} ramps={ramps}")


def at_year(network: Network, year: int, *, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> Network:
    """The network as it stands in ``year``: edges and terminals not open are removed.

    ``overrides`` maps section ids to attribute changes applied first (e.g. a
    scenario moving a Rail Baltica opening year).
    """
    if overrides:
        network = set_section_attrs(network, overrides, label="year overrides")
    rail = _filter(network.rail, year)
    road = _filter(network.road, year)
    terms = [t for t in network.terminals if t.is_open(year)]
    return network.with_graphs(rail=rail, road=road, terminals=terms, year=year, change=f"year {year}")


def _filter(graph: nx.MultiDiGraph, year: int) -> nx.MultiDiGraph:
    out = nx.MultiDiGraph(**graph.graph)
    for n, d in graph.nodes(data=True):
        out.add_node(n, **d)
    for u, v, k, d in graph.edges(keys=True, data=True):
        if _open_in(d, year):
            out.add_edge(u, v, key=k, **d)
    out.remove_nodes_from([n for n in list(out) if out.degree(n) == 0])
    return out


def with_capacity_defaults(network: Network, factors: Factors) -> Network:
    """Fill unknown rail capacity attributes from the factor table.

    ``trains_per_day`` from ``tracks`` (TR0603: 10 single, 30 double; unknown
    tracks count as single), ``max_train_length_m`` from the default limit.
    The source of each filled value is recorded beside it.
    """
    rail = network.rail.copy()
    for _, _, d in rail.edges(data=True):
        if d.get("trains_per_day") is None:
            double = (d.get("tracks") or 1) >= 2
            d["trains_per_day"] = factors["trains_per_day_double_track" if double else "trains_per_day_single_track"]
            d["trains_per_day_source"] = "R107 default for " + ("double" if double else "single") + " track"
        else:
            d.setdefault("trains_per_day_source", "data")
        if d.get("max_train_length_m") is None:
            d["max_train_length_m"] = factors["max_train_length_m"]
            d["max_train_length_source"] = "factor max_train_length_m (BK)"
    return network.with_graphs(rail=rail, change="capacity defaults")


def close(network: Network, *, sections_: Iterable[str] = (), nodes: Iterable[str] = ()) -> Network:
    """The network with some sections and nodes removed (e.g. a destroyed bridge)."""
    secs, nds = set(sections_), set(nodes)
    known = sections(network)
    for s in secs:
        if s not in known:
            raise NetworkError(f"unknown section {s!r}; list section ids with `mobility network --describe --sections`")
    graphs = []
    for g in (network.rail, network.road):
        edges = [(u, v, k) for u, v, k, d in g.edges(keys=True, data=True) if d["section"] in secs]
        gone = [n for n in nds if n in g]
        if edges or gone:  # a graph the closure leaves alone is shared, not copied (networks are never mutated)
            g = g.copy()
            g.remove_edges_from(edges)
            g.remove_nodes_from(gone)
        graphs.append(g)
    return network.with_graphs(rail=graphs[0], road=graphs[1], change=f"closed {sorted(secs | nds)}")
