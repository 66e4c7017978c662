"""The simulation: determinism, invariants and the behaviour planners rely on."""

from __future__ import annotations

import copy

import pandas as pd
import pytest

from mobility.errors import NoRouteError, ScenarioError
from mobility.scenario import load_scenario, parse_scenario
from mobility.simulation import simulate


def small(baseline_dict: dict, **changes) -> dict:
    """A short baseline variant: the first force lines only, 60-day horizon."""
    d = copy.deepcopy(baseline_dict)
    d["forces"] = d["forces"][:5]
    d["horizon_days"] = 60
    d.update(changes)
    return d


def terminal_bound(baseline_dict: dict, node: str | None = None, ramps: int = 1) -> dict:
    """Heavy brigades by rail to Gaižiūnai (1520 mm only) with ample stock, ramps and line capacity:
    the gauge terminals bind. ``ramps`` ramp pairs at ``node``'s transload terminal."""
    from mobility.network import load_network

    d = small(baseline_dict, year=2025, horizon_days=120)
    d["forces"] = [{"id": "mech", "type": "mech_bde", "count": 6, "ready_day": 0, "stagger_days": 0.5,
                    "origin": "bialystok", "destination": "gaiziunai", "mode": "rail"}]
    d["resources"] = {"wagons_1435": 5000, "wagons_1520": 5000, "locomotives_1435": 200, "locomotives_1520": 200,
                      "intermodal_wagons_1435": 5000, "intermodal_wagons_1520": 5000}
    terms = [{"node": "bialystok", "method": "ramp", "ramps": 16}, {"node": "gaiziunai", "method": "ramp", "ramps": 16}]
    if node is not None:
        terms.append({"node": node, "method": "transload", "ramps": ramps})
    rail = load_network(year=2025).rail
    d["infrastructure"] = {"terminals": terms,
                           "sections": {d_["section"]: {"trains_per_day": 48, "tracks": 2}
                                        for _, _, d_ in rail.edges(data=True)},
                           # room for every waiting train: the terminals' ramps bind, not their standing room
                           "holding_tracks": {n: 100 for n in ("mockava", "sestokai", "palemonas", "gaiziunai")}}
    return d


def last_closed(result) -> float:
    return float(result.events.loc[result.events["event"] == "closed", "time"].max())


def test_same_scenario_and_seed_give_an_identical_event_log(baseline_dict):
    sc = parse_scenario(small(baseline_dict))
    a, b = simulate(sc, seed=7), simulate(sc, seed=7)
    pd.testing.assert_frame_equal(a.events, b.events)
    assert len(a.events) > 1000


def test_invariants_hold_on_the_baseline(baseline_dict):
    result = simulate(parse_scenario(small(baseline_dict)), check=True)
    closed = result.events[result.events["event"] == "closed"]
    assert closed["troops"].sum() == result.scenario.total_troops()
    # troops of each unit are split over its movers without loss
    first = result.events[result.events["mover"] != ""].drop_duplicates("mover")
    per_unit = first.groupby("unit", observed=True)["troops"].sum()
    assert (per_unit == closed.set_index("unit")["troops"].reindex(per_unit.index)).all()


def test_the_gauge_terminals_bind_in_the_terminal_bound_scenario(baseline_dict):
    result = simulate(parse_scenario(terminal_bound(baseline_dict)), check=True)
    top = result.bottlenecks.head(3)
    assert (top["kind"] == "terminal").all() and (top["utilisation"] > 0.7).all()
    changes = result.events[result.events["event"] == "gauge_change"]["place"].astype(str)
    assert set(changes) == {"mockava", "sestokai", "palemonas"}  # trains spread over the terminals


@pytest.mark.parametrize("node", ["sestokai", "palemonas"])
def test_more_ramp_pairs_at_the_binding_terminal_close_earlier_never_later(baseline_dict, node):
    ends = [last_closed(simulate(parse_scenario(terminal_bound(baseline_dict, node, r)))) for r in (1, 2, 3, 4)]
    assert all(b <= a + 1e-9 for a, b in zip(ends, ends[1:], strict=False)), ends
    assert ends[1] < ends[0] - 24, ends  # a second ramp pair buys at least a day


