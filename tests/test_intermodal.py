"""Containers moved by rail ride intermodal (container) wagons, never the military flats (issue #12, scope 4)."""

from __future__ import annotations

import copy
import math

import pytest

from mobility.errors import ScenarioError
from mobility.scenario import parse_scenario
from mobility.simulation import simulate


def _by_rail(baseline_dict: dict, **resources: int) -> dict:
    d = copy.deepcopy(baseline_dict)
    d.update(horizon_days=30, forces=[{"id": "m", "type": "mech_bde", "ready_day": 0, "origin": "sestokai",
                                        "destination": "pabrade", "mode": "rail"}])
    d["resources"] = {**d["resources"], **resources}
    d["policies"] = {**d["policies"], "clearance": "custom", "clearance_hours": 0}
    return d


@pytest.fixture(scope="module")
def by_rail(baseline_dict):
    return simulate(parse_scenario(_by_rail(baseline_dict)), check=True)


def test_containers_ride_intermodal_wagons_and_vehicles_the_flats(by_rail):
    ev, f = by_rail.events, by_rail.factors
    taken = ev[ev["event"] == "acquire"].groupby("resource", observed=True)["amount"].sum()
    # mech_bde (assumption): 250 tracked, 800 wheeled + 250 trailers, 350 containers
    assert taken["wagons:1520"] == 250 + math.ceil(1050 / f["wheeled_per_wagon"])
    assert taken["intermodal:1520"] == math.ceil(350 / f["containers_per_wagon"])
    # every wagon goes back to its own pool after the empty run
    back = ev[ev["event"] == "release"].groupby("resource", observed=True)["amount"].sum()
    assert back["wagons:1520"] == taken["wagons:1520"] and back["intermodal:1520"] == taken["intermodal:1520"]


def test_the_intermodal_pool_default_is_stated_only_when_used(by_rail, baseline_dict):
    said = "\n".join(by_rail.summary()["assumptions"])
    assert "300 intermodal wagons of 1520 mm" in said and "intermodal_wagons_default" in said
    assert "intermodal wagons of 1435 mm" not in said  # no train used the 1435 mm pool
    set_ = simulate(parse_scenario(_by_rail(baseline_dict, intermodal_wagons_1520=50)))
    assert not [a for a in set_.summary()["assumptions"] if "intermodal" in a]


def test_a_short_intermodal_pool_slows_the_move(by_rail, baseline_dict):
    short = simulate(parse_scenario(_by_rail(baseline_dict, intermodal_wagons_1520=5)), check=True)

    def last_arrival(r) -> float:
        return float(r.events.loc[r.events["event"] == "arrive", "time"].max())

    # one train's set of container wagons shuttles for all of them
    assert last_arrival(short) > last_arrival(by_rail) + 24


def test_a_pool_smaller_than_one_trains_containers_is_refused(baseline_dict):
    with pytest.raises(ScenarioError, match=r"resources.intermodal_wagons_1520: m/rail/1 of unit m needs \d+ at once but the pool holds 1; raise"):
        simulate(parse_scenario(_by_rail(baseline_dict, intermodal_wagons_1520=1)))
