"""Briefing outputs: charts, report, map, GeoPackage and CSV exports, and their CLI commands."""

from __future__ import annotations

import html
import importlib.util
import io
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import yaml
from matplotlib.figure import Figure
from PIL import Image

from mobility.cli import main
from mobility.errors import MobilityError
from mobility.scenario import load_scenario, parse_scenario
from mobility.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
KEEP = ("pzbrig45", "sbct-a", "abct-b", "enabler-a")  # rail+road, road, a port start, two road units
HAS_MAPS = importlib.util.find_spec("mobility.briefing.maps") is not None
needs_maps = pytest.mark.skipif(not HAS_MAPS, reason="mobility.briefing.maps (the map functions) is not in this checkout")


def trimmed_baseline() -> dict:
    """``scenarios/baseline.yaml`` cut to four force lines and 60 days, with an override and HTML in text."""
    data = yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))
    data["forces"] = [f for f in data["forces"] if f["id"] in KEEP and not f.get("in_place")]
    # a heavy brigade by rail and road from Białystok (in the shipped baseline it is in place at Rukla)
    data["forces"].insert(0, {"id": "pzbrig45", "type": "de_pzbrig", "count": 1, "ready_day": 1,
                              "origin": "bialystok", "destination": "rukla", "priority": 1})
    data["name"] = "trimmed"
    data["description"] = "Trimmed <b>baseline</b> & friends"
    data["horizon_days"] = 60
    data["targets"] = {"reading": "cumulative", "theatre_share": 0.1}
    data["factors"] = {"shunting_hours": 1.5}
    return data


@pytest.fixture(scope="module")
def result():
    return simulate(parse_scenario(trimmed_baseline(), source="<trimmed baseline>"), check=True)


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    """A run folder written by ``mobility run`` (with map, charts and report)."""
    base = tmp_path_factory.mktemp("run")
    sc = base / "trimmed.yaml"
    sc.write_text(yaml.safe_dump(trimmed_baseline(), allow_unicode=True), encoding="utf-8")
    out = base / "out"
    assert main(["run", str(sc), "--out", str(out)]) == 0
    return out


# -- charts ----------------------------------------------------------------------------------------
def _colours(png: bytes | Path) -> int:
    im = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png).convert("RGB")
    return len(im.getcolors(maxcolors=1 << 22) or [])


def test_charts_are_figures_and_leave_pyplot_alone(result):
    from mobility.briefing.charts import bottleneck_chart, closure_chart, gantt_chart

    before = sys.modules["matplotlib.pyplot"].get_fignums() if "matplotlib.pyplot" in sys.modules else []
    figs = [closure_chart(result), gantt_chart(result), bottleneck_chart(result, n=5)]
    assert all(isinstance(f, Figure) for f in figs)
    after = sys.modules["matplotlib.pyplot"].get_fignums() if "matplotlib.pyplot" in sys.modules else []
    assert after == before


@pytest.mark.parametrize("name", ["closure.png", "gantt.png", "bottlenecks.png"])
def test_run_writes_non_trivial_pngs(run_dir, name):
    path = run_dir / name
    assert path.stat().st_size > 20_000
    with Image.open(path) as im:
        assert im.format == "PNG" and im.width >= 1000 and im.height >= 400
    assert _colours(path) > 100  # anti-aliased lines and text in several colours, not a blank canvas


def _texts(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(match=lambda a: hasattr(a, "get_text")))


def test_closure_chart_reads_the_tiers(result):
    from mobility.briefing.charts import closure_chart, tier_statuses

    fig = closure_chart(result)
    text = _texts(fig)
    horizon = result.scenario.horizon_days
    shown = [s for s in tier_statuses(result.tiers, horizon) if s.day <= horizon]
    assert shown, "the trimmed scenario has tiers within its horizon"
    for s in shown:
        assert f"D+{s.day}: {s.required:,} required" in text
        assert s.text in text
    assert "cumulative reading × 10% theatre share" in text
    ax = fig.axes[0]
    line = ax.get_lines()[0]
    assert np.array_equal(line.get_ydata(), result.closure["closed"].to_numpy())


