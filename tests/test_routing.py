"""The router's two Dijkstra solvers agree: Python (heapq) on small state graphs, scipy on large ones."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mobility.network import load_network, routing
from mobility.network.routing import NO_PREDECESSOR, Mover, Router, dijkstra_tree

MOVERS = [Mover.train(gauge=1435), Mover.train(gauge=1520, length_m=740.0),
          Mover.train(gauge=1435, change_gauge=True, wagons=26), Mover.convoy(mlc=70),
          Mover.unit(gauge=1520, wagons=26, mlc=70)]


@pytest.mark.parametrize("year", [2026, 2030])
def test_python_and_scipy_trees_are_identical_on_the_embedded_network(year):
    net = load_network(year=year)
    small = Router(net)
    assert small._n_states <= small.python_max_states == routing.PYTHON_DIJKSTRA_MAX_STATES  # solved in Python
    large = Router(net)
    large.python_max_states = 0  # every state graph counts as large: scipy
    reached = 0
    for mover in MOVERS:
        assert large._profile(mover).matrix is not None and small._profile(mover).adjacency is not None
        for s in range(small._n_states):
            dist, pred = small._tree(mover, s)
            want_dist, want_pred = large._tree(mover, s)
            assert np.array_equal(np.asarray(dist), want_dist), (mover, s)  # exact, not approximately
            assert np.array_equal(np.asarray(pred), want_pred), (mover, s)
            reached += sum(math.isfinite(d) for d in dist) - 1
    assert reached > 1000  # the trees reach somewhere (a graph of isolated states would agree trivially)


def test_dijkstra_tree_on_a_small_graph():
    # 0 -> 1 (1 h) -> 2 (1 h); 0 -> 2 directly (3 h); 3 unreachable
    dist, pred = dijkstra_tree([[(1, 1.0), (2, 3.0)], [(2, 1.0)], [], []], 0)
    assert dist == [0.0, 1.0, 2.0, math.inf]
    assert pred == [NO_PREDECESSOR, 0, 1, NO_PREDECESSOR]

