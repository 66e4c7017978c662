"""examples/briefing.ipynb runs: every code cell, in order, in one namespace (as a kernel would)."""

from __future__ import annotations

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "examples" / "briefing.ipynb"


def test_the_example_notebook_runs(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MOBILITY_MAPS", str(tmp_path / "maps"))
    monkeypatch.setenv("MOBILITY_REPLICATIONS", "2")
    monkeypatch.chdir(tmp_path)
    cells = json.loads(NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    assert len(code) >= 5
    ns: dict = {"__name__": "__main__"}
    for i, cell in enumerate(code):
        assert not cell.get("outputs"), f"cell {i} carries stored outputs; clear them before committing"
        exec(compile("".join(cell["source"]), f"{NOTEBOOK.name} cell {i}", "exec"), ns)  # noqa: S102
    assert (tmp_path / "maps" / "baseline.html").stat().st_size > 100_000
    assert len(ns["result"].tiers) == 3
    assert list(ns["comparison"].ranking["arm"]) == ["palemonas-yard"]
