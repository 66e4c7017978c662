"""Routers of closure variants derived from the whole network's router (Router.without_edges)
are the routers the constructor builds: the same state graph, edge for edge, so the same routes."""

from __future__ import annotations

import numpy as np
import pytest

from mobility.factors import Factors
from mobility.network import load_network
from mobility.network.edits import close, sections, set_section_attrs
from mobility.network.routing import Mover, Router

ARRAYS = ("_src", "_dst", "_kind", "_length", "_speed", "_train_len", "_mlc", "_weight")


def assert_same_router(a: Router, b: Router) -> None:
    for name in ARRAYS:
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert a.edge_refs == b.edge_refs
    assert a.nodes == b.nodes and a.node_gauges == b.node_gauges
    assert a.gauge_terminals == b.gauge_terminals
    assert a.network.changes == b.network.changes
    for g in ("rail", "road"):
        assert list(getattr(a.network, g).edges(keys=True, data=True)) == list(
            getattr(b.network, g).edges(keys=True, data=True))


@pytest.fixture(scope="module")
def base() -> Router:
    return Router(load_network(year=2026), Factors.defaults())


def test_every_single_section_closed_gives_the_constructors_router(base: Router) -> None:
    reused = gauge_lost = 0
    for sec in sorted(sections(base.network)):
        closed = close(base.network, sections_=[sec])
        got = base.without_edges(closed)
        assert_same_router(got, Router(closed, base.factors))
        reused += got._layer_of is base._layer_of  # the layout was reused, not laid out again
        gauge_lost += got.node_gauges != base.node_gauges
    # every section closure reuses the layout, also those that take a gauge from a node (its
    # gauge changes and transfers of that gauge go with it)
    assert reused == len(sections(base.network))
    assert gauge_lost > 5


def test_routes_on_a_derived_router_match(base: Router) -> None:
    mover = Mover.convoy(mlc=70)
    before = base.route("warszawa_wsch", "vilnius", mover)
    u, v, k = before.legs[0].edges[len(before.legs[0].edges) // 2]
    closed = close(base.network, sections_=[base.network.road.edges[u, v, k]["section"]])
    a, b = base.without_edges(closed), Router(closed, base.factors)
    assert a._layer_of is base._layer_of
    assert a.route("warszawa_wsch", "vilnius", mover) == b.route("warszawa_wsch", "vilnius", mover)
    # the closure changes the route: the derived router does not answer with the whole network's
    assert a.route("warszawa_wsch", "vilnius", mover) != before


def test_closed_nodes_and_changed_attributes_are_built_afresh(base: Router) -> None:
    node = base.network.transfer_nodes[0]
    closed = close(base.network, nodes=[node])
    got = base.without_edges(closed)
    assert_same_router(got, Router(closed, base.factors))
    assert got._layer_of is not base._layer_of
    sec = sorted(s for s in sections(base.network) if s.startswith("road"))[0]
    slower = set_section_attrs(base.network, {sec: {"maxspeed": 20}})
    got = base.without_edges(slower)
    assert_same_router(got, Router(slower, base.factors))
    assert got._layer_of is not base._layer_of
    assert not np.array_equal(got._speed, base._speed)  # the new speed is in, not the old layout's