def test_peacetime_rules_close_later_than_emergency_rules(root):
    peace = simulate(load_scenario(root / "scenarios" / "peacetime-rules.yaml"))
    emerg = simulate(load_scenario(root / "scenarios" / "emergency-rules.yaml"))
    assert peace.closure["closed"].iloc[30] < emerg.closure["closed"].iloc[30]
    assert (peace.closure["closed"] <= emerg.closure["closed"]).all()
    assert peace.tiers["closed"].iloc[0] < emerg.tiers["closed"].iloc[0]


def test_the_2030_network_changes_the_flow_through_the_gauge_break(baseline_dict):
    def flows(year: int) -> tuple[int, set[str]]:
        d = small(baseline_dict, year=year)
        d["forces"] = [{"id": "mech", "type": "mech_bde", "count": 2, "ready_day": 1, "origin": "bialystok",
                        "destination": "panevezys", "mode": "rail"}]
        ev = simulate(parse_scenario(d)).events
        changes = int((ev["event"] == "gauge_change").sum())
        return changes, set(ev.loc[ev["event"] == "unloaded", "place"].astype(str))

    changes_2026, unloaded_2026 = flows(2026)
    changes_2030, unloaded_2030 = flows(2030)
    # before Rail Baltica reaches Panevėžys every train changes gauge to get there ...
    assert changes_2026 > 0 and unloaded_2026 == {"panevezys"}
    # ... on the 2030 network 1435 mm trains run through to Panevėžys without a gauge change
    assert changes_2030 == 0 and unloaded_2030 == {"panevezys"}


def test_closing_suwalki_trakiszki_delays_rail_and_shifts_units_to_the_road(baseline_dict):
    d = small(baseline_dict)
    d["forces"] = [{"id": "mech", "type": "mech_bde", "count": 2, "ready_day": 1, "origin": "bialystok",
                    "destination": "rukla", "mode": "auto", "priority": 3},
                   {"id": "rail-only", "type": "mech_bde", "count": 1, "ready_day": 1, "origin": "bialystok",
                    "destination": "rukla", "mode": "rail", "priority": 1}]
    open_ = simulate(parse_scenario(d))
    d["disruptions"] = [{"section": "rail:suwalki-trakiszki:1435", "from_day": 0, "to_day": 10}]
    shut = simulate(parse_scenario(d))

    # no train uses the closed line while it is closed
    entered = shut.events[shut.events["event"] == "enter"]
    on_line = entered["place"].astype(str).str.startswith("rail:suwalki-trakiszki")
    assert not (on_line & (entered["time"] < 10 * 24)).any()
    # trains unload in Poland and their loads cross the border by road instead
    def road_crossings(res) -> int:
        ev = res.events
        return int(((ev["event"] == "request") & (ev["resource"].astype(str).str.startswith("border:"))).sum())

    assert road_crossings(shut) > road_crossings(open_)
    unloaded = shut.events[(shut.events["event"] == "unloaded")]["place"].astype(str)
    assert {shut.network.node(n)["country"] for n in unloaded} == {"PL"}
    # and the force closes later than with the line open
    closed = lambda r: r.events.loc[r.events["event"] == "closed", "time"]  # noqa: E731
    assert closed(shut).max() > closed(open_).max()


