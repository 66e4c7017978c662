"""`mobility map RUN_DIR`: where the map lands by default (maps/<run>.html) and what it never overwrites."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mobility.cli import main


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory, baseline_dict) -> Path:
    """A small run folder (two force lines, 20 days) written by ``mobility run --no-map``."""
    data = dict(baseline_dict)
    data["forces"] = [f for f in baseline_dict["forces"] if not f.get("in_place")][:2]
    data["horizon_days"] = 20
    base = tmp_path_factory.mktemp("map-command")
    scenario = base / "small.yaml"
    scenario.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = base / "Small Run"  # a name with a space and capitals: the map file gets a safe name
    assert main(["run", str(scenario), "--out", str(out), "--no-map"]) == 0
    return out


def test_the_map_goes_to_maps_by_default_and_is_replaced_on_a_rebuild(run_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["map", str(run_dir)]) == 0
    target = tmp_path / "maps" / "small-run.html"
    assert target.is_file() and target.stat().st_size > 100_000
    assert "wrote maps/small-run.html" in capsys.readouterr().out
    assert not (run_dir / "map.html").exists()  # the run folder is left as it was
    first = target.stat().st_mtime_ns
    assert main(["map", str(run_dir)]) == 0  # a map mobility wrote may be replaced
    assert target.stat().st_mtime_ns >= first
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == ["small-run.html"]  # no temp file left


def test_out_still_chooses_the_file(run_dir, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["map", str(run_dir), "--out", "elsewhere/brief.html"]) == 0
    assert (tmp_path / "elsewhere" / "brief.html").is_file()
    assert not (tmp_path / "maps").exists()


@pytest.mark.parametrize("default", [True, False], ids=["default", "--out"])
def test_a_file_mobility_did_not_write_is_never_overwritten(run_dir, tmp_path, monkeypatch, capsys, default):
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "maps" / "small-run.html" if default else tmp_path / "notes.html"
    target.parent.mkdir(exist_ok=True)
    target.write_text("<html>my own notes</html>", encoding="utf-8")
    argv = ["map", str(run_dir)] + ([] if default else ["--out", str(target)])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a map mobility wrote" in err and "--out" in err
    assert target.read_text(encoding="utf-8") == "<html>my own notes</html>"


def test_a_folder_or_a_wrong_suffix_is_refused(run_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "maps" / "small-run.html").mkdir(parents=True)
    assert main(["map", str(run_dir)]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert main(["map", str(run_dir), "--out", "brief.png"]) == 2
    assert "use a .html file name" in capsys.readouterr().err
