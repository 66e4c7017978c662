"""Force lists from CSV, and required delivery days reported as lateness in units.csv."""

from __future__ import annotations

import copy

import pytest
import yaml

from mobility.errors import ScenarioError
from mobility.scenario import load_scenario, parse_scenario
from mobility.simulation import simulate

HEADER = "id,type,count,origin,ready_day,destination,required_day,priority,mode,in_place\n"
GOOD = ("# forces in place first\n"
        "pz,de_pzbrig,1,rukla,0,rukla,,1,,true\n"
        "abct,us_abct,1,warszawa_wsch,1,pabrade,6,1,auto,false\n"
        "ibct,us_ibct,1,warszawa_wsch,1,pabrade,40,2,road,\n")


def write(tmp_path, baseline_dict, body: str, **changes) -> str:
    (tmp_path / "forces.csv").write_text(HEADER + body, encoding="utf-8")
    d = copy.deepcopy(baseline_dict)
    d.pop("forces")
    d["force_list"] = "forces.csv"
    d["horizon_days"] = 60
    d.update(changes)
    path = tmp_path / "sc.yaml"
    path.write_text(yaml.safe_dump(d), encoding="utf-8")
    return str(path)


def test_a_csv_force_list_runs_like_the_same_lines_in_yaml(tmp_path, baseline_dict):
    sc = load_scenario(write(tmp_path, baseline_dict, GOOD))
    assert [f.id for f in sc.forces] == ["pz", "abct", "ibct"]
    assert sc.forces[0].in_place and sc.forces[1].required_day == 6 and sc.forces[2].mode == "road"
    d = copy.deepcopy(baseline_dict)
    d["forces"] = [f.model_dump(exclude_defaults=True) for f in sc.forces]
    d["horizon_days"] = 60
    a, b = simulate(sc), simulate(parse_scenario(d))
    assert a.events["time"].equals(b.events["time"])


def test_units_report_lateness_against_their_required_day(tmp_path, baseline_dict):
    res = simulate(load_scenario(write(tmp_path, baseline_dict, GOOD)))
    u = res.units.set_index("unit")
    assert u.loc["abct", "required_day"] == 6.0
    assert u.loc["abct", "late_days"] == pytest.approx(u.loc["abct", "closed_day"] - 6.0)
    assert u.loc["abct", "late_days"] > 0  # a heavy brigade does not close in five days from Warsaw
    assert u.loc["ibct", "late_days"] < 0  # on time, with days to spare
    assert u.loc["pz", "required_day"] != u.loc["pz", "required_day"]  # NaN: none required


@pytest.mark.parametrize("body, expected", [
    ("a,us_abct,two,warszawa_wsch,1,pabrade,,1,,\n", r"forces\.csv:2: count: .*integer"),
    ("a,us_abct,1,warszawa_wsch,1,pabrade,,1,,\nb,us_abct,1,warszawa_wsch,1,pabrade,,12,,\n",
     r"forces\.csv:3: priority: .*less than or equal to 9"),
    ("# note\na,us_abct,1,warszawa_wsch,1,pabrade,,1,,maybe\n", r"forces\.csv:3: in_place: 'maybe' is not true"),
    ("a,us_abct,1,warszawa_wsch,1,pabrade,,1,\n", r"forces\.csv:2: row has 9 cells but the header 10"),
    ("a,us_abct,1,warszawa_wsch,1,pabrade,,1,boat,\n", r"forces\.csv:2: mode: "),
    ("a,us_abct,1,warszawa_wsch,nan,pabrade,,1,,\n", r"forces\.csv:2: ready_day: "),
    ("a,us_abct,1,atlantis,1,pabrade,,1,,\n", r"forces\.csv:2: origin: unknown node .atlantis."),
])
def test_a_bad_row_names_its_file_line_and_field(tmp_path, baseline_dict, body, expected):
    with pytest.raises(ScenarioError, match=expected) as err:
        load_scenario(write(tmp_path, baseline_dict, body))
    assert "\n" not in str(err.value)


def test_a_missing_force_list_or_unknown_column_is_one_line(tmp_path, baseline_dict):
    path = write(tmp_path, baseline_dict, GOOD)
    (tmp_path / "forces.csv").unlink()
    with pytest.raises(ScenarioError, match="no such force list"):
        load_scenario(path)
    (tmp_path / "forces.csv").write_text("id,type,colour,origin,destination\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"forces\.csv:1: colour: unknown column"):
        load_scenario(path)
