"""Regression tests for every bad input of issue #9: one clear line per problem, never a wrong answer.

Each case writes a scenario file and runs ``mobility validate`` in this process,
asserting the contract of :mod:`cli_contract` (exit 2, lines naming the file and
the field, no traceback).
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import yaml
from cli_contract import assert_refused, run_cli

from mobility.scenario import MAX_UNITS_PER_LINE, MAX_VEHICLES, parse_scenario


def small(baseline_dict: dict, **over) -> dict:
    d = {**baseline_dict, "forces": [force(id="a"), force(id="b", type="us_sbct", mode="road")], "horizon_days": 30}
    d.update(over)
    return d


def write(tmp_path: Path, data: dict | str, name: str = "bad.yaml") -> Path:
    p = tmp_path / name
    p.write_text(data if isinstance(data, str) else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return p


def refused(tmp_path: Path, data: dict | str, field: str | None, *, lines: int | None = 1) -> str:
    p = write(tmp_path, data)
    return assert_refused(run_cli(["validate", str(p)]), file=p, field=field, lines=lines)


def force(**over) -> dict:
    return {"id": "u", "type": "mech_bde", "origin": "bialystok", "destination": "rukla", **over}


# -- silent wrong answers -----------------------------------------------------------------
def test_a_section_id_of_another_year_is_refused_with_the_right_id(tmp_path, baseline_dict):
    d = small(baseline_dict, year=2030,
              disruptions=[{"section": "rail:suwalki-trakiszki:1435", "from_day": 0, "to_day": 10}])
    line = refused(tmp_path, d, "disruptions[0].section")
    assert "not in the baltic network of 2030" in line
    assert "did you mean rail:suwalki-trakiszki:1435:rb" in line


def test_an_unknown_section_gets_the_nearest_ids(tmp_path, baseline_dict):
    d = small(baseline_dict, disruptions=[{"section": "rail:suwalki-trakiszky:1435", "from_day": 0, "to_day": 3}])
    line = refused(tmp_path, d, "disruptions[0].section")
    assert "did you mean rail:suwalki-trakiszki:1435?" in line or "did you mean rail:suwalki-trakiszki:1435 " in line


def test_a_disruption_node_absent_that_year_is_refused(tmp_path, baseline_dict):
    d = small(baseline_dict, disruptions=[{"node": "budziskoo", "from_day": 0, "to_day": 3}])
    assert "did you mean budzisko" in refused(tmp_path, d, "disruptions[0].node")


def test_an_override_of_a_section_closed_that_year_is_refused(tmp_path, baseline_dict):
    d = small(baseline_dict, infrastructure={"sections": {"rail:suwalki-trakiszki:1435:rb": {"trains_per_day": 40}}})
    line = refused(tmp_path, d, "infrastructure.sections.rail:suwalki-trakiszki:1435:rb")
    assert "(opens 2030)" in line


def test_moving_an_opening_year_forward_is_accepted(baseline_dict):
    d = small(baseline_dict, infrastructure={"sections": {"rail:suwalki-trakiszki:1435:rb": {"opens": 2026}}})
    assert parse_scenario(d).infrastructure.sections == {"rail:suwalki-trakiszki:1435:rb": {"opens": 2026}}


def test_a_rail_attribute_on_a_road_section_is_refused(tmp_path, baseline_dict):
    d = small(baseline_dict, infrastructure={"sections": {"road:suwalki-budzisko": {"trains_per_day": 4}}})
    assert "applies to rail sections only" in refused(tmp_path, d, "road:suwalki-budzisko.trains_per_day")


def test_ids_colliding_after_expansion_are_refused(tmp_path, baseline_dict):
    d = small(baseline_dict, forces=[force(id="x", count=2), force(id="x-1")])
    line = refused(tmp_path, d, "forces[1].id")
    assert "'x-1'" in line and "forces[0]" in line


@pytest.mark.parametrize("to_day", [math.nan, math.inf])
def test_a_disruption_ending_at_nan_or_infinity_is_refused(tmp_path, baseline_dict, to_day):
    d = small(baseline_dict, disruptions=[{"section": "road:suwalki-budzisko", "from_day": 0, "to_day": to_day}])
    refused(tmp_path, d, "disruptions[0].to_day")


@pytest.mark.parametrize(("attrs", "field"), [
    ({"tracks": 0}, "tracks"), ({"tracks": -1}, "tracks"), ({"maxspeed": 0}, "maxspeed"),
    ({"trains_per_day": -3}, "trains_per_day"), ({"trains_per_day": "many"}, "trains_per_day"),
    ({"closes": "soon"}, "closes"), ({"tracks": 1.5}, "tracks"), ({"colour": "red"}, "colour"),
])
def test_section_overrides_are_typed_by_the_network_schema(tmp_path, baseline_dict, attrs, field):
    d = small(baseline_dict, infrastructure={"sections": {"rail:augustow-suwalki:1435": attrs}})
    refused(tmp_path, d, f"infrastructure.sections.rail:augustow-suwalki:1435.{field}")


@pytest.mark.parametrize("high", [1.5, math.nan])
def test_a_breakdown_probability_outside_0_1_is_refused(tmp_path, baseline_dict, high):
    d = small(baseline_dict, uncertainties=[{"factor": "breakdown_probability", "distribution": "uniform",
                                             "low": 0.0, "high": high}])
    refused(tmp_path, d, "uncertainties[0]")


# -- hangs: bounded, with the limit named --------------------------------------------------
def test_a_force_line_of_10000_units_names_the_limit(tmp_path, baseline_dict):
    line = refused(tmp_path, small(baseline_dict, forces=[force(count=10_000)]), "forces[0].count")
    assert str(MAX_UNITS_PER_LINE) in line


def test_a_unit_type_of_10_million_vehicles_names_the_limit(tmp_path, baseline_dict):
    d = small(baseline_dict, forces=[force(type="swarm")],
              unit_types={"swarm": {"name": "swarm", "personnel": 10, "tracked": 0, "wheeled": 10_000_000}})
    assert f"{MAX_VEHICLES:,}".replace(",", "") in refused(tmp_path, d, "unit_types.swarm.wheeled").replace(",", "")


@pytest.mark.parametrize(("value", "words"), [(1e-6, "outside the accepted range"), (math.nan, "finite"),
                                              (math.inf, "finite"), (-1, "not allowed")])
def test_factor_overrides_are_finite_and_in_range(tmp_path, baseline_dict, value, words):
    line = refused(tmp_path, small(baseline_dict, factors={"tracked_per_wagon": value}), "factors.tracked_per_wagon")
    assert words in line


def test_a_fraction_of_a_march_unit_is_refused(tmp_path, baseline_dict):
    assert "whole number" in refused(tmp_path, small(baseline_dict, factors={"march_unit_vehicles": 0.5}),
                                     "factors.march_unit_vehicles")


@pytest.mark.parametrize("field", ["low", "high"])
def test_uncertainty_bounds_must_be_finite(tmp_path, baseline_dict, field):
    u = {"factor": "load_hours_per_wagon", "distribution": "uniform", "low": 0.2, "high": 0.4, field: math.nan}
    refused(tmp_path, small(baseline_dict, uncertainties=[u]), f"uncertainties[0].{field}")


def test_uncertainty_draws_outside_the_factor_range_are_refused(tmp_path, baseline_dict):
    u = {"factor": "tracked_per_wagon", "distribution": "uniform", "low": 1e-6, "high": 1}
    assert "accepted range" in refused(tmp_path, small(baseline_dict, uncertainties=[u]), "uncertainties[0]")


# -- tracebacks that are now one line --------------------------------------------------------
def test_a_negative_seed_in_the_file_is_refused(tmp_path, baseline_dict):
    refused(tmp_path, small(baseline_dict, seed=-1), "seed")


def test_a_negative_seed_on_the_command_line_is_refused(tmp_path, baseline_dict):
    p = write(tmp_path, small(baseline_dict))
    res = run_cli(["run", str(p), "--seed", "-1", "--out", str(tmp_path / "out")])
    assert res.code == 2 and "Traceback" not in res.err and "--seed" in res.err
    assert len(res.err.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_ready_days_beyond_ten_years_are_refused(tmp_path, baseline_dict):
    refused(tmp_path, small(baseline_dict, forces=[force(ready_day=1e6)]), "forces[0].ready_day")


def test_units_never_ready_within_the_horizon_are_named_on_stderr(tmp_path, baseline_dict):
    p = write(tmp_path, small(baseline_dict, forces=[force(id="late", ready_day=100), force(id="ok")]))
    res = run_cli(["validate", str(p)])
    assert res.code == 0
    assert "warning" in res.err and "late" in res.err and "horizon" in res.err and "ok" not in res.err.split(":")[-1]


def test_a_100000_character_id_is_refused_in_a_short_line(tmp_path, baseline_dict):
    line = refused(tmp_path, small(baseline_dict, forces=[force(id="x" * 100_000)]), "forces[0].id")
    assert len(line) < 500


def test_deep_nesting_is_refused(tmp_path):
    text = "name: deep\nforces: " + "[" * 5000 + "]" * 5000 + "\n"
    assert "nested deeper" in refused(tmp_path, text, None)


def test_an_alias_bomb_under_a_section_attribute_is_refused_by_validate(tmp_path, baseline_dict):
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"] + [
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, "
        f"*{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}, *{chr(97 + i)}]" for i in range(8)]
    text = yaml.safe_dump(small(baseline_dict)) + "bombs:\n" + "\n".join("  " + b for b in bomb) + \
        "\ninfrastructure:\n  sections:\n    rail:augustow-suwalki:1435:\n      tracks: *i\n"
    assert "alias" in refused(tmp_path, text, None)


def test_duplicate_keys_are_refused_with_their_line(tmp_path, baseline_dict):
    text = yaml.safe_dump(small(baseline_dict)) + "seed: 3\n"
    text = "seed: 1\n" + text
    assert "duplicate key 'seed'" in refused(tmp_path, text, None)


def test_every_problem_of_a_file_is_listed_one_per_line(tmp_path, baseline_dict):
    d = small(baseline_dict, seed=-1, horizon_days=0, factors={"tracked_per_wagon": math.nan})
    line = refused(tmp_path, d, None, lines=3)
    for field in ("seed", "horizon_days", "factors.tracked_per_wagon"):
        assert field in line


def test_the_list_is_cut_at_twenty_problems(tmp_path, baseline_dict):
    d = small(baseline_dict, forces=[force(id=f"u{i}", origin=f"nowhere{i}") for i in range(40)])
    line = refused(tmp_path, d, None, lines=21)
    assert "and 20 more problems" in line


# -- bounded work --------------------------------------------------------------------------------
def test_a_run_needing_too_many_movers_stops_before_it_starts(tmp_path, baseline_dict):
    import time

    d = small(baseline_dict, forces=[force(id=f"l{i}", type="us_abct", count=200) for i in range(3)])
    p = write(tmp_path, d)
    t0 = time.perf_counter()
    res = run_cli(["run", str(p), "--out", str(tmp_path / "out"), "--no-map"])
    line = assert_refused(res, file=p, field="forces", out_dir=tmp_path / "out")
    assert "above the limit of 20,000" in line and "--max-movers" in line
    assert time.perf_counter() - t0 < 60  # before: the run did not end


def test_the_work_limits_are_flags(tmp_path, baseline_dict):
    p = write(tmp_path, small(baseline_dict))
    line = assert_refused(run_cli(["validate", str(p), "--max-movers", "3"]), file=p, field="forces")
    assert "above the limit of 3" in line
    line = assert_refused(run_cli(["run", str(p), "--no-map", "--out", str(tmp_path / "o"), "--max-events", "10"]),
                          file=p, field="forces", out_dir=tmp_path / "o")
    assert "events" in line and "above the limit of 10" in line


# -- validate knows what can be known before the run ------------------------------------------------
def test_validate_finds_a_unit_without_route_and_names_its_force_line(tmp_path, baseline_dict):
    d = small(baseline_dict, forces=[force(id="ok"), force(id="stuck", type="us_abct", origin="gdansk",
                                                           destination="gaiziunai", mode="road")])
    line = refused(tmp_path, d, "forces[1] (stuck)")
    assert "no road" in line


def test_validate_finds_a_pool_too_small(tmp_path, baseline_dict):
    d = small(baseline_dict, forces=[force(mode="rail")], resources={"wagons_1435": 3})
    assert "pool holds 3" in refused(tmp_path, d, "resources.wagons_1435")


def test_a_sampled_factor_out_of_range_names_the_uncertainty(baseline_dict):
    from mobility.errors import ScenarioError
    from mobility.simulation import simulate

    d = small(baseline_dict, uncertainties=[{"factor": "tracked_per_wagon", "distribution": "lognormal",
                                             "mean": 1e-3, "sigma": 0.1}], horizon_days=5)
    with pytest.raises(ScenarioError, match=r"^<scenario>: uncertainties\[0\] \(tracked_per_wagon\): this run drew"):
        simulate(parse_scenario(d))


# -- ramps: 0 means zero -----------------------------------------------------------------------------
def test_zero_ramps_at_the_origin_means_no_loading_there(baseline_dict):
    from mobility.simulation import simulate

    d = small(baseline_dict, forces=[force(mode="auto", ready_day=0)], horizon_days=20)
    by_rail = simulate(parse_scenario(d)).events
    assert by_rail["mover"].astype(str).str.contains("/rail/").any()
    d["infrastructure"] = {"terminals": [{"node": "bialystok", "method": "ramp", "ramps": 0}]}
    no_ramps = simulate(parse_scenario(d)).events
    assert not no_ramps["mover"].astype(str).str.contains("/rail/").any()


def test_zero_ramps_with_mode_rail_is_refused_by_validate(tmp_path, baseline_dict):
    d = small(baseline_dict, forces=[force(mode="rail")],
              infrastructure={"terminals": [{"node": "bialystok", "method": "ramp", "ramps": 0}]})
    assert "0 ramps" in refused(tmp_path, d, "forces[0] (u)")


def test_zero_ramp_pairs_close_a_gauge_terminal(baseline_dict):
    from mobility.simulation import scenario_network

    d = small(baseline_dict, infrastructure={"terminals": [{"node": "sestokai", "method": "transload", "ramps": 0}]})
    assert "sestokai" in scenario_network(parse_scenario(small(baseline_dict))).gauge_terminals
    assert "sestokai" not in scenario_network(parse_scenario(d)).gauge_terminals


# -- temporary closures wait ---------------------------------------------------------------------
CROSSINGS = ("budzisko", "ogrodniki", "trakiszki")  # the Poland-Lithuania road and rail crossings


def test_closing_every_crossing_for_a_while_makes_movers_wait_for_the_reopening(baseline_dict):
    from mobility.simulation import simulate

    d = small(baseline_dict, forces=[force(id="m", ready_day=0)], horizon_days=40,
              disruptions=[{"node": n, "from_day": 0, "to_day": 5} for n in CROSSINGS])
    res = simulate(parse_scenario(d), check=True)  # before: "no 1435 mm rail route ..." aborted the run
    closed = res.events[res.events["event"] == "closed"]
    assert len(closed) == 1 and closed["time"].iloc[0] > 5 * 24
    crossed = res.events[(res.events["event"] == "enter") & res.events["place"].astype(str).str.contains(
        "suwalki-budzisko|trakiszki-mockava|ogrodniki")]
    assert len(crossed) and crossed["time"].min() >= 5 * 24
    assert res.held == ()


def test_a_cut_that_does_not_reopen_within_the_horizon_is_said(tmp_path, baseline_dict):
    d = small(baseline_dict, forces=[force(id="m", ready_day=0)], horizon_days=20,
              disruptions=[{"node": n, "from_day": 0, "to_day": 500} for n in CROSSINGS],
              resources={**baseline_dict["resources"], "roro_ships": 0})  # no ships: auto may not go by sea
    p = write(tmp_path, d)
    res = run_cli(["run", str(p), "--no-map", "--out", str(tmp_path / "o")])
    assert res.code == 0, res.err
    assert "note: 1 unit(s) (m) still wait at" in res.out and "closed until D+500" in res.out
    assert "no route round it reopens within the horizon" in res.out


# -- candidates files ----------------------------------------------------------------------------------
def test_a_latin1_candidates_file_is_one_line(tmp_path):
    from mobility.analysis.experiments.candidates import load_candidates
    from mobility.errors import ScenarioError

    p = tmp_path / "cands.yaml"
    p.write_bytes("candidates:\n  - id: swinoujscie\n    name: Świnoujście berth\n".encode("cp1250"))
    with pytest.raises(ScenarioError, match=r"cands\.yaml: not a UTF-8 text file") as exc:
        load_candidates(p)
    assert "\n" not in str(exc.value)


def test_duplicate_keys_in_a_candidates_file_are_refused(tmp_path):
    from mobility.analysis.experiments.candidates import load_candidates
    from mobility.errors import ScenarioError

    p = tmp_path / "cands.yaml"
    p.write_text("candidates: []\ncandidates: []\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"duplicate key 'candidates'"):
        load_candidates(p)


@pytest.mark.parametrize("command", ["run", "compare"])
def test_a_negative_seed_is_refused_by_every_command(tmp_path, baseline_dict, command):
    p = write(tmp_path, small(baseline_dict))
    argv = [command, str(p), "--seed", "-5", "--out", str(tmp_path / "o")]
    if command == "compare":
        argv += ["--candidates", "scenarios/candidates.yaml"]
    res = run_cli(argv)
    assert res.code == 2 and "--seed" in res.err and "Traceback" not in res.err
    assert len(res.err.strip().splitlines()) == 1 and not (tmp_path / "o").exists()
