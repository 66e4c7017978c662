"""Rail flow mechanics (issue #12): stock, dispatch, single track, empty returns, standing room."""

from __future__ import annotations

import copy
import math
from pathlib import Path

import pandas as pd
import pytest

from mobility.scenario import parse_scenario
from mobility.simulation import simulate


@pytest.fixture(scope="module")
def baseline_run(baseline_dict):
    d = copy.deepcopy(baseline_dict)
    d["horizon_days"] = 60
    d["forces"] = [f for f in d["forces"] if f.get("mode", "auto") != "road" and not f.get("in_place")
                   and f.get("ready_day", 0) < 30]
    return simulate(parse_scenario(d), check=True)


def _first(ev: pd.DataFrame, mask) -> pd.Series:
    return ev[mask].groupby(ev.loc[mask, "mover"].astype(str))["time"].min()


def test_no_train_holds_stock_while_waiting_for_its_loading_ramp(baseline_run):
    ev = baseline_run.events
    res = ev["resource"].astype(str)
    trains = ev[ev["event"] == "load"]["mover"].astype(str).unique()
    assert len(trains) > 100
    ramp_req = _first(ev, (ev["event"] == "request") & res.str.startswith("ramp:"))
    ramp_acq = _first(ev, (ev["event"] == "acquire") & res.str.startswith("ramp:"))
    stock = _first(ev, (ev["event"] == "acquire") & res.str.startswith("wagons:"))
    both = pd.DataFrame({"req": ramp_req, "acq": ramp_acq, "stock": stock}).dropna()
    assert len(both) == len(trains)
    # trains did queue for ramps (else the test proves nothing) ...
    assert ((both["acq"] - both["req"]) > 24).sum() > 20
    # ... but none had its wagons before its ramp slot came
    assert (both["stock"] >= both["acq"]).all()


def test_a_units_trains_load_together_in_priority_order(baseline_run):
    ev = baseline_run.events
    loads = ev[(ev["event"] == "load")].sort_values("time", kind="stable")
    for place, g in loads.groupby(loads["place"].astype(str)):
        units = g["unit"].astype(str).tolist()
        runs = [u for i, u in enumerate(units) if i == 0 or units[i - 1] != u]
        # every unit's trains load in one block at each ramp: no interleaving of two units
        assert len(runs) == len(set(runs)), (place, runs)


def test_two_brigades_at_one_ramp_do_not_interleave_when_stock_is_short(baseline_dict):
    d = copy.deepcopy(baseline_dict)
    d["horizon_days"] = 60
    d["forces"] = [{"id": "a", "type": "mech_bde", "count": 2, "ready_day": 1, "stagger_days": 0.3,
                    "origin": "warszawa_wsch", "destination": "rukla", "priority": 2},
                   {"id": "b", "type": "mech_bde", "count": 1, "ready_day": 1.6,
                    "origin": "warszawa_wsch", "destination": "rukla", "priority": 1}]
    # no RoRo ships: with stock this short, auto would otherwise send the brigades by sea (issue #10)
    d["resources"] = {**d["resources"], "wagons_1435": 60, "roro_ships": 0}
    ev = simulate(parse_scenario(d)).events
    loads = ev[(ev["event"] == "load") & (ev["place"] == "warszawa_wsch")].sort_values("time", kind="stable")
    units = loads["unit"].astype(str).tolist()
    runs = [u for i, u in enumerate(units) if i == 0 or units[i - 1] != u]
    # a-1 starts, the higher-priority b takes the ramp once it is ready, then a-1 finishes before a-2
    assert runs == ["a-1", "b", "a-1", "a-2"], runs


CORRIDOR = "rail:trakiszki-mockava:1435"


def _intervals(ev: pd.DataFrame, section: str) -> pd.DataFrame:
    on = ev[(ev["place"] == section) & ev["event"].isin(["enter", "leave"])]
    w = on.pivot_table(index="mover", columns="event", values="time", aggfunc="first", observed=True)
    return w.sort_values("enter")


def test_single_track_is_one_track_for_both_directions(baseline_run):
    ev = baseline_run.events
    w = _intervals(ev, CORRIDOR)
    empties = w.index.astype(str).str.contains("/empty/")
    # loaded trains run one way, their empty stock the other, on the same track
    assert empties.sum() > 50 and (~empties).sum() > 50
    # no two trains (of either direction) on the section at once
    assert (w["enter"].to_numpy()[1:] >= w["leave"].to_numpy()[:-1] - 1e-9).all()
    # TR0603 (R107): 10 trains a day each direction (no loop data here), so 20 on the track in all
    for direction in (w[empties], w[~empties]):
        s = direction["enter"].to_numpy()
        assert (s[10:] - s[:-10] >= 24 - 1e-6).all()
    starts = w["enter"].to_numpy()
    assert (starts[20:] - starts[:-20] >= 24 - 1e-6).all()
    # (that the ten a day is reached when a heavy force saturates the line: validation/, TR0603 case)


