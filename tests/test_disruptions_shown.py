"""Disruptions reach the outputs through the event log: logged, listed on the console, windows read back."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

from mobility.analysis.disruptions import closed_at, closure_windows
from mobility.cli import main

ROOT = Path(__file__).resolve().parents[1]
SECTION = "rail:suwalki-trakiszki:1435"


def _scenario(tmp_path: Path) -> Path:
    data = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    data["name"] = "disrupted"
    data["forces"] = [f for f in data["forces"] if not f.get("in_place")][:3]
    data["horizon_days"] = 60
    data["disruptions"] = [{"section": SECTION, "from_day": 2, "to_day": 9},
                           {"terminal": "sestokai", "from_day": 1, "to_day": 3.5}]
    path = tmp_path / "disrupted.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_console_names_each_closure_with_its_times(tmp_path, capsys) -> None:
    out = tmp_path / "run"
    assert main(["run", str(_scenario(tmp_path)), "--out", str(out), "--no-map"]) == 0
    text = capsys.readouterr().out
    assert "closed by disruptions and attacks:" in text
    assert f"Suwałki–Trakiszki (line 51) ({SECTION}): closed D+2 00:00 to D+9 00:00, scheduled disruption 1" in text
    assert "(sestokai): closed D+1 00:00 to D+3 12:00, scheduled disruption 2" in text
    events = pd.read_parquet(out / "events.parquet")
    w = closure_windows(events)
    assert list(zip(w["place"], w["from_h"], w["to_h"], strict=True)) == [
        ("sestokai", 24.0, 84.0), (SECTION, 48.0, 216.0)]
    assert closed_at(w, 50.0).tolist() == [True, True] and closed_at(w, 100.0).tolist() == [False, True]
    assert closed_at(w, 216.0).tolist() == [False, False]


def test_a_window_the_log_does_not_close_lasts_to_its_end() -> None:
    ev = pd.DataFrame({"time": [10.0, 30.0, 50.0], "event": ["attack", "enter", "leave"],
                       "place": ["budzisko", "x", "x"], "resource": ["threat:t:a", "", ""]})
    w = closure_windows(ev)
    assert w.loc[0, "to_h"] == 50.0 and bool(w.loc[0, "open_end"]) and w.loc[0, "kind"] == "attack"
