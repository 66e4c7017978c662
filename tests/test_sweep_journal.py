"""A sweep's runs are written to a journal as they finish; an interrupted sweep keeps them and resumes.

The comparison is small (the baseline's first two force lines over 20 days, two candidates, three
replications: 12 runs) and runs in this process, so a run can be made to fail or be interrupted
at a chosen point.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from mobility.analysis.experiments import evaluation
from mobility.analysis.experiments.candidates import scenario_dict
from mobility.analysis.experiments.comparison import Comparison, compare
from mobility.analysis.experiments.evaluation import RunOutput, RunSpec, batches, run_one
from mobility.analysis.experiments.journal import from_line, to_line
from mobility.errors import MobilityError, ScenarioError
from mobility.scenario import Scenario, parse_scenario

CANDIDATES = [
    {"id": "more-wagons", "name": "more 1435 mm wagons", "cost_eur": 1e8, "ready_year": 2027, "source": "test",
     "resources": {"wagons_1435": 1200}},
    {"id": "fast-clearance", "name": "6 h clearance", "cost_eur": 1e6, "ready_year": 2026, "source": "test",
     "policies": {"clearance": "custom", "clearance_hours": 6}},
]
RUNS = 4 * 3  # baseline, two candidates, the pair; three replications


@pytest.fixture(scope="module")
def small(baseline_dict: dict) -> Scenario:
    data = {**baseline_dict, "name": "journal-small", "horizon_days": 20, "forces": baseline_dict["forces"][:2],
            "uncertainties": [{"factor": "load_hours_per_wagon", "distribution": "triangular", "low": 0.8,
                               "mode": 1.0, "high": 1.6, "scale": "multiply"}]}
    return parse_scenario(data, source="<journal-small>")


def _compare(sc: Scenario, **kw: object) -> Comparison:
    return compare(sc, CANDIDATES, replications=3, workers=1, progress=False, seed=7, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def plain(small: Scenario) -> Comparison:
    return _compare(small)


class Interrupt:
    """Runs :func:`run_one`, but a Ctrl-C arrives at the ``after``-th run."""

    def __init__(self, after: int) -> None:
        self.after, self.calls = after, 0

    def __call__(self, spec: RunSpec) -> RunOutput:
        self.calls += 1
        if self.calls > self.after:
            raise KeyboardInterrupt
        return run_one(spec)


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8").split("\n") if line]


def test_a_run_survives_the_trip_through_its_journal_line(small: Scenario) -> None:
    out = run_one(RunSpec("baseline", 0, 11, scenario_dict(small)))
    back = from_line(to_line(out))
    assert back.closed.dtype == out.closed.dtype and (back.closed == out.closed).all()
    assert [str(x) for x in back.met_day] == [str(x) for x in out.met_day]  # NaN: not met, kept as NaN
    assert (back.tier_closed, back.draws, back.troops_total) == (out.tier_closed, out.draws, out.troops_total)


def test_the_tables_built_from_the_journal_equal_those_built_in_memory(small: Scenario, plain: Comparison,
                                                                         tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    got = _compare(small, journal=path)
    pd.testing.assert_frame_equal(got.runs, plain.runs, check_exact=True)
    pd.testing.assert_frame_equal(got.arms, plain.arms, check_exact=True)
    lines = _lines(path)
    assert json.loads(lines[0])["kind"] == "mobility-runs" and len(lines) == 1 + RUNS
    # the runs differ, so equality above is not vacuous
    assert plain.runs.drop(columns=["arm", "replication"]).drop_duplicates().shape[0] > 1


def test_an_interrupted_sweep_keeps_its_runs_and_the_same_call_runs_only_the_rest(small: Scenario, plain: Comparison,
                                                                                  tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    with pytest.raises(KeyboardInterrupt):
        _compare(small, journal=path, runner=Interrupt(after=5))
    assert len(_lines(path)) == 1 + 5  # header and the five runs that finished
    # a process killed while writing leaves half a line: it is dropped, and the run made again
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.rindex("\n", 0, len(text) - 1) + 40], encoding="utf-8")
    again = Interrupt(after=10**6)
    got = _compare(small, journal=path, runner=again)
    assert again.calls == RUNS - 4
    pd.testing.assert_frame_equal(got.runs, plain.runs, check_exact=True)
    pd.testing.assert_frame_equal(got.arms, plain.arms, check_exact=True)
    assert any("4 of 12 runs were taken from" in n for n in got.notes)
    assert len(_lines(path)) == 1 + RUNS


def test_a_journal_of_another_design_is_started_afresh(small: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    with pytest.raises(KeyboardInterrupt):
        _compare(small, journal=path, runner=Interrupt(after=3))
    other = compare(small, CANDIDATES, replications=3, workers=1, progress=False, seed=8, journal=path)
    assert len(_lines(path)) == 1 + RUNS and not any("taken from" in n for n in other.notes)
    assert set(other.runs["seed"]) == {json.loads(line)["seed"] for line in _lines(path)[1:]}


def test_a_file_that_is_not_a_journal_is_refused_and_left_alone(small: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text("my own notes\n", encoding="utf-8")
    with pytest.raises(MobilityError, match="is not a journal of mobility runs"):
        _compare(small, journal=path)
    assert path.read_text(encoding="utf-8") == "my own notes\n"


def test_bad_input_found_by_a_run_leaves_no_journal(small: Scenario, tmp_path: Path) -> None:
    path = tmp_path / "runs.jsonl"
    calls = {"n": 0}

    def bad_third(spec: RunSpec) -> RunOutput:
        calls["n"] += 1
        if calls["n"] == 3:
            raise ScenarioError("forces[0]: no route")
        return run_one(spec)

    with pytest.raises(ScenarioError, match="no route"):
        _compare(small, journal=path, runner=bad_third)
    assert not path.exists()


def test_runs_of_one_replication_on_one_network_go_in_one_task() -> None:
    specs = [RunSpec(a, r, r, {}) for a in ("baseline", "wagons", "ramps") for r in range(2)]
    net = {"baseline": "n0", "wagons": "n0", "ramps": "n1"}
    got = batches(specs, lambda s: (s.replication, net[s.arm]), size=8)
    assert [[(s.arm, s.replication) for s in b] for b in got] == [
        [("baseline", 0), ("wagons", 0)], [("baseline", 1), ("wagons", 1)], [("ramps", 0)], [("ramps", 1)]]
    assert [len(b) for b in batches(specs, lambda s: 0, size=4)] == [4, 2]
    assert [len(b) for b in batches(specs)] == [1] * 6


def test_cli_compare_streams_to_a_partial_file_then_folds_it_into_the_folder(
        small: Scenario, plain: Comparison, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from mobility.cli import main

    sc = tmp_path / "small.yaml"
    sc.write_text(yaml.safe_dump(small.model_dump(mode="json"), allow_unicode=True), encoding="utf-8")
    cf = tmp_path / "cands.yaml"
    cf.write_text(yaml.safe_dump({"candidates": CANDIDATES}), encoding="utf-8")
    out = tmp_path / "cmp"
    partial = tmp_path / "cmp.partial.jsonl"
    argv = ["compare", str(sc), "--candidates", str(cf), "--replications", "3", "--seed", "7", "--workers", "1",
            "--out", str(out)]
    real = evaluation.run_batch
    seen = {"batches": 0}

    def stop_at_third(specs: object, runner: object = run_one) -> list[RunOutput]:
        seen["batches"] += 1
        if seen["batches"] == 3:
            raise KeyboardInterrupt
        return real(specs, runner)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluation, "run_batch", stop_at_third)
    assert main(argv) == 130
    err = capsys.readouterr().err.strip().splitlines()
    kept = len(_lines(partial)) - 1
    assert kept > 0 and not out.exists()  # no output folder that could look complete
    assert err[-2] == f"mobility: compare: {kept} finished run(s) kept in {partial}; the same command resumes from them"
    assert err[-1].startswith("mobility: interrupted")

    monkeypatch.setattr(evaluation, "run_batch", real)
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert f"{kept} of {RUNS} runs were taken from" in text
    assert not partial.exists()
    assert len(_lines(out / "runs.jsonl")) == 1 + RUNS
    runs = pd.read_parquet(out / "runs.parquet")
    pd.testing.assert_frame_equal(runs, plain.runs, check_exact=True, check_dtype=False,
                                  check_categorical=False)


@pytest.mark.parametrize("name", ["baseline", "contested", "corridor-cut", "rand-2016"])
def test_a_sweeps_lean_run_gives_exactly_the_closure_and_tiers_of_a_full_run(name: str, root: Path) -> None:
    """`outcome` frames only the rows the two tables read; they must equal `simulate`'s, bit for bit (the
    scenarios cover threats and closures, the closed clock and the combat-ready clock with brigade classes)."""
    from mobility.scenario import load_scenario
    from mobility.simulation import outcome, simulate

    sc = load_scenario(root / "scenarios" / f"{name}.yaml")
    full, lean = simulate(sc, seed=3), outcome(sc, seed=3)
    pd.testing.assert_frame_equal(lean.closure, full.closure, check_exact=True)
    pd.testing.assert_frame_equal(lean.tiers, full.tiers, check_exact=True)
    assert lean.factors.items() == full.factors.items()
    assert full.closure["closed"].iloc[-1] > 0 and len(full.events) > 10 * len(full.tiers)  # not an empty run
