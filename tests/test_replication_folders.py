"""A replications folder: the report leads with the console's statistic, and `map`/`export` read it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from mobility.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rep_dir(tmp_path_factory):
    base = tmp_path_factory.mktemp("reps")
    data = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    data["name"] = "reps"
    data["forces"] = [f for f in data["forces"] if not f.get("in_place")][:3]
    data["horizon_days"] = 60
    data["uncertainties"] = [{"factor": "load_hours_per_wagon", "distribution": "triangular", "low": 0.8,
                              "mode": 1.0, "high": 2.0, "scale": "multiply"}]
    sc = base / "reps.yaml"
    sc.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = base / "out"
    return sc, out


def test_replications_report_map_and_export(rep_dir, capsys, tmp_path) -> None:
    sc, out = rep_dir
    assert main(["run", str(sc), "--replications", "3", "--workers", "1", "--out", str(out)]) == 0
    console = capsys.readouterr().out
    # the console's P(met) per tier is the report's headline statistic
    p_met = re.findall(r"^  D\+(\d+)\s+[\d,]+\s+([\d.]+)\s", console.split("\ntiers:\n", 1)[1], re.M)
    assert p_met
    report = (out / "report.html").read_text(encoding="utf-8")
    headline = re.search(r'<p class="headline">(.*?)</p>', report).group(1)
    for day, p in p_met:
        assert f"D+{day} tier met in {float(p):.0%} of replications" in headline
    assert "The table below is one replication (seed" in headline
    # map and export rebuild from the replication the report shows
    assert (out / "shown-replication" / "events.parquet").is_file()
    assert main(["map", str(out), "--out", str(tmp_path / "m.html")]) == 0
    assert "replications folder: the replication its report shows" in capsys.readouterr().out
    assert (tmp_path / "m.html").stat().st_size > 10_000
    assert main(["export", str(out), "--csv", str(tmp_path / "csv")]) == 0
    assert (tmp_path / "csv" / "events.csv").is_file()


def test_a_replications_folder_without_a_replication_says_why(rep_dir, capsys, tmp_path) -> None:
    _, out = rep_dir
    bare = tmp_path / "bare"
    shutil.copytree(out, bare)
    shutil.rmtree(bare / "shown-replication")
    assert main(["map", str(bare)]) == 2
    err = capsys.readouterr().err
    assert "replications folder written with --no-map" in err and err.count("\n") == 1
