"""Gauge-aware multimodal routing on precomputed sparse graphs.

The network is laid out once as a state graph whose states are
``(node, layer)`` with layers ``rail1435``, ``rail1520`` and ``road``:

* rail edges join states of the gauges they carry (dual gauge joins both);
* a *gauge change* joins ``rail1435`` and ``rail1520`` at a gauge terminal,
  costing the terminal's time for the train;
* a *transfer* joins rail and road at a node on both graphs (unloading).

Each mover profile (gauge, train length, MLC, weight, speed) masks the edges it
may use; the masked graph is solved by Dijkstra's algorithm, cached per (profile,
origin), so many queries in one run cost one Dijkstra each and no networkx call.
State graphs of up to :data:`PYTHON_DIJKSTRA_MAX_STATES` states (the embedded
networks) are solved in Python with :mod:`heapq`, faster there than scipy's
per-call overhead and without the 0.3 s of importing scipy; larger ones (OpenStreetMap
networks) with :func:`scipy.sparse.csgraph.dijkstra` on a :class:`scipy.sparse.csr_matrix`.
Both give the same distances; on the embedded networks the same predecessors too
(``tests/test_routing.py``).

>>> from mobility.network import load_network
>>> from mobility.network.routing import Router, Mover
>>> r = Router(load_network(year=2025))
>>> route = r.route("bialystok", "palemonas", Mover.train(gauge=1435))
>>> [leg.mode for leg in route.legs]
['rail']
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from mobility.errors import NoRouteError
from mobility.factors import Factors
from mobility.network.edits import with_capacity_defaults
from mobility.network.geometry import haversine_m
from mobility.network.model import MILITARY_GAUGE_CHANGE_METHODS, Network, edge_gauges

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

GAUGES = (1435, 1520)
LAYERS = ("rail1435", "rail1520", "road")
LAYER_INDEX = {name: i for i, name in enumerate(LAYERS)}
GAUGE_NAMES = {1435: "standard gauge (1435 mm)", 1520: "broad gauge (1520 mm)"}

# edge kinds in the state graph
RAIL, ROAD, GAUGE_CHANGE, TRANSFER = 0, 1, 2, 3

#: State graphs up to this size are solved in Python (:func:`dijkstra_tree`), larger ones by scipy.
PYTHON_DIJKSTRA_MAX_STATES = 1000
NO_PREDECESSOR = -9999  # as scipy.sparse.csgraph marks the source and unreachable states


def dijkstra_tree(adjacency: Sequence[Sequence[tuple[int, float]]], source: int) -> tuple[list[float], list[int]]:
    """Shortest-path tree from ``source`` over ``adjacency`` (state -> [(next state, hours)], hours > 0):
    the distance to every state (``inf`` if unreachable) and its predecessor (:data:`NO_PREDECESSOR`
    for the source and unreachable states), as :func:`scipy.sparse.csgraph.dijkstra` returns them.
    States are settled in order of (distance, state), so ties resolve the same way every time."""
    n = len(adjacency)
    dist = [math.inf] * n
    pred = [NO_PREDECESSOR] * n
    done = [False] * n
    dist[source] = 0.0
    heap = [(0.0, source)]
    while heap:
        d, u = heapq.heappop(heap)
        if done[u]:
            continue
        done[u] = True
        for v, w in adjacency[u]:
            nd = d + w
            if nd < dist[v]:
                dist[v] = nd
                pred[v] = u
                heapq.heappush(heap, (nd, v))
    return dist, pred


@dataclass(frozen=True)
class Mover:
    """What moves: a train, a road convoy or a whole unit (rail and road).

    Use the constructors :meth:`train`, :meth:`convoy` and :meth:`unit`.
    """

    kind: str
    gauge: int | None = None
    length_m: float = 0.0
    wagons: int = 30
    mlc: float | None = None
    weight_t: float | None = None
    speed_kmh: float | None = None
    change_gauge: bool = True

    @classmethod
    def train(cls, *, gauge: int, length_m: float = 0.0, wagons: int = 30,
              change_gauge: bool = False, speed_kmh: float | None = None) -> Mover:
        """A train of ``gauge`` stock; by default it may not change gauge."""
        if gauge not in GAUGES:
            raise ValueError(f"gauge must be one of {GAUGES}, got {gauge}")
        return cls("train", gauge=gauge, length_m=length_m, wagons=wagons,
                   change_gauge=change_gauge, speed_kmh=speed_kmh)

    @classmethod
    def convoy(cls, *, mlc: float | None = None, weight_t: float | None = None,
               speed_kmh: float | None = None) -> Mover:
        """A road convoy whose heaviest vehicle has ``mlc`` and ``weight_t``."""
        return cls("convoy", mlc=mlc, weight_t=weight_t, speed_kmh=speed_kmh)

    @classmethod
    def unit(cls, *, gauge: int = 1435, length_m: float = 0.0, wagons: int = 30,
             mlc: float | None = None, weight_t: float | None = None) -> Mover:
        """A unit moving by rail from ``gauge`` stock, changing gauge and finishing by road."""
        return cls("unit", gauge=gauge, length_m=length_m, wagons=wagons, mlc=mlc,
                   weight_t=weight_t, change_gauge=True)

    def describe(self) -> str:
        """Short text for messages, e.g. ``"1435 mm train"`` or ``"road convoy of MLC 70"``."""
        if self.kind == "train":
            return f"{self.gauge} mm rail"
        if self.kind == "convoy":
            parts = []
            if self.mlc is not None:
                parts.append(f"MLC {self.mlc:g}")
            if self.weight_t is not None:
                parts.append(f"{self.weight_t:g} t")
            return "road" + (" for " + ", ".join(parts) if parts else "")
        return "rail-and-road"


@dataclass(frozen=True)
class Leg:
    """One leg of a route: a run on one layer, a gauge change, or a transfer."""

    mode: str  # "rail", "road", "gauge_change", "transfer"
    nodes: tuple[str, ...]
    edges: tuple[tuple[str, str, int], ...]
    hours: float
    km: float
    gauge: int | None = None
    method: str | None = None  # gauge-change method

    @property
    def start(self) -> str:
        """First node."""
        return self.nodes[0]

    @property
    def end(self) -> str:
        """Last node."""
        return self.nodes[-1]


@dataclass(frozen=True)
class Route:
    """A route: its legs in order, total hours and km."""

    origin: str
    destination: str
    mover: Mover
    legs: tuple[Leg, ...]

    @property
    def hours(self) -> float:
        """Total nominal time (running, gauge changes, transfers)."""
        return sum(leg.hours for leg in self.legs)

    @property
    def km(self) -> float:
        """Total distance."""
        return sum(leg.km for leg in self.legs)

    @property
    def gauge_changes(self) -> list[tuple[str, int, int, str]]:
        """``(node, from_gauge, to_gauge, method)`` for each gauge change."""
        out = []
        gauge = self.mover.gauge or next((x.gauge for x in self.legs if x.mode == "rail"), 1435)
        for leg in self.legs:
            if leg.mode == "rail":
                gauge = leg.gauge or gauge
            elif leg.mode == "gauge_change":
                after = 1520 if gauge == 1435 else 1435
                out.append((leg.start, gauge, after, leg.method or ""))
                gauge = after
        return out

    @property
    def transfers(self) -> list[str]:
        """Nodes where the load moves between rail and road."""
        return [leg.start for leg in self.legs if leg.mode == "transfer"]

    @property
    def nodes(self) -> list[str]:
        """Every node visited, in order, without repeats at leg joins."""
        out: list[str] = []
        for leg in self.legs:
            for n in leg.nodes:
                if not out or out[-1] != n:
                    out.append(n)
        return out


@dataclass
class _Profile:
    best_edge: dict[tuple[int, int], int] = field(default_factory=dict)
    adjacency: list[list[tuple[int, float]]] | None = None  # small state graphs, solved in Python
    matrix: csr_matrix | None = None  # large ones, solved by scipy


class Router:
    """Fastest routes on one network (one year) for many movers and queries.

    Parameters
    ----------
    network
        The network, already fixed to a year (``load_network(year=...)``).
    factors
        Planning factors (speeds, terminal times); defaults if omitted.
    """

    python_max_states: int = PYTHON_DIJKSTRA_MAX_STATES
    """State graphs up to this many states are solved in Python, larger ones by scipy."""

    def __init__(self, network: Network, factors: Factors | None = None) -> None:
        self.factors = factors or Factors.defaults()
        self.network = with_capacity_defaults(network, self.factors)
        self._build()
        self._profiles: dict[tuple, _Profile] = {}
        self._trees: dict[tuple, tuple[Sequence[float], Sequence[int]]] = {}
        self._routes: dict[tuple[str, str, Mover], Route] = {}  # routes found (immutable), by query

    def without_edges(self, network: Network) -> Router:
        """The router of ``network``, which is this router's network with some edges removed
        (:func:`mobility.network.edits.close` of sections): this router's layout with those edges
        left out, instead of laying the state graph out again.

        The result is what ``Router(network, self.factors)`` gives (the same state graph, edge for
        edge in the same order, so the same routes). The layout is only reused when ``network`` has
        the same year, terminals, rail nodes and road nodes, each of its rail and road edges is one
        of this router's with the same attributes (so it carries the capacity defaults the
        constructor would fill in), in the same order, and its gauge changes and transfers (fewer
        where a closure took a gauge from a node) are among this router's in the same order;
        otherwise the router is built afresh. A graph ``network`` shares
        with this router's network (one the closure left alone) is taken as it is.
        """
        f = self.factors
        old = self.network
        rail, road = network.rail, network.road
        if (network.year != old.year or network.terminals != old.terminals
                or set(rail) != set(old.rail) or set(road) != set(old.road)):
            return Router(network, f)
        old_rail, old_road = self._edge_data
        kinds = self._kind.tolist()
        links: list[tuple[int, int, int, object]] | None = None
        if rail is old.rail:
            at = self.node_gauges
            wanted = [ref for kind, ref in zip(kinds, self.edge_refs, strict=True) if kind == RAIL]
        else:
            at = {n: frozenset() for n in self.nodes}
            wanted = []  # the rail and road edges, as the constructor lays them out
            for u, v, k, d in rail.edges(keys=True, data=True):
                if old_rail.get((u, v, k)) != d:
                    return Router(network, f)
                gs = edge_gauges(d.get("gauge"))
                if gs:
                    at[u] |= gs
                    at[v] |= gs
                wanted.extend((u, v, k) for _ in gs & set(GAUGES))
        # gauge changes and transfers, as the constructor lays them out, when a closure took a gauge from
        # a node (its rail edges of that gauge all closed); else this router's, all kept
        links = None if at == self.node_gauges else self._links(network, at)
        if road is old.road:
            wanted.extend(old_road)
        else:
            for u, v, k, d in road.edges(keys=True, data=True):
                if old_road.get((u, v, k)) != d:
                    return Router(network, f)
                wanted.append((u, v, k))
        # keep this router's rail and road edges that ``network`` still has, in order
        keep = np.ones(len(kinds), dtype=bool)
        j = m = 0
        src, dst = self._src.tolist(), self._dst.tolist()
        for i, (kind, ref) in enumerate(zip(kinds, self.edge_refs, strict=True)):
            if kind == RAIL or kind == ROAD:
                if j < len(wanted) and wanted[j] == ref:
                    j += 1
                else:
                    keep[i] = False
            elif links is not None:
                if m < len(links) and links[m] == (kind, src[i], dst[i], ref):
                    m += 1
                else:
                    keep[i] = False
        if j != len(wanted) or (links is not None and m != len(links)):
            return Router(network, f)  # an edge this router does not have, or in another order
        new = Router.__new__(Router)
        new.factors = f
        # what the constructor's with_capacity_defaults gives on a network that has them all already
        new.network = network.with_graphs(change="capacity defaults")
        new.nodes, new.node_gauges, new.node_index = self.nodes, at, self.node_index
        new._n_states, new._layer_of = self._n_states, self._layer_of
        new.edge_refs = [r for r, k in zip(self.edge_refs, keep.tolist(), strict=True) if k]
        for name in ("_src", "_dst", "_kind", "_length", "_speed", "_train_len", "_mlc", "_weight"):
            setattr(new, name, getattr(self, name)[keep])
        new._profiles, new._trees, new._routes = {}, {}, {}
        return new

    def _links(self, network: Network, gauges: dict[str, frozenset[int]]) -> list[tuple[int, int, int, object]]:
        """The gauge-change and transfer edges of ``network`` with ``gauges`` at its nodes, as ``(kind,
        from state, to state, ref)`` in the order the constructor lays them out (it calls this too); the
        network has this router's nodes and terminals."""
        st = self._state
        out: list[tuple[int, int, int, object]] = []
        for n in network.gauge_terminals:
            method = self._gauge_change_method(n)  # from the terminals, the same in both networks
            if method is None:
                continue
            for a, b in (("rail1435", "rail1520"), ("rail1520", "rail1435")):
                out.append((GAUGE_CHANGE, st(n, a), st(n, b), f"{n}:{method}"))
        for n in network.transfer_nodes:
            for g in gauges[n] & set(GAUGES):
                out.append((TRANSFER, st(n, f"rail{g}"), st(n, "road"), n))
                out.append((TRANSFER, st(n, "road"), st(n, f"rail{g}"), n))
        return out

    @cached_property
    def _edge_data(self) -> tuple[dict[tuple[str, str, int], dict], dict[tuple[str, str, int], dict]]:
        """The attributes of every rail and road edge of the network, by ``(u, v, key)``."""
        return ({(u, v, k): d for u, v, k, d in self.network.rail.edges(keys=True, data=True)},
                {(u, v, k): d for u, v, k, d in self.network.road.edges(keys=True, data=True)})

    # -- layout ------------------------------------------------------------------
    def _build(self) -> None:
        net, f = self.network, self.factors
        nodes = net.node_ids
        self.nodes = nodes
        # the gauges at each node (Network.gauges_at), in one pass over the rail edges
        at: dict[str, frozenset[int]] = {n: frozenset() for n in nodes}
        for u, v, d in net.rail.edges(data=True):
            g = edge_gauges(d.get("gauge"))
            if g:
                at[u] |= g
                at[v] |= g
        self.node_gauges = at
        self.node_index = {n: i for i, n in enumerate(nodes)}
        nn = len(nodes)
        self._n_states = nn * len(LAYERS)
        src, dst, kind, length, speed, gauge_ok, train_len, mlc, weight, edge_ref, hwy_speed = (
            [] for _ in range(11))
        self.edge_refs: list[tuple[str, str, int] | str | None] = []

        def add(s: int, t: int, k: int, length_m: float, spd: float, glen: float = math.inf,
                m: float = math.inf, w: float = math.inf, ref=None, gmask: int = 0) -> None:
            src.append(s)
            dst.append(t)
            kind.append(k)
            length.append(length_m)
            speed.append(spd)
            train_len.append(glen)
            mlc.append(m)
            weight.append(w)
            gauge_ok.append(gmask)
            hwy_speed.append(spd)
            self.edge_refs.append(ref)

        st = self._state
        default_speed = f["default_freight_speed_kmh"]
        for u, v, k, d in net.rail.edges(keys=True, data=True):
            gs = edge_gauges(d.get("gauge"))
            for g in gs & set(GAUGES):
                add(st(u, f"rail{g}"), st(v, f"rail{g}"), RAIL, d["length"],
                    d.get("maxspeed") or default_speed, glen=d["max_train_length_m"],
                    ref=(u, v, k), gmask=g)
        for u, v, k, d in net.road.edges(keys=True, data=True):
            add(st(u, "road"), st(v, "road"), ROAD, d["length"], self._march_speed(d),
                m=d.get("mlc") if d.get("mlc") is not None else math.inf,
                w=d.get("maxweight") if d.get("maxweight") is not None else math.inf,
                ref=(u, v, k))
        for k, s, t, ref in self._links(net, self.node_gauges):  # gauge changes, then transfers
            add(s, t, k, 0.0, 0.0, ref=ref)

        self._src = np.asarray(src, dtype=np.int64)
        self._dst = np.asarray(dst, dtype=np.int64)
        self._kind = np.asarray(kind, dtype=np.int8)
        self._length = np.asarray(length, dtype=float)
        self._speed = np.asarray(speed, dtype=float)
        self._train_len = np.asarray(train_len, dtype=float)
        self._mlc = np.asarray(mlc, dtype=float)
        self._weight = np.asarray(weight, dtype=float)
        self._layer_of = dict(enumerate(LAYERS))

    def _march_speed(self, d: dict) -> float:
        f = self.factors
        lanes = d.get("lanes") or 1
        if d.get("highway") == "motorway" or lanes >= 2:
            spd = f["convoy_speed_expressway_kmh"]
        else:
            spd = f["convoy_speed_two_lane_kmh"]
        if d.get("maxspeed"):
            spd = min(spd, d["maxspeed"])
        return spd

    def _gauge_change_method(self, node: str) -> str | None:
        for method in MILITARY_GAUGE_CHANGE_METHODS:
            if any(t.ramps != 0 for t in self.network.terminals_at(node, method=method)):
                return method
        return None

    def gauge_change_hours(self, method: str, wagons: int) -> float:
        """Nominal time a train of ``wagons`` spends changing gauge by ``method``."""
        f = self.factors
        if method == "bogie_exchange":
            return f["bogie_exchange_hours_per_train"]
        return f["shunting_hours"] + wagons * (f["unload_hours_per_wagon"] + f["load_hours_per_wagon"])

    # -- profiles ----------------------------------------------------------------
    def _profile_key(self, mover: Mover) -> tuple:
        return (mover.kind, mover.gauge, mover.length_m, mover.wagons, mover.mlc, mover.weight_t,
                mover.speed_kmh, mover.change_gauge)

    def _weights(self, mover: Mover, *, ignore_limits: bool = False) -> np.ndarray:
        """Hours per state-graph edge for ``mover``; ``inf`` where it may not go."""
        f = self.factors
        kind = self._kind
        hours = np.full(len(kind), np.inf)
        rail = kind == RAIL
        road = kind == ROAD
        if mover.kind in ("train", "unit"):
            cap = mover.speed_kmh or f["military_train_speed_kmh"]
            spd = np.minimum(self._speed, cap)
            ok = rail & ((self._train_len >= mover.length_m) | ignore_limits)
            hours[ok] = self._length[ok] / 1000.0 / spd[ok]
            if mover.change_gauge:
                gc = kind == GAUGE_CHANGE
                for i in np.flatnonzero(gc):
                    method = str(self.edge_refs[i]).split(":", 1)[1]
                    hours[i] = self.gauge_change_hours(method, mover.wagons)
        if mover.kind in ("convoy", "unit"):
            spd = self._speed.copy()
            if mover.speed_kmh:
                spd = np.minimum(spd, mover.speed_kmh)
            ok = road.copy()
            if not ignore_limits:
                if mover.mlc is not None:
                    ok &= self._mlc >= mover.mlc
                if mover.weight_t is not None:
                    ok &= self._weight >= mover.weight_t
            hours[ok] = self._length[ok] / 1000.0 / spd[ok]
        if mover.kind == "unit":
            tr = kind == TRANSFER
            hours[tr] = f["shunting_hours"] + mover.wagons * f["unload_hours_per_wagon"]
        return hours

    def _profile(self, mover: Mover, *, ignore_limits: bool = False) -> _Profile:
        key = self._profile_key(mover) + (ignore_limits,)
        prof = self._profiles.get(key)
        if prof is not None:
            return prof
        w = self._weights(mover, ignore_limits=ignore_limits)
        ok = np.isfinite(w)
        idx = np.flatnonzero(ok)
        # keep the fastest of parallel edges, remembering which one it was
        order = idx[np.lexsort((w[idx], self._dst[idx], self._src[idx]))]
        best: dict[tuple[int, int], int] = {}
        for i in order:
            best.setdefault((int(self._src[i]), int(self._dst[i])), int(i))
        sel = np.fromiter(best.values(), dtype=np.int64, count=len(best))
        # csgraph treats explicit zeros as missing edges: use a tiny positive weight (in both solvers)
        data = np.maximum(w[sel], 1e-9)
        if self._n_states <= self.python_max_states:
            adjacency: list[list[tuple[int, float]]] = [[] for _ in range(self._n_states)]
            for s, t, hours in zip(self._src[sel].tolist(), self._dst[sel].tolist(), data.tolist(), strict=True):
                adjacency[s].append((t, hours))
            prof = _Profile(best_edge=best, adjacency=adjacency)
        else:
            from scipy.sparse import csr_matrix

            m = csr_matrix((data, (self._src[sel], self._dst[sel])), shape=(self._n_states, self._n_states))
            prof = _Profile(best_edge=best, matrix=m)
        self._profiles[key] = prof
        return prof

    def _tree(self, mover: Mover, source_state: int, *, ignore_limits: bool = False):
        key = self._profile_key(mover) + (ignore_limits, source_state)
        tree = self._trees.get(key)
        if tree is None:
            prof = self._profile(mover, ignore_limits=ignore_limits)
            if prof.adjacency is not None:
                tree = dijkstra_tree(prof.adjacency, source_state)
            else:
                from scipy.sparse.csgraph import dijkstra

                tree = tuple(dijkstra(prof.matrix, directed=True, indices=source_state, return_predecessors=True))
            self._trees[key] = tree
        return tree

    # -- queries -----------------------------------------------------------------
    def _state(self, node: str, layer: str) -> int:
        return LAYER_INDEX[layer] * len(self.nodes) + self.node_index[node]

    def _start_end_states(self, origin: str, destination: str, mover: Mover) -> tuple[list[int], list[int]]:
        net = self.network
        if mover.kind == "train":
            lay = f"rail{mover.gauge}"
            starts = [self._state(origin, lay)]
            if mover.change_gauge:
                ends = [self._state(destination, f"rail{g}") for g in GAUGES]
            else:
                ends = [self._state(destination, lay)]
        elif mover.kind == "convoy":
            starts, ends = [self._state(origin, "road")], [self._state(destination, "road")]
        else:
            starts = [self._state(origin, f"rail{mover.gauge}")] if origin in net.rail else []
            if origin in net.road:
                starts.append(self._state(origin, "road"))
            ends = ([self._state(destination, "road")] if destination in net.road
                    else [self._state(destination, f"rail{g}") for g in GAUGES])
        return starts, ends

    def _check_nodes(self, origin: str, destination: str, mover: Mover) -> None:
        net = self.network
        graph, what = (net.rail, "rail") if mover.kind == "train" else (
            (net.road, "road") if mover.kind == "convoy" else (None, "network"))
        for n in (origin, destination):
            if n not in self.node_index:
                raise NoRouteError(f"no {mover.describe()} route from {net.label(origin)} to "
                                   f"{net.label(destination)}: {n!r} is not a node of the {net.name} network"
                                   f"{self._year_text()}")
            if graph is not None and n not in graph:
                raise NoRouteError(f"no {mover.describe()} route from {net.label(origin)} to "
                                   f"{net.label(destination)}{self._year_text()}: {net.label(n)} is not on the {what} network")

    def _year_text(self) -> str:
        return f" in {self.network.year}" if self.network.year is not None else ""

    def hours(self, origin: str, destination: str, mover: Mover) -> float:
        """Fastest nominal time in hours, ``inf`` if there is no route."""
        self._check_nodes(origin, destination, mover)
        starts, ends = self._start_end_states(origin, destination, mover)
        best = math.inf
        for s in starts:
            dist, _ = self._tree(mover, s)
            best = min(best, min(dist[e] for e in ends))
        return float(best)

    def route(self, origin: str, destination: str, mover: Mover) -> Route:
        """The fastest route; :class:`NoRouteError` saying why if there is none.

        Memoised: a router's network and factors are fixed, so the same query gives the same
        route, and a simulation asks it for every train it plans."""
        hit = self._routes.get((origin, destination, mover))
        if hit is not None:
            return hit
        self._check_nodes(origin, destination, mover)
        starts, ends = self._start_end_states(origin, destination, mover)
        best = (math.inf, -1, -1)
        for s in starts:
            dist, _ = self._tree(mover, s)
            for e in ends:
                if dist[e] < best[0]:
                    best = (float(dist[e]), s, e)
        if not math.isfinite(best[0]):
            raise NoRouteError(self._explain(origin, destination, mover))
        _, s, e = best
        _, pred = self._tree(mover, s)
        states = [e]
        while states[-1] != s:
            states.append(int(pred[states[-1]]))
        states.reverse()
        route = self._routes[(origin, destination, mover)] = Route(origin, destination, mover,
                                                                    tuple(self._legs(states, mover)))
        return route

    def _legs(self, states: Sequence[int], mover: Mover) -> list[Leg]:
        prof = self._profile(mover)
        w = self._weights(mover)
        nn = len(self.nodes)
        legs: list[Leg] = []
        cur: dict | None = None
        for a, b in zip(states[:-1], states[1:], strict=False):
            i = prof.best_edge[(a, b)]
            k = int(self._kind[i])
            na, nb = self.nodes[a % nn], self.nodes[b % nn]
            if k in (RAIL, ROAD):
                mode = "rail" if k == RAIL else "road"
                gauge = int(self._layer_of[a // nn][4:]) if k == RAIL else None
                if cur is None or cur["mode"] != mode or cur["gauge"] != gauge:
                    if cur is not None:
                        legs.append(Leg(**cur))
                    cur = {"mode": mode, "nodes": (na,), "edges": (), "hours": 0.0, "km": 0.0, "gauge": gauge}
                cur["nodes"] += (nb,)
                cur["edges"] += (self.edge_refs[i],)
                cur["hours"] += float(w[i])
                cur["km"] += float(self._length[i]) / 1000.0
            else:
                if cur is not None:
                    legs.append(Leg(**cur))
                    cur = None
                method = str(self.edge_refs[i]).split(":", 1)[1] if k == GAUGE_CHANGE else None
                legs.append(Leg("gauge_change" if k == GAUGE_CHANGE else "transfer", (na,), (),
                                float(w[i]), 0.0, method=method))
        if cur is not None:
            legs.append(Leg(**cur))
        return legs

    # -- explanations -------------------------------------------------------------
    def _explain(self, origin: str, destination: str, mover: Mover) -> str:
        net = self.network
        o, d = net.label(origin), net.label(destination)
        head = f"no {mover.describe()} path from {o} to {d}{self._year_text()}"
        if mover.kind in ("train", "convoy"):
            loose = Mover(**{**mover.__dict__, "length_m": 0.0, "mlc": None, "weight_t": None})
            if math.isfinite(self.hours(origin, destination, loose)):
                limits = self._blocking_limits(self.route(origin, destination, loose), mover)
                if limits:
                    return f"{head}: {limits}"
        if mover.kind == "train":
            g = mover.gauge
            other = 1520 if g == 1435 else 1435
            dist, _ = self._tree(mover, self._state(origin, f"rail{g}"))
            nn = len(self.nodes)
            base = GAUGES.index(g) * nn
            reach = [self.nodes[i] for i in range(nn) if math.isfinite(dist[base + i])]
            ends = [n for n in reach if other in net.gauges_at(n)]
            if ends:
                dn = net.node(destination)
                end = min(ends, key=lambda n: haversine_m(net.node(n)["x"], net.node(n)["y"], dn["x"], dn["y"]))
                term = net.terminals_at(end)
                fix = (f"change gauge there or use {other} mm stock" if end in net.gauge_terminals and term
                       else f"there is no gauge terminal there; use {other} mm stock")
                return f"{head}: {GAUGE_NAMES[g]} ends at {net.label(end)}; {fix}"
            return f"{head}: the {g} mm network from {o} does not reach {d}"
        if mover.kind == "convoy":
            return f"{head}: the road network from {o} does not reach {d}"
        return f"{head}: neither rail (with gauge changes at terminals) nor road joins them"

    def _blocking_limits(self, route: Route, mover: Mover) -> str:
        net = self.network
        out = []
        for leg in route.legs:
            for u, v, k in leg.edges:
                if leg.mode == "rail":
                    dd = net.rail.edges[u, v, k]
                    if dd["max_train_length_m"] < mover.length_m:
                        out.append(f"the {mover.length_m:g} m train is longer than the "
                                   f"{dd['max_train_length_m']:g} m limit on {dd.get('name') or u + '-' + v}")
                else:
                    dd = net.road.edges[u, v, k]
                    where = f"{dd.get('ref') or ''} {dd.get('name') or ''}".strip()
                    kind = "bridge" if dd.get("bridge") else "road"
                    if mover.mlc is not None and dd.get("mlc") is not None and dd["mlc"] < mover.mlc:
                        out.append(f"the {kind} {where} is MLC {dd['mlc']:g}")
                    if (mover.weight_t is not None and dd.get("maxweight") is not None
                            and dd["maxweight"] < mover.weight_t):
                        src = f" ({dd['maxweight_source']})" if dd.get("maxweight_source") else ""
                        out.append(f"the {kind} {where} is limited to {dd['maxweight']:g} t{src}")
        seen = list(dict.fromkeys(out))
        return "; ".join(seen)

    @cached_property
    def gauge_terminals(self) -> list[str]:
        """Gauge terminals usable by military trains (transload or bogie exchange)."""
        return [n for n in self.network.gauge_terminals if self._gauge_change_method(n)]
