"""Standing room (issue #12, scope 5): a full stop holds the arriving train on the section before it."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from mobility.scenario import parse_scenario
from mobility.simulation import simulate


def _two_units(baseline_dict: dict, holding: int) -> dict:
    """Unit ``a`` unloads slowly at Jonava (for Rukla, one ramp: R68); unit ``b`` passes Jonava on to
    Panevėžys. Everything else is plentiful (double track, 200 trains a day, ramps, stock, room to wait
    at every other stop), so the only interaction of the two is Jonava's ``holding`` tracks."""
    from mobility.network import load_network
    from mobility.network.edits import sections

    d = copy.deepcopy(baseline_dict)
    rail = [s for s, m in sections(load_network("baltic", year=d["year"])).items() if m == "rail"]
    d["horizon_days"] = 60
    d["forces"] = [
        {"id": "a", "type": "mech_bde", "ready_day": 0, "origin": "bialystok", "destination": "rukla",
         "mode": "rail"},
        {"id": "b", "type": "mech_bde", "ready_day": 0.5, "origin": "bialystok", "destination": "panevezys",
         "mode": "rail", "priority": 2},
    ]
    d["resources"] = {**d["resources"], "wagons_1435": 5000, "wagons_1520": 5000, "locomotives_1435": 300,
                      "locomotives_1520": 300}
    d["policies"] = {**d["policies"], "clearance_hours": 0}
    d["infrastructure"] = {
        "sections": {s: {"trains_per_day": 200, "tracks": 2} for s in rail},
        "terminals": [{"node": "bialystok", "method": "ramp", "ramps": 8},
                      {"node": "panevezys", "method": "ramp", "ramps": 20},
                      *({"node": n, "method": "transload", "ramps": 10} for n in ("mockava", "sestokai", "palemonas"))],
        "holding_tracks": {"jonava": holding}}
    # unloading as slow as loading, so a's trains queue at Jonava's one ramp
    d["factors"] = {"unload_hours_per_wagon": 0.3, "holding_tracks_default": 20}
    return d


@pytest.fixture(scope="module")
def tight(baseline_dict):
    return simulate(parse_scenario(_two_units(baseline_dict, 1)), check=True)


def _occupancy(ev: pd.DataFrame, rid: str, t: float) -> int:
    rows = ev[(ev["resource"] == rid) & (ev["time"] <= t + 1e-9)]
    return int(rows.loc[rows["event"] == "acquire", "amount"].sum() - rows.loc[rows["event"] == "release",
                                                                                 "amount"].sum())


def test_a_full_stop_holds_the_arriving_train_on_the_section_before(tight):
    ev = tight.events
    room = ev[ev["resource"] == "standing:jonava"]
    asked = room[room["event"] == "request"].set_index("mover")["time"]
    got = room[room["event"] == "acquire"].set_index("mover")["time"]
    waited = (got - asked)[lambda w: w > 1.0]
    assert len(waited) >= 3  # several trains found Jonava's ramp busy and its one holding track taken
    capacity = int(tight.resources.set_index("resource").loc["standing:jonava", "capacity"])
    assert capacity == 1
    for mover in waited.index:
        t0, t1 = asked[mover], got[mover]
        # the holding track was full when the train asked for it ...
        assert _occupancy(ev, "standing:jonava", t0) == capacity
        # ... and the train stayed on the section before Jonava, holding its track, until it got one
        mine = ev[ev["mover"] == mover]
        entered = mine[(mine["event"] == "enter") & (mine["time"] <= t0)].iloc[-1]
        section = entered["place"]
        left = mine[(mine["event"] == "leave") & (mine["place"] == section)]["time"]
        held = mine[(mine["event"] == "release") & (mine["place"] == section)
                    & mine["resource"].astype(str).str.startswith(f"track:{section}:")]
        assert float(left.iloc[0]) == pytest.approx(t1) and float(held["time"].max()) >= t1 - 1e-9
        # nobody else got that track (its direction's, on this double track) meanwhile
        track = held.loc[held["time"].idxmax(), "resource"]
        others = ev[(ev["resource"] == track) & (ev["event"] == "acquire") & (ev["mover"] != mover)]["time"]
        assert not ((others > t0 + 1e-9) & (others < t1 - 1e-9)).any()


