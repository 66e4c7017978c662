"""mobility: discrete-event simulation of military mobility through the Suwałki corridor.

Public API::

    from mobility import load_network, load_scenario, simulate
    net = load_network(year=2026)
    sc = load_scenario("scenarios/baseline.yaml")
    result = simulate(sc, seed=1)
    result.tiers, result.closure, result.bottlenecks, result.events
"""

from __future__ import annotations

__version__ = "0.1.0"

from mobility._lazy import lazy_attributes  # noqa: E402
from mobility.errors import MobilityError, NetworkError, NoRouteError, ScenarioError  # noqa: E402

_LAZY = {"Network": "mobility.network", "from_osm": "mobility.network", "load_network": "mobility.network",
         "Scenario": "mobility.scenario", "load_scenario": "mobility.scenario",
         # the real functions, so that help(mobility.simulate) shows their signatures and docstrings
         "simulate": "mobility.simulation", "compare": "mobility.analysis.experiments"}


# the heavier parts of the API load on first use, so ``import mobility`` (and start-up) stays light
__getattr__, __dir__ = lazy_attributes("mobility", _LAZY)


__all__ = [
    "MobilityError",
    "Network",
    "NetworkError",
    "NoRouteError",
    "Scenario",
    "ScenarioError",
    "__version__",
    "from_osm",
    "load_network",
    "load_scenario",
    "compare",
    "simulate",
]

