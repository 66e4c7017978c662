"""Every source key cited anywhere in the project resolves to a full citation in mobility/data/sources.csv."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

from mobility.factors import Factors
from mobility.sources import SOURCES_FILE, cite, cited_keys, lookup, sources

ROOT = Path(__file__).resolve().parents[1]
# where sources are cited: data rows, scenarios, candidates, docs; Python is scanned for strings only
TEXT_GLOBS = ("networks/**/*.csv", "networks/**/*.md", "networks/**/*.json", "scenarios/**/*.yaml",
              "scenarios/**/*.yml", "scenarios/**/*.csv", "validation/**/*.csv", "validation/**/*.md",
              "validation/**/*.yaml", "docs/**/*.md", "examples/**/*.md", "README.md")
PY_GLOBS = ("mobility/**/*.py", "networks/**/*.py")


def _python_strings(path: Path) -> str:
    """The string literals of a Python file (comments such as ``# noqa: D401`` are not citations)."""
    tokens = tokenize.generate_tokens(io.StringIO(path.read_text(encoding="utf-8")).readline)
    return "\n".join(t.string for t in tokens if t.type == tokenize.STRING)


def project_citations() -> dict[str, set[str]]:
    """Key -> files that cite it, over the whole project."""
    found: dict[str, set[str]] = {}
    for pattern in TEXT_GLOBS + PY_GLOBS:
        for path in sorted(ROOT.glob(pattern)):
            if path.name == SOURCES_FILE.name:
                continue
            text = _python_strings(path) if path.suffix == ".py" else path.read_text(encoding="utf-8")
            for key in cited_keys(text):
                found.setdefault(key, set()).add(str(path.relative_to(ROOT)))
    return found


def test_every_cited_key_resolves() -> None:
    found = project_citations()
    assert len(found) > 50, "the scan found almost no citations: the globs no longer match the project"
    missing = {k: sorted(v) for k, v in found.items() if lookup(k) is None}
    assert not missing, ("source keys cited but not in mobility/data/sources.csv (add a row: key, full citation, "
                         f"link): {missing}")


def test_every_factor_source_resolves() -> None:
    table = Factors({}).table()
    for row in table.to_dict("records"):
        for key in cited_keys(row["source"]):
            assert lookup(key) is not None, f"factor {row['key']} cites {key}, which the sources table lacks"


def test_table_rows_are_complete() -> None:
    table = sources()
    assert {"R15", "R107", "C56", "D1", "osm:rail-lv"} <= set(table)
    for s in table.values():
        assert s.citation, f"{s.key}: empty citation"
        assert not s.link or s.link.startswith(("http://", "https://")), f"{s.key}: link is not a URL"
    assert cite("R15").startswith("Shlapak, D.A., Johnson, M.W.")
    assert cite("R15").endswith("https://www.rand.org/pubs/research_reports/RR1253.html")


@pytest.mark.parametrize(("text", "keys"), [
    ("R52, R53 (line 51); R107", ["R52", "R53", "R107"]),
    ("DOMAIN §17 [C23]; osm:rail-lv (OSM ways)", ["C23", "osm:rail-lv"]),
    ("https://pl.wikipedia.org/wiki/%D0%90_R12/", []),
    ("D+0 and D+30 (days after D)", []),
])
def test_keys_are_found_in_text(text: str, keys: list[str]) -> None:
    assert cited_keys(text) == keys
