"""Package layout: analysis code never imports the command line (no import circle with cli.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import mobility

ROOT = Path(mobility.__file__).parent


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_no_analysis_or_simulation_module_imports_the_cli() -> None:
    offenders = []
    for folder in ("analysis", "sim", "network"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if {"mobility.cli", "mobility.briefing.cli"} & _imports(path):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == [], f"these modules import mobility.cli: {offenders}"


def test_every_package_is_listed_in_pyproject() -> None:
    import tomllib

    listed = set(tomllib.loads((ROOT.parent / "pyproject.toml").read_text(encoding="utf-8"))
                 ["tool"]["setuptools"]["packages"])
    packages = {".".join(p.parent.relative_to(ROOT.parent).parts) for p in ROOT.rglob("__init__.py")}
    assert packages - listed == set(), "add these packages to [tool.setuptools] packages in pyproject.toml"


def test_the_experiments_package_keeps_its_public_api() -> None:
    from mobility.analysis import experiments as ex

    for name in ex.__all__:
        assert hasattr(ex, name), name
    assert mobility.compare.__doc__ and ex.compare.__module__ == "mobility.analysis.experiments.comparison"
