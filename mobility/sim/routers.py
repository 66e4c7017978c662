"""Routers shared by the runs of one process: built once per network and factor table, then reused.

A sweep runs the same scenario network many times on each worker (every replication of an arm,
and every arm whose levers leave the network alone). A :class:`~mobility.network.routing.Router`
is a pure function of its network and its factors, and its cached shortest-path trees only grow,
so a run may use one that an earlier run in the same process built. The key says what the router
was built from: the scenario's network (name, year, infrastructure overrides), the complete
factor table, and the variant (the sections and nodes closed, the section avoided). A run whose
network did not come from its scenario (``simulate(network=...)``) builds its own routers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable

from mobility.factors import Factors
from mobility.network.routing import Router

MAX_ROUTERS = 256
"""Routers kept per process, least recently used dropped first (a router is about 0.35 MB: the
contested scenario builds about 140 over its threat's closures and detours)."""


class RouterCache:
    """Routers by ``(network key, factors, variant)``, least recently used dropped beyond ``size``."""

    def __init__(self, size: int = MAX_ROUTERS) -> None:
        self.size = size
        self._routers: OrderedDict[tuple, Router] = OrderedDict()
        self.built = 0  # routers built, and taken from the cache, since the process started
        self.reused = 0

    def get(self, network_key: Hashable, factors: Factors, variant: Hashable,
            build: Callable[[], Router]) -> Router:
        """The router for ``variant`` of the network ``network_key`` under ``factors``; ``build`` makes it
        when no run in this process has."""
        key = (network_key, tuple(factors.items()), variant)
        router = self._routers.get(key)
        if router is not None:
            self._routers.move_to_end(key)
            self.reused += 1
            return router
        router = self._routers[key] = build()
        self.built += 1
        while len(self._routers) > self.size:
            self._routers.popitem(last=False)
        return router

    def clear(self) -> None:
        """Drop every router."""
        self._routers.clear()


SHARED = RouterCache()
"""This process's routers (a Dask worker's, when the run executes on one)."""
