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

from mobility.errors import MobilityError, NetworkError, NoRouteError, ScenarioError  # noqa: E402
from mobility.network import Network, from_osm, load_network  # noqa: E402
from mobility.scenario import Scenario, load_scenario  # noqa: E402

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


def simulate(*args, **kwargs):  # noqa: ANN002, ANN003
    """Run a scenario once; see :func:`mobility.simulation.simulate`."""
    from mobility.simulation import simulate as _simulate

    return _simulate(*args, **kwargs)


def compare(*args, **kwargs):  # noqa: ANN002, ANN003
    """Compare candidate investments; see :func:`mobility.analysis.experiments.comparison.compare`."""
    from mobility.analysis.experiments import compare as _compare

    return _compare(*args, **kwargs)
