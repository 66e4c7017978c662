"""Run folders read back defensively: `map` and `export` on damaged folders give one line naming the file."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from cli_contract import assert_refused, run_cli


@pytest.fixture(scope="module")
def good_run(tmp_path_factory, baseline_dict) -> Path:
    base = tmp_path_factory.mktemp("good")
    d = {**baseline_dict, "name": "good", "horizon_days": 10, "forces": [
        {"id": "u", "type": "mech_bde", "origin": "bialystok", "destination": "rukla", "ready_day": 1}]}
    sc = base / "good.yaml"
    sc.write_text(yaml.safe_dump(d), encoding="utf-8")
    out = base / "run"
    assert run_cli(["run", str(sc), "--no-map", "--out", str(out)]).code == 0
    return out


def _empty(p: Path) -> None:
    p.write_text("", encoding="utf-8")


def _drop_column(col: str):
    def f(p: Path) -> None:
        pd.read_csv(p).drop(columns=[col]).to_csv(p, index=False)
    return f


def _text_in(col: str):
    def f(p: Path) -> None:
        t = pd.read_csv(p)
        t[col] = t[col].astype(object)
        t.loc[0, col] = "soon"
        t.to_csv(p, index=False)
    return f


def _json(value: str):
    def f(p: Path) -> None:
        p.write_text(value, encoding="utf-8")
    return f


def _summary_key(key: str, value):
    def f(p: Path) -> None:
        s = json.loads(p.read_text(encoding="utf-8"))
        s[key] = value
        p.write_text(json.dumps(s), encoding="utf-8")
    return f


def _events_columns(p: Path) -> None:
    pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}).to_parquet(p)


def _events_garbage(p: Path) -> None:
    p.write_bytes(b"PAR1 this is not parquet" * 10)


def _events_negative_time(p: Path) -> None:
    e = pd.read_parquet(p)
    e.loc[0, "time"] = -5.0
    e.to_parquet(p)


DAMAGE = [
    ("closure.csv", _empty, "empty file"),
    ("units.csv", _empty, "empty file"),
    ("bottlenecks.csv", _drop_column("resource"), "no column resource"),
    ("units.csv", _drop_column("closed_day"), "no column closed_day"),
    ("closure.csv", _text_in("closed"), "not a number"),
    ("summary.json", _json("[1, 2, 3]"), "not an object"),
    ("summary.json", _json("{not json"), "not valid JSON"),
    ("summary.json", _json('{"scenario": "x", "network": "baltic", "year": NaN, "tiers": []}'), "NaN"),
    ("summary.json", _summary_key("tiers", "many"), "tiers"),
    ("summary.json", _summary_key("tiers", [{"day": "ten", "required": 1, "closed": 1}]), "tiers[0].day"),
    ("summary.json", _summary_key("year", "2026"), "year"),
    ("events.parquet", _events_columns, "no column time"),
    ("events.parquet", lambda p: pd.read_parquet(p).drop(columns=["mode"]).to_parquet(p), "no column mode"),
    ("events.parquet", _events_garbage, "not a readable Parquet file"),
    ("events.parquet", _events_negative_time, "negative"),
]


@pytest.mark.parametrize("command", ["map", "export"])
@pytest.mark.parametrize(("name", "damage", "words"), DAMAGE, ids=[f"{n}-{w}" for n, _, w in DAMAGE])
def test_a_damaged_run_folder_gives_one_line_naming_the_file(good_run, tmp_path, command, name, damage, words):
    run = tmp_path / "run"
    shutil.copytree(good_run, run)
    damage(run / name)
    out = tmp_path / ("m.html" if command == "map" else "csv")
    argv = ["map", str(run), "--out", str(out)] if command == "map" else ["export", str(run), "--csv", str(out)]
    line = assert_refused(run_cli(argv), file=name)
    assert words in line
    assert not out.exists()


def test_an_intact_run_folder_still_maps(good_run, tmp_path):
    res = run_cli(["map", str(good_run), "--out", str(tmp_path / "m.html")])
    assert res.code == 0, res.err
    assert (tmp_path / "m.html").stat().st_size > 10_000


@pytest.mark.parametrize(("key", "value"), [("network", ""), ("network", "atlantis"), ("year", 1)])
def test_a_summary_naming_no_network_is_one_line_naming_it(good_run, tmp_path, key, value):
    """Found by the fuzz suite: an empty network name gave an error that named no file."""
    run = tmp_path / "run"
    shutil.copytree(good_run, run)
    _summary_key(key, value)(run / "summary.json")
    line = assert_refused(run_cli(["map", str(run), "--out", str(tmp_path / "m.html")]), file="summary.json")
    assert key in line