def test_congestion_at_a_stop_delays_trains_passing_it(baseline_dict, tight):
    roomy = simulate(parse_scenario(_two_units(baseline_dict, 100)), check=True)

    def closed(result) -> float:
        ev = result.events
        return float(ev.loc[(ev["event"] == "closed") & (ev["unit"] == "b"), "time"].iloc[0])

    def mean_arrival(result) -> float:
        ev = result.events
        return float(ev.loc[(ev["event"] == "arrive") & (ev["unit"] == "b"), "time"].mean())

    # unit b never stops at Jonava, yet its trains wait behind a's trains held on the line before it
    assert closed(roomy) + 4 < closed(tight)
    assert mean_arrival(roomy) + 4 < mean_arrival(tight)
    # with room to spare no train waits on a section for standing room at Jonava
    ev = roomy.events
    room = ev[ev["resource"] == "standing:jonava"]
    assert len(room) and (room[room["event"] == "acquire"]["time"].to_numpy()
                          == room[room["event"] == "request"]["time"].to_numpy()).all()


def test_holding_tracks_are_stated_in_the_summary(baseline_dict):
    d = _two_units(baseline_dict, 1)
    del d["infrastructure"]["holding_tracks"]
    said = "\n".join(simulate(parse_scenario(d)).summary()["assumptions"])
    assert "Jonava: 20 train(s) can wait on holding tracks (factor holding_tracks_default" in said


def test_mockava_holding_track_comes_from_its_track_length(baseline_dict):
    from mobility.network.holding import holding_tracks

    row = holding_tracks("baltic")["mockava"]
    assert row.trains is None and row.track_m == 1000 and "C6" in row.source
    assert row.count(600) == 1 and row.count(400) == 2


def test_a_scenario_sets_the_holding_tracks_of_a_stop(tight):
    assert int(tight.resources.set_index("resource").loc["standing:jonava", "capacity"]) == 1
    # set by the scenario: no longer an assumption of the run
    assert not [a for a in tight.summary()["assumptions"] if a.startswith("Jonava:") and "holding tracks" in a]


@pytest.mark.parametrize("node, message", [
    ("nowhere", "infrastructure.holding_tracks.nowhere: unknown node"),
    ("rukla", "infrastructure.holding_tracks.rukla: Rukla is not on the rail network, so holding tracks there "
              "would change nothing"),
])
def test_holding_tracks_at_a_node_that_is_no_stop_are_refused(baseline_dict, node, message):
    from mobility.errors import ScenarioError

    d = copy.deepcopy(baseline_dict)
    d["infrastructure"] = {"holding_tracks": {node: 2}}
    with pytest.raises(ScenarioError, match=message):
        parse_scenario(d)


def test_only_stops_trains_use_are_stated_as_assumptions():
    from validation.published import _abct_2017

    result = simulate(parse_scenario(_abct_2017()))
    said = result.summary()["assumptions"]
    # Bremerhaven -> Drawsko/Żagań changes no gauge: the routing's look at Šeštokai states nothing
    assert not [a for a in said if "Šeštokai" in a or "transload" in a]
    assert any(a.startswith("Żagań: 2 train(s) can wait on holding tracks") for a in said)


def test_the_what_if_doubles_standing_room(tight):
    """A wait for standing room is a resource the bottleneck what-if can double (as a `--set` point)."""
    from mobility.analysis.bottlenecks import WHAT_IF_KINDS, doubling
    from mobility.analysis.experiments.points import at_point

    assert {"standing", "intermodal"} <= set(WHAT_IF_KINDS)
    row = next(tight.bottlenecks[tight.bottlenecks["resource"] == "standing:jonava"].itertuples())
    point, change = doubling(tight, row)
    assert point == {"infrastructure.holding_tracks.jonava": 2} and change == "2 holding tracks at jonava"
    doubled = simulate(at_point(tight.scenario, point), seed=tight.seed)
    capacity = doubled.resources.set_index("resource")["capacity"]
    assert capacity["standing:jonava"] == 2 and tight.resources.set_index("resource")["capacity"]["standing:jonava"] == 1
