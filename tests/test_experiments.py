"""Replications and comparisons (mobility.analysis.experiments): seeds, CRN, Dask, retries, CLI.

The scenarios are small and built here from ``scenarios/baseline.yaml`` so the
whole module runs in well under a minute and a half. Where a test relies on a
property of the model (a resource that binds, a pool that never waits) it
checks that property on the baseline run first, so a change of the model
shows up as a clear failed precondition rather than as a wrong conclusion.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import cloudpickle
import numpy as np
import pandas as pd
import pytest
import yaml

from mobility.analysis import experiments as ex
from mobility.analysis.experiments import (
    Candidate,
    RunOutput,
    RunSpec,
    compare,
    load_candidates,
    parse_candidates,
    replicate,
    replication_seeds,
    run_one,
)
from mobility.errors import ScenarioError
from mobility.network import load_network
from mobility.network.edits import sections
from mobility.scenario import Scenario, load_scenario, parse_scenario
from mobility.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
CANDIDATES = ROOT / "scenarios" / "candidates.yaml"

# the killing runner below is defined in this module: ship it to the workers by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


# --------------------------------------------------------------------------------------------
# small scenarios
# --------------------------------------------------------------------------------------------
def _base() -> dict:
    return yaml.safe_load(BASELINE.read_text(encoding="utf-8"))


def terminal_scenario() -> Scenario:
    """Twenty tank battalions by rail Warszawa -> Pabradė, where only the gauge terminals can bind.

    Stock pools, origin and destination ramps and line capacity are made
    plentiful and clearance instant; tracked vehicles are made (almost)
    unable to road-march, so every train changes gauge. The
    load_hours_per_wagon uncertainty makes replications differ.
    """
    base = _base()
    rail = [s for s, m in sections(load_network("baltic", year=base["year"])).items() if m == "rail"]
    data = {k: base[k] for k in ("network", "year", "d_day", "seed")}
    data |= {
        "name": "terminal-binds",
        "horizon_days": 30,
        "unit_types": {"tank_bn": {"name": "tank battalion (test)", "personnel": 600, "tracked": 50,
                                   "wheeled": 40, "trailers": 10, "containers": 10, "heavy": True}},
        "forces": [{"id": "bn", "type": "tank_bn", "count": 20, "ready_day": 0, "stagger_days": 0.2,
                    "origin": "warszawa_wsch", "destination": "pabrade", "priority": 1, "mode": "rail"}],
        "resources": {"wagons_1435": 5000, "wagons_1520": 5000, "locomotives_1435": 300, "locomotives_1520": 300},
        "policies": {"clearance": "custom", "clearance_hours": 0},
        "factors": {"tracked_march_speed_kmh": 0.5},
        "uncertainties": [{"factor": "load_hours_per_wagon", "distribution": "triangular", "low": 0.8,
                           "mode": 1.0, "high": 1.6, "scale": "multiply"}],
        "infrastructure": {"sections": {s: {"trains_per_day": 200, "tracks": 2} for s in rail},
                           "terminals": [{"node": n, "method": "ramp", "ramps": 20}
                                         for n in ("warszawa_wsch", "pabrade")],
                           # room for every waiting train, so the terminals' ramps bind and not standing room
                           "holding_tracks": {n: 100 for n in ("mockava", "sestokai", "palemonas", "pabrade")}},
        "targets": {"reading": "cumulative", "theatre_share": 1.0,
                    "tiers": [{"day": 4, "troops": 6000}, {"day": 8, "troops": 12000}]},
    }
    return parse_scenario(data, source="<terminal-binds>")


def small_baseline() -> Scenario:
    """The baseline's first two force lines over 25 days, with the shipped candidates' uncertainties."""
    data = _base()
    data |= {"name": "small-baseline", "horizon_days": 25, "forces": data["forces"][:3],
             "targets": {"reading": "cumulative", "theatre_share": 1.0,
                         "tiers": [{"day": 10, "troops": 5000}, {"day": 20, "troops": 12000}]},
             "uncertainties": [{"factor": "section_delay_hours", "distribution": "triangular", "low": 0.0,
                                "mode": 0.25, "high": 1.5},
                               {"factor": "load_hours_per_wagon", "distribution": "triangular", "low": 0.8,
                                "mode": 1.0, "high": 1.6, "scale": "multiply"}]}
    return parse_scenario(data, source="<small-baseline>")


def cand(cid: str, **overlay: object) -> dict:
    return {"id": cid, "name": cid, "cost_eur": 1e7, "ready_year": 2027, "source": "test", **overlay}


def ramps(node: str, method: str, n: int) -> dict:
    return {"infrastructure": {"terminals": [{"node": node, "method": method, "ramps": n}]}}


@pytest.fixture(scope="module")
def terminal_base() -> Scenario:
    return terminal_scenario()


@pytest.fixture(scope="module")
def terminal_bottlenecks(terminal_base: Scenario) -> pd.DataFrame:
    return simulate(terminal_base).bottlenecks


@pytest.fixture(scope="module")
def binding(terminal_bottlenecks: pd.DataFrame) -> tuple[str, str]:
    """(node, method) of the terminal with the largest wait in the baseline; checks that it binds."""
    top = terminal_bottlenecks.iloc[0]
    assert top["kind"] == "terminal", f"precondition: a gauge terminal should bind, not {top['resource']}"
    assert top["total_wait_h"] > 100.0
    _, node, method = top["resource"].split(":")
    return node, method


@pytest.fixture(scope="module")
def terminal_comparison(terminal_base: Scenario, terminal_bottlenecks: pd.DataFrame,
                        binding: tuple[str, str]) -> ex.Comparison:
    """Binding terminal, a second terminal, and idle capacity, every subset, 6 replications, in process."""
    node, method = binding
    terms = terminal_bottlenecks[terminal_bottlenecks["kind"] == "terminal"]
    other = next(r for r in terms["resource"] if r.split(":")[1] != node).split(":")
    idle_node = "tapa"
    idle = terminal_bottlenecks[terminal_bottlenecks["resource"].isin(["wagons:1520", f"ramp:{idle_node}"])]
    assert float(idle["total_wait_h"].sum()) == 0.0, "precondition: the 1520 pool and Tapa never make anyone wait"
    candidates = [
        cand("binding", **ramps(node, method, 3)),
        cand("second", **ramps(other[1], other[2], 3)),
        cand("idle", resources={"wagons_1520": 9000}, **ramps(idle_node, "ramp", 5)),
    ]
    return compare(terminal_base, candidates, replications=6, max_combination=3, workers=1, progress=False,
                   days=(4, 6))


# --------------------------------------------------------------------------------------------
# seeds and candidates files
# --------------------------------------------------------------------------------------------
def test_replication_seeds_come_from_one_seed_sequence() -> None:
    seeds = replication_seeds(7, 5)
    expected = [int(c.generate_state(1)[0]) for c in np.random.SeedSequence(7).spawn(5)]
    assert list(seeds) == expected
    assert len(set(seeds)) == 5
    assert replication_seeds(7, 3) == seeds[:3]  # more replications extend, never reshuffle


def test_shipped_candidates_are_valid_real_and_costed() -> None:
    cset = load_candidates(CANDIDATES)
    assert len(cset.candidates) >= 6
    for c in cset.candidates:
        assert c.cost_eur >= 0 and 2026 <= c.ready_year <= 2035
        assert c.source and (c.cost_source or c.cost_eur == 0)
    factors = {u.factor for u in cset.uncertainties}
    assert {"load_hours_per_wagon", "section_delay_hours", "clearance_emergency_hours",
            "breakdown_probability"} <= factors
    base = ex.with_uncertainties(load_scenario(BASELINE), cset.uncertainties)
    ex.validate_candidates(base, cset)  # every edit names real sections, nodes and fields
    both = ex.apply_candidates(base, [cset.get("sestokai-ramps"), cset.get("pl-railhead-ramps")])
    assert [(t.node, t.ramps) for t in both.infrastructure.terminals] == [
        ("sestokai", 3), ("gdansk", 3), ("warszawa_wsch", 3)]
    assert both.resources == base.resources


def test_merge_overlay_appends_terminals_and_replaces_fields() -> None:
    base = {"resources": {"wagons_1435": 600, "hets": 0},
            "infrastructure": {"terminals": [{"node": "a", "method": "ramp", "ramps": 1}],
                               "sections": {"s": {"tracks": 1, "opens": 2030}}}}
    out = ex.merge_overlay(base, {"resources": {"hets": 10},
                                  "infrastructure": {"terminals": [{"node": "b", "method": "ramp", "ramps": 2}],
                                                     "sections": {"s": {"opens": 2026}}}})
    assert out["resources"] == {"wagons_1435": 600, "hets": 10}
    assert [t["node"] for t in out["infrastructure"]["terminals"]] == ["a", "b"]
    assert out["infrastructure"]["sections"] == {"s": {"tracks": 1, "opens": 2026}}
    assert base["resources"]["hets"] == 0  # pure


@pytest.mark.parametrize(("candidate", "expected"), [
    (cand("typo", resources={"wagons_1250": 5}), "candidates[0] (typo): resources.wagons_1250"),
    (cand("nowhere", **ramps("sestokaj", "transload", 3)),
     "candidates[0] (nowhere): infrastructure.terminals[0].node: unknown node 'sestokaj'"),
    (cand("nosuch", infrastructure={"sections": {"rail:x-y:1435": {"tracks": 2}}}),
     "candidates[0] (nosuch): infrastructure.sections.rail:x-y:1435: unknown section 'rail:x-y:1435'"),
    (cand("badattr", infrastructure={"sections": {"rail:trakiszki-mockava:1435": {"colour": "red"}}}),
     "candidates[0] (badattr): infrastructure.sections.rail:trakiszki-mockava:1435.colour: Extra inputs"),
    ({"id": "nocost", "name": "x", "ready_year": 2027, "source": "t", "resources": {"hets": 1}},
     "candidates[0] (nocost): cost_eur: Field required"),
])
def test_bad_candidate_gives_one_line_naming_file_candidate_and_field(tmp_path: Path, candidate: dict,
                                                                       expected: str) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"candidates": [candidate]}), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        compare(small_baseline(), path, replications=1, max_combination=1, workers=1, progress=False)
    msg = str(err.value)
    assert "\n" not in msg
    assert msg.startswith(str(path)) and expected in msg, msg


def test_bad_uncertainty_is_named() -> None:
    with pytest.raises(ScenarioError, match=r"<c>: uncertainties\[0\] \(load_hours_per_wagon\): triangular"):
        parse_candidates({"candidates": [cand("a", resources={"hets": 1})],
                          "uncertainties": [{"factor": "load_hours_per_wagon", "distribution": "triangular",
                                             "low": 2, "mode": 1, "high": 3}]}, source="<c>")


# --------------------------------------------------------------------------------------------
# comparisons: what the numbers must show
# --------------------------------------------------------------------------------------------
def test_idle_capacity_gains_exactly_nothing(terminal_comparison: ex.Comparison) -> None:
    arms = terminal_comparison.arms.set_index("arm")
    for d in (4, 6):
        assert arms.at["idle", f"gain_d{d}_mean"] == 0.0
        assert arms.at["idle", f"gain_d{d}_ci_low"] <= 0.0 <= arms.at["idle", f"gain_d{d}_ci_high"]
        # with common random numbers, idle capacity changes no run at all
        assert arms.at["binding+idle", f"gain_d{d}_mean"] == arms.at["binding", f"gain_d{d}_mean"]
    runs = terminal_comparison.runs.set_index(["arm", "replication"])
    pd.testing.assert_frame_equal(runs.loc["idle"], runs.loc["baseline"])


def test_capacity_at_the_binding_terminal_gains(terminal_comparison: ex.Comparison) -> None:
    arms = terminal_comparison.arms.set_index("arm")
    assert arms.at["binding", "gain_d4_ci_low"] > 0.0  # 90 % CI of the paired gain excludes 0
    assert arms.at["binding", "days_saved_d8_mean"] > 0.0
    assert arms.at["binding", "p_met_d4"] >= arms.at["baseline", "p_met_d4"]
    assert terminal_comparison.ranking.iloc[0]["arm"] != "idle"


def test_two_reliefs_of_one_bottleneck_are_less_than_additive(terminal_comparison: ex.Comparison) -> None:
    # at D+6, when the relieved terminals have had time to matter (at D+4 the gains are a few 600-troop
    # battalions, within one battalion of additive either way depending on the draws)
    arms = terminal_comparison.arms.set_index("arm")
    a, b, ab = (arms.at[k, "gain_d6_mean"] for k in ("binding", "second", "binding+second"))
    assert a > 0 and b > 0
    assert ab < a + b
    assert arms.at["binding+second", "interaction_d6"] == pytest.approx(ab - a - b)


def test_shapley_values_are_exact_and_efficient_with_every_subset(terminal_comparison: ex.Comparison) -> None:
    c = terminal_comparison.contributions.set_index("candidate")
    assert c["exact"].all()
    everything = terminal_comparison.arms.set_index("arm").at["binding+second+idle", "gain_d4_mean"]
    assert c["shapley_d4"].sum() == pytest.approx(everything)
    assert c.at["idle", "shapley_d4"] == 0.0


def test_design_adds_all_in_and_leave_one_out_beyond_k() -> None:
    arms, notes = ex.design_arms(list("abcd"), max_combination=1, exclusive=[frozenset("cd")])
    names = [ex.arm_name(a) for a in arms]
    assert names[:5] == ["baseline", "a", "b", "c", "d"]
    assert "a+b+c" in names and "a+b+d" in names  # leave-one-out without the clashing pair
    assert "a+b+c+d" not in names and any("c and d" in n for n in notes)
    sv = ex.shapley_values({frozenset(): 0.0, frozenset("a"): 2.0, frozenset("b"): 4.0}, ["a", "b"])
    assert not sv["exact"].any() and list(sv["shapley"]) == [2.0, 4.0]


# --------------------------------------------------------------------------------------------
# Dask: worker count and a killed worker
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def small_candidates() -> list[dict]:
    return [cand("pl-ramps", **ramps("warszawa_wsch", "ramp", 3)),
            cand("wagons", resources={"wagons_1435": 900, "locomotives_1435": 40})]


@pytest.fixture(scope="module")
def clean_small(small_candidates: list[dict]) -> ex.Comparison:
    return compare(small_baseline(), small_candidates, replications=3, max_combination=2, workers=1,
                   progress=False)


def test_results_do_not_depend_on_worker_count(clean_small: ex.Comparison, small_candidates: list[dict]) -> None:
    on_two = compare(small_baseline(), small_candidates, replications=3, max_combination=2, workers=2,
                     progress=False)
    pd.testing.assert_frame_equal(on_two.arms, clean_small.arms, check_exact=True)
    pd.testing.assert_frame_equal(on_two.runs, clean_small.runs, check_exact=True)
    assert clean_small.runs.groupby("replication")["seed"].nunique().eq(1).all()  # CRN: one seed per replication
    assert clean_small.runs["seed"].nunique() == 3


@dataclass(frozen=True)
class DieOnce:
    """Runs :func:`run_one`, but the first run in a worker process kills that process."""

    marker: str
    client_pid: int

    def __call__(self, spec: RunSpec) -> RunOutput:
        if os.getpid() != self.client_pid:
            try:
                fd = os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.write(fd, f"{spec.arm} {spec.replication} {os.getpid()}".encode())
                os.close(fd)
                os._exit(1)
        return run_one(spec)


def test_a_killed_worker_is_retried_and_nothing_is_lost(tmp_path: Path, clean_small: ex.Comparison,
                                                        small_candidates: list[dict]) -> None:
    marker = tmp_path / "killed"
    hit = compare(small_baseline(), small_candidates, replications=3, max_combination=2, workers=2,
                  progress=False, runner=DieOnce(str(marker), os.getpid()))
    assert marker.exists(), "the test runner should have killed a worker"
    arm, rep, _ = marker.read_text().split()
    assert ((hit.runs["arm"] == arm) & (hit.runs["replication"] == int(rep))).sum() == 1
    assert len(hit.runs) == 4 * 3 and not hit.runs.duplicated(["arm", "replication"]).any()
    pd.testing.assert_frame_equal(hit.arms, clean_small.arms, check_exact=True)


def test_a_real_error_in_a_run_is_raised_with_its_arm_and_seed(small_candidates: list[dict]) -> None:
    def broken(spec: RunSpec) -> RunOutput:
        raise ScenarioError("boom")

    with pytest.raises(ScenarioError, match=r"arm baseline, replication 0 \(seed \d+\): boom"):
        compare(small_baseline(), small_candidates, replications=1, max_combination=1, workers=1,
                progress=False, runner=broken)


# --------------------------------------------------------------------------------------------
# replications and the command line
# --------------------------------------------------------------------------------------------
def test_replicate_bands_and_tier_probabilities() -> None:
    rep = replicate(small_baseline(), 4, workers=1, progress=False)
    assert len(rep.runs) == 4 and rep.runs["seed"].tolist() == list(replication_seeds(1, 4))
    b = rep.bands
    assert (b["p10"] <= b["p50"]).all() and (b["p50"] <= b["p90"]).all()
    assert b["p50"].is_monotonic_increasing
    t = rep.tiers.set_index("day")
    met = rep.runs[["met_day_d10", "met_day_d20"]].to_numpy()
    assert t.at[10, "p_met"] == pytest.approx(np.mean(met[:, 0] <= 10))
    assert rep.summary()["replications"] == 4


def test_cli_run_replications_writes_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from mobility.cli import main

    sc = tmp_path / "small.yaml"
    data = small_baseline().model_dump(mode="json") | {"uncertainties": []}
    sc.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(sc), "--replications", "3", "--workers", "1", "--out", str(out), "--no-map",
                 "--uncertainties", str(CANDIDATES)]) == 0
    text = capsys.readouterr().out
    assert "P(met)" in text and "p10" in text
    assert {p.name for p in out.iterdir()} >= {"replications.parquet", "closure_bands.csv", "summary.json"}
    summary = json.loads((out / "summary.json").read_text())
    assert summary["replications"] == 3
    assert {u["factor"] for u in summary["uncertainties"]} == {u.factor for u in load_candidates(CANDIDATES).uncertainties}
    assert {"p_met", "met_day_p10", "met_day_p50", "met_day_p90"} <= set(summary["tiers"][0])
    assert len(pd.read_parquet(out / "replications.parquet")) == 3


def test_replications_brief_with_bands_in_the_chart_and_report(tmp_path: Path) -> None:
    from mobility.cli import main

    sc = tmp_path / "small.yaml"
    sc.write_text(yaml.safe_dump(small_baseline().model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    out = tmp_path / "out"
    assert main(["run", str(sc), "--replications", "3", "--workers", "1", "--out", str(out)]) == 0
    assert {"closure.png", "report.html", "map.html"} <= {p.name for p in out.iterdir()}
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "Uncertainty over replications" in page and "P(met by tier day)" in page
    summary = json.loads((out / "summary.json").read_text())
    p_met = f"{summary['tiers'][0]['p_met']:.0%}"
    assert f"<td>{p_met}</td>" in page


def test_cli_compare_writes_one_row_per_arm_and_maps_bad_files_to_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], small_candidates: list[dict]) -> None:
    from mobility.cli import main

    sc = tmp_path / "small.yaml"
    sc.write_text(yaml.safe_dump(small_baseline().model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    cf = tmp_path / "cands.yaml"
    cf.write_text(yaml.safe_dump({"candidates": small_candidates}), encoding="utf-8")
    out = tmp_path / "cmp"
    argv = ["compare", str(sc), "--candidates", str(cf), "--replications", "2", "--workers", "1", "--out", str(out)]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert "pl-ramps" in text and "wagons" in text
    csv = pd.read_csv(out / "comparison.csv")
    assert csv["arm"].tolist()[0] == "baseline" and len(csv) == 4
    assert len(pd.read_parquet(out / "comparison.parquet")) == 4
    cf.write_text(yaml.safe_dump({"candidates": [cand("x", resources={"wagons_9999": 1})]}), encoding="utf-8")
    assert main([*argv[:-2], "--out", str(tmp_path / "never")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "candidates[0] (x): resources.wagons_9999" in err
    assert not (tmp_path / "never").exists()


def test_candidate_model_is_importable_as_public_api() -> None:
    import mobility

    c = Candidate(id="x", name="x", cost_eur=0, ready_year=2027, source="assumption", policies={"clearance": "emergency"})
    assert c.overlay == {"policies": {"clearance": "emergency"}}
    assert mobility.compare.__doc__