def test_empty_stock_returns_over_the_network_as_trains(baseline_run):
    ev = baseline_run.events
    movers = ev["mover"].astype(str)
    loaded = set(movers[(ev["event"] == "unloaded")])
    back = set(movers[(ev["event"] == "returned")].str.replace(r"/empty/\d+$", "", regex=True))
    assert len(loaded) > 100 and loaded <= back
    entered = ev[(ev["event"] == "enter") & movers.str.contains("/empty/")]["place"].astype(str)
    assert entered.str.startswith("rail:").all() and entered.nunique() > 10
    # the stock is back in its pool only after the empty train has run home
    ret = ev[ev["event"] == "returned"].groupby(movers.str.replace(r"/empty/\d+$", "", regex=True))["time"].max()
    rel = ev[(ev["event"] == "release") & ev["resource"].astype(str).str.startswith("wagons:")]
    last_rel = rel.groupby(rel["mover"].astype(str))["time"].max()
    turnaround = baseline_run.factors["wagon_turnaround_hours"]
    for mover, t in last_rel.items():
        assert t >= ret[mover] + turnaround - 1e-6


def test_passing_loops_split_a_single_track_into_blocks(baseline_dict, monkeypatch):
    from mobility.network.loops import Loops
    from mobility.sim import engine

    d = copy.deepcopy(baseline_dict)
    d["horizon_days"] = 40
    d["forces"] = [{"id": "m", "type": "mech_bde", "count": 2, "ready_day": 0, "origin": "bialystok",
                    "destination": "rukla", "mode": "rail"}]
    d["resources"] = {**d["resources"], "wagons_1435": 3000, "wagons_1520": 3000, "locomotives_1435": 200,
                      "locomotives_1520": 200}
    d["infrastructure"] = {"terminals": [{"node": "bialystok", "method": "ramp", "ramps": 8}]}
    sec = "rail:bialystok-sokolka:1435"
    plain = simulate(parse_scenario(d), check=True)
    monkeypatch.setattr(engine, "passing_loops", lambda name: {sec: Loops(sec, 3, "test", "")})
    loops = simulate(parse_scenario(d), check=True)
    blocks = loops.resources[loops.resources["resource"].astype(str).str.startswith(f"track:{sec}:block")]
    assert len(blocks) == 4
    # capacity is the running time between loops: more trains a day pass than without loops
    def best_day(res) -> int:  # loaded trains (one direction) in the busiest 24 h
        w = _intervals(res.events, sec)
        s = w[~w.index.astype(str).str.contains("/empty/")]["enter"].to_numpy()
        return max(int(((s >= t) & (s < t + 24 - 1e-6)).sum()) for t in s)
    assert best_day(plain) <= 10 < best_day(loops)


def test_double_track_keeps_a_headway_per_direction(baseline_run):
    w = _intervals(baseline_run.events, "rail:czyzew-lapy:1435")
    empties = w.index.astype(str).str.contains("/empty/")
    for direction in (w[empties], w[~empties]):
        s = direction["enter"].to_numpy()
        assert len(s) > 50 and (s[1:] - s[:-1] >= 24 / 30 - 1e-6).all()
    # opposing trains pass each other on double track
    east, west = w[~empties], w[empties]
    overlap = [((west["enter"] < r.leave) & (west["leave"] > r.enter)).any() for r in east.itertuples()]
    assert any(overlap)


def test_every_default_ramp_count_is_stated_in_the_summary(baseline_run):
    said = "\n".join(baseline_run.summary()["assumptions"])
    loaded_at = set(baseline_run.events.loc[baseline_run.events["event"] == "load", "place"].astype(str))
    sourced = {t.node for t in baseline_run.network.terminals if t.method == "ramp" and t.ramps}
    silent = [n for n in loaded_at - sourced if baseline_run.network.label(n) not in said]
    assert loaded_at - sourced and not silent
    assert "default_ramps" in said


def test_heavy_flats_carry_no_containers_when_wheeled_go_by_road(baseline_run):
    ev = baseline_run.events
    abct = ev[(ev["unit"] == "abct-a-1") & (ev["event"] == "acquire") & (ev["resource"] == "wagons:1435")]
    # an ABCT (R94: 395 tracked, 780 containers) by rail and road: one flat per tracked vehicle only
    assert int(abct["amount"].sum()) == 395


