"""The scenario's network: the embedded network in the scenario's year with its infrastructure applied."""

from __future__ import annotations

from mobility.errors import NetworkError, ScenarioError
from mobility.network import load_network
from mobility.network.edits import at_year, set_section_attrs, set_terminal
from mobility.network.model import Network
from mobility.scenario import Scenario


def network_key(scenario: Scenario) -> tuple[str, int, str]:
    """What :func:`scenario_network` builds the scenario's network from (equal keys, equal networks):
    routers built on it are reused by later runs in the process (:mod:`mobility.sim.routers`).
    It must name every scenario field that :func:`scenario_network` reads."""
    return (scenario.network, scenario.year, scenario.infrastructure.model_dump_json())


def scenario_network(scenario: Scenario) -> Network:
    """The scenario's network in its year, with its infrastructure overrides applied."""
    try:
        net = load_network(scenario.network, all_years=True)
        if scenario.infrastructure.sections:
            net = set_section_attrs(net, scenario.infrastructure.sections, label="scenario sections")
        net = at_year(net, scenario.year)
        for t in scenario.infrastructure.terminals:
            net = set_terminal(net, t.node, t.method, ramps=t.ramps, label="scenario terminal")
    except NetworkError as exc:
        raise ScenarioError(f"{scenario.source_file or scenario.name}: {exc}") from None
    return net
