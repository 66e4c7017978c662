"""The outputs live in one subpackage, mobility/briefing/, that reads results and never drives the model."""

from __future__ import annotations

import ast
from pathlib import Path

import mobility

ROOT = Path(mobility.__file__).parent


def _runtime_imports(path: Path) -> set[str]:
    """Modules imported by ``path`` outside ``if TYPE_CHECKING:`` blocks (type hints make no circle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    names: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names |= {node.module} | {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_briefing_never_imports_the_simulation_or_the_cli() -> None:
    offenders = {str(p.relative_to(ROOT)): sorted(n for n in _runtime_imports(p)
                                                   if n.startswith(("mobility.simulation", "mobility.cli")))
                 for p in sorted((ROOT / "briefing").rglob("*.py"))}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_no_output_module_is_left_at_the_package_top() -> None:
    loose = {"maps.py", "charts.py", "report.py", "export.py", "briefing.py", "cli_outputs.py"}
    assert loose & {p.name for p in ROOT.glob("*.py")} == set()


def test_public_output_entry_points_still_work(tmp_path: Path) -> None:
    from mobility.briefing import load_run, network_map, result_map, run_map, save_map  # noqa: F401
    from mobility.briefing.charts import closure_chart  # noqa: F401
    from mobility.briefing.export import export_csv, export_gpkg  # noqa: F401
    from mobility.briefing.report import report_html, write_run_outputs  # noqa: F401
    from mobility.network import load_network

    page = save_map(network_map(load_network(year=2026)), tmp_path / "net.html").read_text(encoding="utf-8")
    assert "leaflet" in page.lower() and "Rail Baltica" in page