def test_a_unit_with_no_feasible_route_gets_an_error_naming_it(baseline_dict):
    d = small(baseline_dict)
    d["forces"] = [{"id": "stuck", "type": "us_abct", "origin": "gdansk", "destination": "gaiziunai", "mode": "road"}]
    with pytest.raises(NoRouteError, match=r"^<scenario>: forces\[0\] \(stuck\): unit stuck: no road .* Gaižiūnai is not on the road network"):
        simulate(parse_scenario(d))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"speed": 3}, r"speed: Extra inputs are not permitted; remove it"),
        ({"horizon_days": "long"}, r"horizon_days: Input should be a valid integer"),
        ({"forces": [{"id": "a", "type": "us_abct", "origin": "atlantis", "destination": "rukla"}]},
         r"forces\[0\]\.origin: unknown node 'atlantis'"),
        ({"forces": [{"id": "a", "type": "hovercraft", "origin": "gdansk", "destination": "rukla"}]},
         r"forces\[0\]\.type: unknown unit type 'hovercraft'"),
        ({"factors": {"warp_speed": 9}}, r"factors\.warp_speed: unknown planning factor"),
    ],
)
def test_bad_scenarios_get_one_line_naming_file_field_and_fix(baseline_dict, change, expected):
    d = small(baseline_dict)
    d.update(change)
    with pytest.raises(ScenarioError, match=r"^my\.yaml: " + expected) as exc:
        parse_scenario(d, source="my.yaml")
    assert "\n" not in str(exc.value)


def test_factor_overrides_change_the_run(baseline_dict):
    d = small(baseline_dict)
    base = simulate(parse_scenario(d))
    d["factors"] = {"load_hours_per_wagon": 1.0}
    slow = simulate(parse_scenario(d))
    assert last_closed(slow) > last_closed(base)
    assert slow.factors.overridden == {"load_hours_per_wagon": 1.0}


def test_closing_a_terminal_reroutes_trains_and_leaves_the_line_open(baseline_dict):
    d = terminal_bound(baseline_dict)
    d["disruptions"] = [{"terminal": "sestokai", "from_day": 0, "to_day": 30}]
    ev = simulate(parse_scenario(d), check=True).events
    changes = ev[ev["event"] == "gauge_change"]
    assert not ((changes["place"] == "sestokai") & (changes["time"] < 30 * 24)).any()
    assert set(changes["place"].astype(str)) >= {"mockava", "palemonas"}
    # trains still run through Šeštokai on the interlaced track while its terminal is shut
    through = ev[(ev["event"] == "enter") & (ev["place"] == "rail:mockava-sestokai:1435;1520")]
    assert (through["time"] < 30 * 24).any()


def test_a_closure_with_no_way_round_makes_movers_wait_rather_than_failing(baseline_dict):
    d = small(baseline_dict)
    d["forces"] = [{"id": "conv", "type": "enabler_pkg", "ready_day": 1, "origin": "bialystok",
                    "destination": "vilnius", "mode": "road"}]
    d["policies"] = {"enforce_weight_limits": True}
    base = simulate(parse_scenario(d))
    d["disruptions"] = [{"node": "budzisko", "from_day": 0, "to_day": 6}, {"node": "ogrodniki", "from_day": 0,
                                                                           "to_day": 6}]
    shut = simulate(parse_scenario(d), check=True)
    crossed = shut.events[(shut.events["event"] == "acquire") & shut.events["resource"].astype(str).str.startswith(
        "border:")]
    assert len(crossed) > 0 and crossed["time"].min() >= 6 * 24
    assert last_closed(shut) > last_closed(base)


def test_a_train_starting_at_a_gauge_terminal_uses_the_stock_of_its_first_line(baseline_dict):
    d = small(baseline_dict)
    d["forces"] = [{"id": "kit", "type": "mech_bde", "ready_day": 0, "origin": "palemonas",
                    "destination": "tapa", "mode": "rail"}]
    ev = simulate(parse_scenario(d), check=True).events
    first_train = ev[ev["mover"] == "kit/rail/1"]
    taken = first_train[first_train["event"] == "acquire"]["resource"].astype(str)
    stock = taken[taken.str.startswith("wagons:")]
    assert stock.iloc[0] == "wagons:1520"  # Palemonas–Tapa is broad gauge all the way
    assert not (first_train["event"] == "gauge_change").any()


