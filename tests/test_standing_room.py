"""Standing room (issue #12, scope 5): a full stop holds the arriving train on the section before it."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from mobility.scenario import parse_scenario
from mobility.simulation import simulate



def _two_units(baseline_dict: dict, holding: int) -> dict:
    """Unit ``a`` unloads slowly at Jonava (rukla); unit ``b`` passes Jonava on to Panevėžys."""
    d = copy.deepcopy(baseline_dict)
    d["horizon_days"] = 60
    d["forces"] = [
        {"id": "a", "type": "mech_bde", "ready_day": 0, "origin": "bialystok", "destination": "rukla",
         "mode": "rail"},
        {"id": "b", "type": "mech_bde", "ready_day": 0.5, "origin": "bialystok", "destination": "panevezys",
         "mode": "rail", "priority": 2},
    ]
    d["resources"] = {**d["resources"], "wagons_1435": 5000, "wagons_1520": 5000, "locomotives_1435": 300,
                      "locomotives_1520": 300}
    d["infrastructure"] = {"terminals": [{"node": "bialystok", "method": "ramp", "ramps": 8}]}
    # unloading as slow as loading, so trains queue at Jonava's one ramp
    d["factors"] = {"unload_hours_per_wagon": 0.3, "holding_tracks_default": holding}
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
    for mover, wait in waited.items():
        t0, t1 = asked[mover], got[mover]
        # the holding track was full when the train asked for it ...
        assert _occupancy(ev, "standing:jonava", t0) == capacity
        # ... and the train stayed on the section before Jonava, holding its track, until it got one
        mine = ev[ev["mover"] == mover]
        entered = mine[(mine["event"] == "enter") & (mine["time"] <= t0)].iloc[-1]
        section = entered["place"]
        left = mine[(mine["event"] == "leave") & (mine["place"] == section)]["time"]
        held = mine[(mine["event"] == "release") & (mine["place"] == section)
                    & mine["resource"].astype(str).str.startswith(f"track:{section}:")]["time"]
        assert float(left.iloc[0]) == pytest.approx(t1) and float(held.max()) >= t1 - 1e-9
        # nobody else entered that section meanwhile
        others = ev[(ev["place"] == section) & (ev["event"] == "enter") & (ev["mover"] != mover)]["time"]
        assert not ((others > t0 + 1e-9) & (others < t1 - 1e-9)).any()


def test_congestion_at_a_stop_delays_trains_passing_it(baseline_dict, tight):
    roomy = simulate(parse_scenario(_two_units(baseline_dict, 20)), check=True)
    none = simulate(parse_scenario(_two_units(baseline_dict, 0)))

    def closed(result) -> float:
        ev = result.events
        return float(ev.loc[(ev["event"] == "closed") & (ev["unit"] == "b"), "time"].iloc[0])

    # unit b never stops at Jonava, yet its trains wait behind a's trains held on the section before it
    assert closed(roomy) + 4 < closed(tight) < closed(none)
    # with room to spare no train waits on a section for standing room
    ev = roomy.events
    room = ev[ev["resource"] == "standing:jonava"]
    assert (room[room["event"] == "acquire"]["time"].to_numpy() == room[room["event"] == "request"]["time"]
            .to_numpy()).all()


def test_holding_tracks_are_stated_in_the_summary(tight):
    said = "\n".join(tight.summary()["assumptions"])
    assert "Jonava: 1 train(s) can wait on holding tracks (factor holding_tracks_default" in said


def test_mockava_holding_track_comes_from_its_track_length(baseline_dict):
    from mobility.network.holding import holding_tracks

    row = holding_tracks("baltic")["mockava"]
    assert row.trains is None and row.track_m == 1000 and "C6" in row.source
    assert row.count(600) == 1 and row.count(400) == 2
