"""Start-up stays light: what `mobility --help` and `mobility validate` import (not how long they take;
times are measured in benchmarks/bench_startup.py).

Each check runs in a fresh interpreter, since this test process has long imported everything.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

#: Libraries that argument parsing and `--help` never need.
HEAVY = ("pandas", "numpy", "networkx", "shapely", "scipy", "simpy", "folium", "dask", "matplotlib", "pydantic",
         "yaml", "pyarrow", "geopandas", "osmnx", "jinja2", "rich")
#: Libraries `validate` does not need: it reads the scenario, loads the network and plans every unit,
#: but builds no table, map or chart, and solves the embedded network's routes without scipy.
NOT_FOR_VALIDATE = ("pandas", "pyarrow", "scipy", "folium", "dask", "matplotlib", "geopandas", "osmnx", "jinja2", "rich")


def _loaded_after(argv: list[str]) -> tuple[int, set[str]]:
    """Run ``mobility.cli.main(argv)`` in a fresh interpreter; its exit code and the top-level
    modules then loaded."""
    code = (
        "import json, sys\n"
        "from mobility.cli import main\n"
        "try:\n"
        f"    rc = main({argv!r})\n"
        "except SystemExit as e:\n"
        "    rc = e.code\n"
        "print(json.dumps([rc, sorted({m.split('.')[0] for m in sys.modules})]), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    rc, mods = json.loads(proc.stderr.strip().splitlines()[-1])
    return rc, set(mods)


@pytest.mark.parametrize("argv", [["--help"], ["validate", "--help"], ["run", "--help"], ["compare", "--help"],
                                  ["map", "--help"], ["network", "--help"]])
def test_help_imports_nothing_heavy(argv: list[str]) -> None:
    rc, mods = _loaded_after(argv)
    assert rc == 0
    assert not mods & set(HEAVY), f"`mobility {' '.join(argv)}` imported {sorted(mods & set(HEAVY))}"


def test_import_mobility_and_cli_is_light() -> None:
    code = ("import json, sys, mobility, mobility.cli; "
            "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    mods = set(json.loads(proc.stdout))
    assert not mods & set(HEAVY), f"`import mobility, mobility.cli` imported {sorted(mods & set(HEAVY))}"


def test_validate_imports_no_table_library() -> None:
    rc, mods = _loaded_after(["validate", "scenarios/baseline.yaml"])
    assert rc == 0
    assert "networkx" in mods  # it did load the network and plan (a validate that checked less would pass below)
    assert not mods & set(NOT_FOR_VALIDATE), f"`mobility validate` imported {sorted(mods & set(NOT_FOR_VALIDATE))}"


def test_validate_still_refuses_a_unit_without_stock(tmp_path: Path) -> None:
    """The planning checks still run: a wagon pool too small for one train is refused, one line, exit 2."""
    text = (ROOT / "scenarios/baseline.yaml").read_text(encoding="utf-8")
    assert "\n  wagons_1435: 600 " in text
    bad = tmp_path / "few_wagons.yaml"
    bad.write_text(text.replace("\n  wagons_1435: 600 ", "\n  wagons_1435: 1 ", 1), encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "mobility", "validate", str(bad)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "resources.wagons_1435" in lines[0] and str(bad) in lines[0], proc.stderr