@pytest.mark.parametrize(
    ("resources", "field"),
    [({"locomotives_1435": 0}, "resources.locomotives_1435"), ({"wagons_1435": 5}, "resources.wagons_1435")],
)
def test_a_pool_too_small_for_one_train_is_a_clear_error(baseline_dict, resources, field):
    d = small(baseline_dict)
    d["resources"] = {**resources, "roro_ships": 0}  # no sealift: auto units may not avoid the pool by sea
    with pytest.raises(ScenarioError, match=rf"^<scenario>: {field}: .* needs \d+ at once but the pool holds"):
        simulate(parse_scenario(d))


def test_no_port_berth_for_a_unit_starting_at_a_port_is_a_clear_error(baseline_dict):
    d = small(baseline_dict)
    d["forces"] = [{"id": "ship", "type": "us_abct", "origin": "gdansk", "destination": "rukla"}]
    d["resources"] = {"port_berths": 0}
    with pytest.raises(ScenarioError, match="resources.port_berths is 0"):
        simulate(parse_scenario(d))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"uncertainties": [{"factor": "load_hours_per_wagon", "distribution": "triangular", "low": 0.1}]},
         r"uncertainties\[0\]: triangular needs low <= mode <= high"),
        ({"uncertainties": [{"factor": "section_delay_hours", "distribution": "lognormal", "mean": -1,
                             "sigma": 1}]}, r"uncertainties\[0\]: lognormal needs mean > 0"),
        ({"factors": {"march_unit_vehicles": 0}}, r"factors\.march_unit_vehicles: 0 is not allowed"),
        ({"factors": {"wagon_length_m": -3}}, r"factors\.wagon_length_m: -3 is not allowed"),
    ],
)
def test_bad_uncertainties_and_factors_are_one_line_errors(baseline_dict, change, expected):
    d = small(baseline_dict)
    d.update(change)
    with pytest.raises(ScenarioError, match=r"^s\.yaml: " + expected):
        parse_scenario(d, source="s.yaml")


def test_event_logs_do_not_depend_on_the_hash_seed(tmp_path, root):
    import subprocess
    import sys

    code = ("import sys, mobility; r = mobility.simulate(mobility.load_scenario(sys.argv[1]));"
            "r.events.to_parquet(sys.argv[2])")
    sc = root / "scenarios" / "baseline.yaml"
    outs = []
    for seed in ("1", "4242"):
        out = tmp_path / f"events-{seed}.parquet"
        env = {**__import__("os").environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(sc), str(out)], check=True, env=env)
        outs.append(pd.read_parquet(out))
    pd.testing.assert_frame_equal(outs[0], outs[1])


def test_uncertain_delays_follow_the_mover_not_the_event_order(baseline_dict):
    d = small(baseline_dict)
    d["resources"] = {**d["resources"], "roro_ships": 0}  # all by land: the same movers in both runs
    d["uncertainties"] = [{"factor": "section_delay_hours", "distribution": "uniform", "low": 0, "high": 2}]
    a = simulate(parse_scenario(d), seed=3)
    d2 = copy.deepcopy(d)
    d2["infrastructure"] = {"terminals": [{"node": "powidz", "method": "ramp", "ramps": 3},
                                          {"node": "bialystok", "method": "ramp", "ramps": 3}]}  # changes the order of events
    b = simulate(parse_scenario(d2), seed=3)

    def run_times(res):
        ev = res.events[res.events["event"].isin(["enter", "leave"]) & (res.events["mode"] == "rail")]
        ev = ev[ev["place"].astype(str).str.startswith("rail:")]
        w = ev.pivot_table(index=["mover", "place"], columns="event", values="time", aggfunc="first",
                           observed=True)
        return (w["leave"] - w["enter"]).round(9)

    ta, tb = run_times(a), run_times(b)
    common = ta.index.intersection(tb.index)
    assert len(common) > 20 and (ta.loc[common] > 0).all()
    assert (ta.loc[common] == tb.loc[common]).mean() > 0.95  # same draws per mover and section
    assert not a.events["time"].equals(b.events["time"])