def test_closure_chart_shades_replication_bands(result):
    from matplotlib.collections import PolyCollection

    from mobility.briefing.charts import closure_chart

    c = result.closure
    bands = pd.DataFrame({"day": c["day"], "p10": c["closed"] * 0.8, "p50": c["closed"], "p90": c["closed"] * 1.1})
    ax = closure_chart(result, bands=bands).axes[0]
    assert any(isinstance(x, PolyCollection) for x in ax.collections)
    assert "10–90 % of replications" in ax.get_legend_handles_labels()[1]


def test_tier_status_words():
    from mobility.briefing.charts import headline, tier_statuses

    tiers = pd.DataFrame({"day": [10, 30, 180], "required": [100, 200, 500], "closed": [100, 150, 300],
                          "met_day": [8.0, 37.0, np.nan], "shortfall": [0, 50, 200]})
    s = tier_statuses(tiers)
    assert [x.status for x in s] == ["met", "late", "not met"]
    assert s[1].days_late == 7 and s[1].text == "7 days late (met D+37)"
    assert s[2].text == "not met: short 200"
    assert headline(tiers) == "D+10 tier met · D+30 tier 7 days late · D+180 tier not met (short 200)"
    beyond = tier_statuses(tiers, horizon=60)[2]
    assert beyond.status == "beyond run" and beyond.text == "open: the run ends D+60 with 300 closed"
    assert headline(tiers, 60).endswith("D+180 tier after the run's end (D+60)")


def test_gantt_one_bar_per_unit_coloured_by_mode(result):
    from mobility.briefing.charts import MODE_COLOURS, gantt_chart, unit_modes

    modes = unit_modes(result.events)
    assert modes["pzbrig45"] == "mixed" and modes["sbct-a"] == "road"
    ax = gantt_chart(result).axes[0]
    bars = ax.patches
    assert len(bars) == len(result.units)
    ready = sorted(result.units["ready_day"])
    assert [b.get_x() for b in sorted(bars, key=lambda b: b.get_y())] == pytest.approx(ready)
    colours = {tuple(np.round(b.get_facecolor()[:3], 3)) for b in bars}
    from matplotlib.colors import to_rgb

    assert colours <= {tuple(np.round(to_rgb(MODE_COLOURS[m]), 3)) for m in ("rail", "road", "mixed")}


def test_last_mover_waits_explains_the_closing_mover(result):
    from mobility.briefing.charts import last_mover_waits

    why = last_mover_waits(result.events).set_index("unit")
    assert set(why.index) == set(result.units["unit"])
    ev = result.events
    for unit, r in why.iterrows():
        arrivals = ev[(ev["event"] == "arrive") & (ev["unit"] == unit)]
        assert r["mover"] == str(arrivals.sort_values("time", kind="stable")["mover"].iloc[-1])
        assert 0 <= r["wait_h"] <= r["all_waits_h"] + 1e-9


def test_units_table_waits_are_those_of_all_requests(result):
    """``result.units`` pairs requests on the last movers' rows only: its waits equal those paired over the
    whole log (each unit's last mover, its total wait and its longest wait)."""
    from mobility.analysis.closure import resource_waits

    units = result.units.set_index("unit")
    w = resource_waits(result.events)  # every mover's requests
    per = w.groupby(["mover", "resource"])["wait_h"].sum()
    assert (units["wait_days"] > 0).any()
    for _unit, r in units.iterrows():
        mine = per.loc[r["last_mover"]] if r["last_mover"] in per.index.get_level_values(0) else per.iloc[:0]
        assert r["wait_days"] * 24 == pytest.approx(float(mine.sum()), abs=1e-9)
        if r["main_wait"]:
            assert r["main_wait_days"] * 24 == pytest.approx(float(mine.max()), abs=1e-9)
            assert mine[r["main_wait"]] == pytest.approx(float(mine.max()), abs=1e-9)