def _heavy_from_bialystok(baseline_dict: dict, count: int) -> dict:
    d = copy.deepcopy(baseline_dict)
    d["horizon_days"] = 120
    d["forces"] = [{"id": "h", "type": "mech_bde", "count": count, "ready_day": 0, "stagger_days": 0.5,
                    "origin": "bialystok", "destination": "rukla", "mode": "rail"}]
    d["resources"] = {**d["resources"], "wagons_1435": 5000, "wagons_1520": 5000, "locomotives_1435": 300,
                      "locomotives_1520": 300}
    d["infrastructure"] = {"terminals": [{"node": "bialystok", "method": "ramp", "ramps": 8}]}
    return d


def test_a_heavy_force_shares_the_parallel_line_once_the_sokolka_queue_outweighs_it(baseline_dict):
    from mobility.network.edits import close
    from mobility.network.routing import Mover, Router

    result = simulate(parse_scenario(_heavy_from_bialystok(baseline_dict, 10)))
    ev = result.events
    loaded = ev[(ev["event"] == "enter") & ~ev["mover"].astype(str).str.contains("/empty/")]
    place = loaded["place"].astype(str)
    sok = loaded[place == "rail:bialystok-sokolka:1435"].sort_values("time", kind="stable")
    elk = loaded[place == "rail:bialystok-monki:1435"].sort_values("time", kind="stable")
    # both lines carry a good share of the 300-odd trains (all-or-nothing sent every one via Sokółka)
    assert len(elk) > 0.3 * (len(sok) + len(elk)) and len(sok) > 0.3 * (len(sok) + len(elk))
    # the first trains take the fastest line; a train goes via Ełk only once the trains already routed
    # over Sokółka would make it wait longer than the detour costs
    mover = Mover.train(gauge=1435)
    router = Router(result.network, result.factors)
    fast = router.hours("bialystok", "suwalki", mover)
    detour = Router(close(result.network, sections_=["rail:bialystok-sokolka:1435"]), result.factors).hours(
        "bialystok", "suwalki", mover) - fast
    hold = 24 / result.factors["trains_per_day_single_track"]
    # trains are routed in order (h-1/rail/1, /2, ...): the first k, whose queue is not yet worth the
    # detour, all go via Sokółka
    k = max(1, math.ceil(detour / hold))
    first = [f"h-1/rail/{i}" for i in range(1, k + 1)]
    assert detour > 0 and set(first) <= set(sok["mover"].astype(str))


SHIPPED = sorted(p.stem for p in (Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml")
                 if p.stem != "candidates")


@pytest.mark.parametrize("name", SHIPPED)
def test_no_shipped_scenario_beats_the_flow_bound(root, name):
    from mobility.analysis.bound import check_bound
    from mobility.scenario import load_scenario

    result = simulate(load_scenario(root / "scenarios" / f"{name}.yaml"))
    bound = result.flow_bound
    check_bound(result, bound)
    closed = result.closure.set_index("day")["closed"]
    # not vacuous: the bound is below the force total on the first tier day and the run comes close to it
    first = int(result.tiers["day"].iloc[0])
    assert bound["troops"][first] < result.scenario.total_troops()
    # the bound knows no closure or attack: where the run faces none, it comes within 80 % of it
    if not result.scenario.disruptions and not result.scenario.threats:
        assert closed.max() >= 0.8 * max(bound["troops"])


def test_the_flow_bound_catches_a_run_that_breaks_a_ramp(baseline_run):
    from mobility.analysis.bound import check_bound
    from mobility.errors import InvariantError

    bound = baseline_run.flow_bound
    tight = [d for d, c in zip(bound["days"], bound["cut"], strict=True) if c.startswith("ramp:")]
    assert tight  # a ramp gives the bound on some day
    fake = dict(bound, troops=[t - 1 if d == tight[0] else t for d, t in zip(bound["days"], bound["troops"],
                                                                                 strict=True)])
    fake["troops"] = [min(t, int(baseline_run.closure.set_index("day")["closed"].get(d, 0)) - 1)
                      if d == tight[0] else t for d, t in zip(bound["days"], fake["troops"], strict=True)]
    with pytest.raises(InvariantError, match="flow bound"):
        check_bound(baseline_run, fake)


def test_what_if_names_the_binding_ramp_and_not_idle_capacity(baseline_dict):
    from mobility.analysis.bottlenecks import what_if

    d = copy.deepcopy(baseline_dict)
    d["horizon_days"] = 60
    d["forces"] = [{"id": "a", "type": "mech_bde", "count": 3, "ready_day": 1, "origin": "warszawa_wsch",
                    "destination": "rukla", "priority": 1}]
    d["targets"] = {"tiers": [{"day": 10, "troops": 4000}, {"day": 20, "troops": 12000}]}
    result = simulate(parse_scenario(d))
    table = what_if(result, top=4)
    row = table.set_index("resource")
    assert row.loc["ramp:warszawa_wsch", "buys"] and row.loc["ramp:warszawa_wsch", "days_earlier"] > 0
    # everything that buys nothing sorts after what buys
    assert list(table["buys"]) == sorted(table["buys"], reverse=True)