def test_resource_labels(result):
    from mobility.briefing.charts import resource_label

    net = result.network
    assert resource_label("wagons:1435", "wagons", "pool:1435") == "1435 mm wagon pool"
    assert resource_label("clearance", "clearance", "").startswith("border clearance")
    assert resource_label("ramp:gdansk", "ramp", "gdansk", net) == f"loading ramp {net.label('gdansk')}"
    assert resource_label("road:road:elk-suwalki:fwd", "road", "road:elk-suwalki", net) == \
        f"road {net.label('elk')}–{net.label('suwalki')}"
    assert resource_label("terminal:sestokai:transload", network=net).startswith("transload terminal")


def test_save_png_is_atomic_and_readable(result, tmp_path):
    from mobility.briefing.charts import closure_chart, save_png

    path = save_png(closure_chart(result), tmp_path / "sub" / "c.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["c.png"]  # no temp file left behind


# -- report ----------------------------------------------------------------------------------------
class _Tables(HTMLParser):
    """Cells (text and data-value) of every table, by table id."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str | None]]]] = {}
        self._id: str | None = None
        self._cell: list[str] | None = None
        self._value: str | None = None
        self.links: list[str] = []
        self.citations: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for k in ("src", "href"):
            if k in a:
                if tag == "a" and a.get("target") == "_blank":  # a citation's link: opened on click, never loaded
                    self.citations.append(a[k])
                else:
                    self.links.append(a[k])
        if tag == "table":
            self._id = a.get("id")
            self.tables[self._id] = []
        elif tag == "tr" and self._id:
            self.tables[self._id].append([])
        elif tag in ("td", "th") and self._id:
            self._cell, self._value = [], a.get("data-value")

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._id:
            self.tables[self._id][-1].append(("".join(self._cell).strip(), self._value))
            self._cell = None
        elif tag == "table":
            self._id = None


@pytest.fixture(scope="module")
def report(run_dir) -> str:
    return (run_dir / "report.html").read_text(encoding="utf-8")


def _parsed(page: str) -> _Tables:
    p = _Tables()
    p.feed(page)
    return p


def test_report_is_self_contained(report):
    p = _parsed(report)
    assert not [x for x in p.links if re.match(r"\s*(https?:)?//", x, re.I)]
    assert p.citations and all(x.startswith(("https://", "http://")) for x in p.citations)
    assert not re.search(r"<(script|link|iframe)\b", report, re.I)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", report, re.I)
    images = [x for x in p.links if x.startswith("data:image/png;base64,")]
    assert len(images) == 3
    assert 'href="map.html"' in report


def test_report_tier_table_equals_result_tiers(report, result):
    rows = _parsed(report).tables["tiers"][1:]
    assert len(rows) == len(result.tiers)
    for cells, tier in zip(rows, result.tiers.to_dict("records"), strict=True):
        values = [v for _, v in cells]
        assert float(values[1]) == tier["day"]
        assert float(values[2]) == tier["required"]
        assert float(values[3]) == tier["closed"]
        met = tier["met_day"]
        assert (values[4] is None) if np.isnan(met) else float(values[4]) == met
        assert float(values[5]) == tier["shortfall"]
        assert cells[2][0] == f"{tier['required']:,}"


def test_report_lists_factor_sources_and_overrides(report, result):
    from mobility.factors import Factors

    p = _parsed(report)
    factors = {cells[0][0]: cells for cells in p.tables["factors"][1:]}
    defaults = Factors.defaults().table().set_index("key")
    assert set(factors) == set(defaults.index)
    from mobility.briefing.citations import field_html

    for key, cells in factors.items():
        shown = re.sub(r"<[^>]+>", "", field_html(defaults.loc[key, "source"]))
        assert cells[3][0] == html.unescape(shown)
        assert cells[4][0] == defaults.loc[key, "tag"]
    assert float(factors["shunting_hours"][1][1]) == 1.5
    assert "set by the scenario (default 1)" in factors["shunting_hours"][5][0]
    assert re.search(r'<tr class="override"><td><code>shunting_hours</code>', report)
    assert re.search(r'<tr class="challenge"><td><code>wagon_length_m</code>', report)  # an assumption


def test_report_summary_and_escaping(report, result):
    p = _parsed(report)
    run = {cells[0][0]: cells[1][0] for cells in p.tables["run"]}
    assert run["Scenario"] == "trimmed"
    assert run["Seed"] == str(result.seed)
    assert "10%" in run["Theatre share"] and "cumulative" in run["NFM targets"]
    assert "Trimmed &lt;b&gt;baseline&lt;/b&gt; &amp; friends" in report
    assert "<b>baseline</b>" not in report
    bn = p.tables["bottleneck-table"][1:]
    assert len(bn) == min(10, len(result.bottlenecks))
    assert all(c[1][0].endswith(r) for c, r in zip(bn, result.bottlenecks["resource"], strict=False))
    late = p.tables["late-units"][1:]
    worst = result.units.sort_values("delay_days", ascending=False)["unit"].iloc[0]
    assert late[0][0][0] == worst


def test_report_html_function_matches_written_page(result):
    from mobility.briefing.report import report_html

    page = report_html(result, map_href="other.html")
    assert 'href="other.html"' in page and page.startswith("<!DOCTYPE html>")


# -- map ---------------------------------------------------------------------------------------------
@needs_maps
def test_result_map_is_a_folium_map(result):
    import folium

    m = result.map()
    assert isinstance(m, folium.Map)
    page = m.get_root().render()
    assert "trimmed" in page


@needs_maps
def test_run_writes_offline_map(run_dir):
    from mobility.briefing.maps import external_references

    page = (run_dir / "map.html").read_text(encoding="utf-8")
    assert "<html" in page.lower() and external_references(page) == []


# -- exports ---------------------------------------------------------------------------------------
def _check_gpkg(path: Path, result) -> None:
    from mobility.network.io import nodes_gdf, sections_gdf

    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"rail", "road", "nodes", "flows", "sea"}  # sea: the embedded network's sea legs
    read = {name: gpd.read_file(path, layer=name) for name in layers}
    for gdf in read.values():
        assert gdf.crs.to_epsg() == 4326
    net = result.network
    n_rail, n_road = len(sections_gdf(net, "rail")), len(sections_gdf(net, "road"))
    n_sea = len(sections_gdf(net, "sea"))
    assert len(read["rail"]) == n_rail and len(read["road"]) == n_road and len(read["sea"]) == n_sea > 0
    assert len(read["nodes"]) == len(nodes_gdf(net)) == len(net.node_ids)
    flows = read["flows"]
    assert len(flows) == n_rail + n_road + n_sea
    enter = result.events[result.events["event"] == "enter"]
    assert flows["troops"].sum() == enter["troops"].sum() > 0
    assert flows["vehicles"].sum() == enter["vehicles"].sum()
    by_section = enter.groupby(enter["place"].astype(str))["troops"].sum()
    busiest = by_section.idxmax()
    assert flows.set_index("section").loc[busiest, "troops"] == by_section.max()
    nodes = read["nodes"].set_index("id")
    bn = result.bottlenecks
    ramp = bn[bn["kind"] == "ramp"].sort_values("requests").iloc[-1]
    at = bn[bn["place"] == ramp["place"]]
    assert nodes.loc[ramp["place"], "requests"] == at["requests"].sum()
    assert nodes.loc[ramp["place"], "max_wait_h"] == pytest.approx(at["max_wait_h"].max())
    assert nodes.loc[ramp["place"], "total_wait_h"] == pytest.approx(at["total_wait_h"].sum())


def test_export_gpkg_from_result(result, tmp_path):
    from mobility.briefing.export import export_gpkg

    path = export_gpkg(result, tmp_path / "run.gpkg")
    _check_gpkg(path, result)


def test_export_csv_columns(result, tmp_path):
    from mobility.briefing.export import FLOW_COLUMNS, export_csv

    files = export_csv(result, tmp_path / "csv")
    assert sorted(p.name for p in files) == sorted(["events.csv", "closure.csv", "units.csv",
                                                    "bottlenecks.csv", "flows.csv"])
    read = {p.name: pd.read_csv(p) for p in files}
    assert list(read["events.csv"].columns) == list(result.events.columns)
    assert len(read["events.csv"]) == len(result.events)
    assert list(read["closure.csv"].columns) == ["day", "closed", "closed_units", "combat_ready", "combat_ready_units",
                                                "total"]
    assert list(read["units.csv"].columns) == list(result.units.columns)
    assert list(read["bottlenecks.csv"].columns) == list(result.bottlenecks.columns)
    assert list(read["flows.csv"].columns) == FLOW_COLUMNS
    enter = result.events[result.events["event"] == "enter"]
    assert read["flows.csv"]["troops"].sum() == enter["troops"].sum()
    assert (tmp_path / "csv" / "flows.csv").read_bytes()[:3] == b"\xef\xbb\xbf"  # BOM for spreadsheets
    # the event log's text columns (categorical in memory) are written as their text, missing as empty
    back = pd.read_csv(tmp_path / "csv" / "events.csv", keep_default_na=False, encoding="utf-8-sig")
    for col in ("unit", "mover", "event", "place", "resource"):
        assert back[col].astype(str).tolist() == result.events[col].astype(object).fillna("").astype(str).tolist()


def test_run_folder_keeps_the_scenario_as_run(run_dir):
    sc = load_scenario(run_dir / "scenario.yaml")
    expected = parse_scenario(trimmed_baseline(), source="x")
    assert sc.model_dump() == expected.model_dump()


def test_every_output_says_which_waits_doubling_bought(run_dir, report, tmp_path):
    """`mobility run` reruns the model with each of the longest waits doubled: the bottleneck table, the
    report and the map (rebuilt from the folder too) say of each wait tried whether it is a bottleneck,
    and agree with the summary's list of bottlenecks."""
    import json

    table = pd.read_csv(run_dir / "bottlenecks.csv", keep_default_na=False)
    tried = table[table["buys"] != ""]
    assert len(tried) >= 1 and set(tried["buys"]) <= {"yes", "no"}
    assert all(d for d in tried["doubled"]) and not any(table.loc[table["buys"] == "", "doubled"])
    summary = json.loads((run_dir / "summary.json").read_text(encoding="utf-8"))
    assert {b["resource"] for b in summary["bottlenecks"]} == set(tried.loc[tried["buys"] == "yes", "resource"])
    rows = _parsed(report).tables["bottleneck-table"]
    assert rows[0][-1][0] == "Doubled, the model rerun"
    for row, r in zip(rows[1:], table.head(len(rows) - 1).itertuples(), strict=True):
        verdict = row[-1][0]
        if r.buys == "yes":
            assert verdict.startswith("bottleneck:") and r.doubled in verdict
        elif r.buys == "no":
            assert verdict.startswith("a wait, not a bottleneck") and r.doubled in verdict
        else:
            assert verdict == "not tried"
    if HAS_MAPS:
        out = tmp_path / "rebuilt.html"
        assert main(["map", str(run_dir), "--out", str(out)]) == 0
        page = out.read_text(encoding="utf-8")
        assert "bottlenecks solid" in page
        for r in tried.itertuples():
            word = "a bottleneck: doubled" if r.buys == "yes" else "a wait, not a bottleneck: doubled"
            assert word in page, r.resource


# -- CLI ---------------------------------------------------------------------------------------------
@needs_maps
def test_cli_map_rebuilds_from_run_folder(run_dir, tmp_path, capsys):
    out = tmp_path / "rebuilt.html"
    assert main(["map", str(run_dir), "--out", str(out)]) == 0
    assert out.stat().st_size > 100_000
    assert f"wrote {out}" in capsys.readouterr().out


def test_cli_export_from_run_folder(run_dir, result, tmp_path, capsys):
    gpkg, csv = tmp_path / "x.gpkg", tmp_path / "csv"
    assert main(["export", str(run_dir), "--gpkg", str(gpkg), "--csv", str(csv)]) == 0
    _check_gpkg(gpkg, result)  # same scenario and seed: the same run as the fixture's
    assert {p.name for p in csv.iterdir()} == {"events.csv", "closure.csv", "units.csv", "bottlenecks.csv",
                                               "flows.csv"}
    out = capsys.readouterr().out
    assert "layers rail, road, nodes, flows" in out


@pytest.mark.parametrize("command", [["map"], ["export"], ["export", "--csv", "somewhere"]])
def test_cli_missing_run_folder_is_one_line_exit_2(tmp_path, capsys, command):
    missing = tmp_path / "no-such-run"
    code = main([command[0], str(missing), *command[1:]])
    err = capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1 and str(missing) in err and "mobility run SCENARIO --out" in err


def test_cli_folder_without_events_is_one_line_exit_2(tmp_path, capsys):
    (tmp_path / "summary.json").write_text("{}", encoding="utf-8")
    assert main(["export", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no events.parquet" in err


def test_run_folder_with_unknown_sections_is_refused(run_dir, tmp_path):
    from mobility.briefing import load_run

    copy = tmp_path / "run"
    copy.mkdir()
    for p in run_dir.iterdir():
        if p.is_file():
            copy.joinpath(p.name).write_bytes(p.read_bytes())
    ev = pd.read_parquet(copy / "events.parquet")
    ev["place"] = ev["place"].astype(str)
    ev.loc[ev["event"] == "enter", "place"] = "road:atlantis-avalon"
    ev.to_parquet(copy / "events.parquet", index=False)
    with pytest.raises(MobilityError, match="network data changed since the run"):
        load_run(copy)


def test_escape_helper():
    from mobility.briefing.report import esc

    assert esc('<a href="x">') == html.escape('<a href="x">', quote=True)
    assert esc(None) == ""


def test_units_not_closed_by_the_horizon_are_shown(tmp_path):
    from mobility.briefing.charts import closure_chart, gantt_chart
    from mobility.briefing.report import report_html

    data = trimmed_baseline()
    data["horizon_days"] = 20  # abct-b (ready D+12 and D+15, by rail from Gdańsk) cannot close by then
    r = simulate(parse_scenario(data, source="<short>"))
    open_units = r.units[r.units["closed_day"].isna()]["unit"].tolist()
    assert open_units
    assert "not closed by D+20" in _texts(gantt_chart(r))
    assert "D+180 tier after the run's end (D+20)" in _texts(closure_chart(r))
    late = _parsed(report_html(r)).tables["late-units"][1:]
    assert {row[0][0] for row in late if row[3][0] == "not closed"} == set(open_units)


def test_report_cites_every_source_in_full(result):
    import re

    from mobility.briefing.report import report_html
    from mobility.sources import lookup

    page = report_html(result)
    links = set(re.findall(r'href="#(src-[^"]+)"', page))
    targets = set(re.findall(r'id="(src-[^"]+)"', page))
    assert links and links <= targets, f"source links without an entry: {sorted(links - targets)}"
    factor_sources = " ".join(result.factors.table()["source"])
    key = next(k for k in ("R107", "R108", "C22") if k in factor_sources)
    assert f'<li id="src-{key}"><b>{key}</b> ' in page
    assert lookup(key).citation.split("*")[0].replace('"', "&quot;") in page
    assert "DOMAIN" not in page  # the project's unpublished notes are named in words, not by file name
