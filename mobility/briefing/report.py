"""The run folder's briefing outputs: charts, map and one self-contained HTML report.

:func:`write_run_outputs` is what ``mobility run`` calls; :func:`report_html`
gives the report page alone. The page loads nothing: the charts are PNG data
URIs, the style is inline, and the only link is the relative one to the map.
Every string that comes from data (scenario, network, factor table) is escaped.
"""

from __future__ import annotations

import gc
import html
import math
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mobility import __version__
from mobility.briefing.citations import citations_html, field_html, plain_words

if TYPE_CHECKING:
    import pandas as pd

    from mobility.briefing.charts import UnitNotes
    from mobility.simulation import SimulationResult

TOP_ROWS = 10
TAG_WORDS = {
    "S": "well sourced",
    "M": "single source",
    "E": "estimate from sourced numbers",
    "BK": "background knowledge, not confirmed",
    "assumption": "reasoned assumption, no source",
    "scenario": "set by the scenario",
}
CHALLENGE_TAGS = ("E", "BK", "assumption")
CHARTS = (
    ("closure.png", "Troops closed against the NATO Force Model targets"),
    ("gantt.png", "When each unit moved: ready to closed"),
    ("bottlenecks.png", "Where forces waited"),
)


# -- outputs -------------------------------------------------------------------------------------
def chart_pngs(result: SimulationResult, *, bands: pd.DataFrame | None = None,
               uncertainty: pd.DataFrame | None = None, notes: UnitNotes | None = None) -> dict[str, bytes]:
    """The three charts of a run as PNG bytes, by file name (closure with replication bands if given;
    ``notes``: the units' modes and waits if already read from the log)."""
    from mobility.briefing.charts import bottleneck_chart, closure_chart, gantt_chart, png_bytes

    return {"closure.png": png_bytes(closure_chart(result, bands=bands, uncertainty=uncertainty)),
            "gantt.png": png_bytes(gantt_chart(result, notes=notes)),
            "bottlenecks.png": png_bytes(bottleneck_chart(result, n=TOP_ROWS))}


def write_run_outputs(result: SimulationResult, folder: Path, *, bands: pd.DataFrame | None = None,
                      uncertainty: pd.DataFrame | None = None) -> None:
    """Write the briefing outputs of a run into ``folder``.

    Files: ``closure.png``, ``gantt.png``, ``bottlenecks.png``, ``map.html``,
    ``report.html`` and ``scenario.yaml`` (the scenario exactly as run, so that
    ``mobility map`` and ``mobility export`` rebuild the same network later).
    Each file is written atomically. The steps are :func:`write_charts`,
    :func:`write_map` and :func:`write_report`, with the cycle collector paused
    (:func:`collector_paused`).

    Parameters
    ----------
    result
        A :class:`~mobility.simulation.SimulationResult`.
    folder
        The run folder (``mobility run`` passes its temporary folder).
    bands, uncertainty
        With replications: closure percentiles by day (``day, p10, p50, p90``),
        shaded on the closure chart, and the per-tier table (``day, required,
        p_met, met_day_p10, met_day_p50, met_day_p90``) shown in the report.
    """
    from mobility.briefing.charts import UnitNotes

    folder = Path(folder)
    with collector_paused():
        notes = UnitNotes.of(result.events)  # read once: the Gantt chart and the late-unit table both use it
        pngs = write_charts(result, folder, notes=notes, bands=bands, uncertainty=uncertainty)
        write_map(result, folder)
        write_report(result, folder, pngs, notes=notes, uncertainty=uncertainty)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the block, then back as it was.

    Building the outputs allocates many short-lived objects (figure artists, map
    elements) that reference counting frees; each automatic collection would
    also walk every long-lived object of the run (event log, network graphs)
    for nothing, about a tenth of the outputs' time on the baseline.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def write_charts(result: SimulationResult, folder: Path, *, notes: UnitNotes | None = None,
                 bands: pd.DataFrame | None = None, uncertainty: pd.DataFrame | None = None) -> dict[str, bytes]:
    """Write ``closure.png``, ``gantt.png`` and ``bottlenecks.png`` into ``folder``; return their bytes."""
    from mobility.briefing.charts import write_bytes_atomic

    pngs = chart_pngs(result, bands=bands, uncertainty=uncertainty, notes=notes)
    for name, data in pngs.items():
        write_bytes_atomic(data, Path(folder) / name)
    return pngs


def write_map(result: SimulationResult, folder: Path) -> Path:
    """Write ``map.html`` into ``folder``."""
    from mobility.briefing.compose import result_map
    from mobility.briefing.maps import save_map

    return save_map(result_map(result), Path(folder) / "map.html")


def write_report(result: SimulationResult, folder: Path, pngs: dict[str, bytes], *, notes: UnitNotes | None = None,
                 uncertainty: pd.DataFrame | None = None) -> Path:
    """Write ``scenario.yaml`` and ``report.html`` (with the chart PNGs inlined) into ``folder``."""
    from mobility.briefing.charts import write_bytes_atomic
    from mobility.briefing.runs import scenario_yaml

    folder = Path(folder)
    write_bytes_atomic(scenario_yaml(result.scenario).encode("utf-8"), folder / "scenario.yaml")
    page = _page(result, pngs, map_href="map.html", uncertainty=uncertainty, notes=notes)
    return write_bytes_atomic(page.encode("utf-8"), folder / "report.html")


def report_html(result: SimulationResult, *, map_href: str = "map.html") -> str:
    """One self-contained HTML page briefing a run.

    Parameters
    ----------
    result
        A :class:`~mobility.simulation.SimulationResult`.
    map_href
        Relative link to the run's map (``map.html`` in the same folder).

    Returns
    -------
    str
        Summary, tier table, the three charts, top bottlenecks, the latest
        units with what held them, scenario policies and forces, and the
        planning factors with their sources (overrides and weakly sourced
        values marked).
    """
    from mobility.briefing.charts import UnitNotes

    notes = UnitNotes.of(result.events)
    return _page(result, chart_pngs(result, notes=notes), map_href=map_href, notes=notes)


# -- formatting ----------------------------------------------------------------------------------
def esc(value: Any) -> str:
    """Any value as escaped HTML text."""
    return html.escape("" if value is None else str(value), quote=True)


def _nan(x: Any) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def _int(x: Any) -> str:
    return "–" if _nan(x) else f"{int(round(float(x))):,}"


def _num(x: Any, digits: int = 1) -> str:
    return "–" if _nan(x) else f"{float(x):,.{digits}f}"


def _pct(x: Any) -> str:
    return "–" if _nan(x) else f"{float(x):.0%}"


def _day(x: Any) -> str:
    return "–" if _nan(x) else f"D+{float(x):.0f}" if float(x) == int(float(x)) else f"D+{float(x):.1f}"


def _cell(text: str, *, raw: Any = None, cls: str = "") -> str:
    attrs = f' class="{esc(cls)}"' if cls else ""
    if raw is not None and not _nan(raw):
        attrs += f' data-value="{esc(raw)}"'
    return f"<td{attrs}>{esc(text)}</td>"


def _table(head: Sequence[str], rows: Iterable[str], *, table_id: str, numeric: Sequence[int] = ()) -> str:
    ths = "".join(f'<th{" class=num" if i in numeric else ""}>{esc(h)}</th>' for i, h in enumerate(head))
    body = "\n".join(rows)
    return (f'<table id="{esc(table_id)}"><thead><tr>{ths}</tr></thead>\n<tbody>\n{body}\n</tbody></table>')


def _section(title: str, body: str, *, sid: str, intro: str = "") -> str:
    p = f"<p class=intro>{esc(intro)}</p>" if intro else ""
    return f'<section id="{esc(sid)}"><h2>{esc(title)}</h2>{p}{body}</section>'


# -- page parts ----------------------------------------------------------------------------------
def _summary(result: Any) -> str:
    sc = result.scenario
    req = result.requirement
    closed = int(result.closure["closed"].iloc[-1]) if len(result.closure) else 0
    tiers = ", ".join(f"{x.troops:,} by D+{x.day}" for x in req.tiers)
    if req.kind == "nfm":
        reading = ("cumulative: each tier is the total closed by its day" if req.reading == "cumulative" else
                   "additive: each tier comes on top of the ones before")
        stated = [("NFM targets", f"{tiers}; {reading}"),
                  ("Theatre share", f"{req.share:.0%} of the NFM must pass this corridor ({plain_words(req.share_source)})")]
    else:
        stated = [("Plan", "; ".join(f"D+{x.day}: {x.troops:,} troops, {x.brigades:g} brigades incl. {x.heavy:g} "
                                     f"heavy" for x in req.tiers))]
    rows = [
        ("Scenario", sc.name),
        ("Description", sc.description or "–"),
        ("Network and year", f"{sc.network}, infrastructure of {sc.year}"),
        ("D-day", f"{sc.d_day:%d %B %Y}; run to D+{sc.horizon_days}"),
        ("Requirement source", plain_words(req.source)),
        *stated,
        ("Clock", req.describe()["clock_text"]),
        ("Troops", f"{closed:,} of {sc.total_troops():,} closed by D+{sc.horizon_days}"),
        ("Seed", str(result.seed)),
        ("Model", f"mobility {__version__}"),
    ]
    body = "".join(f"<tr><th scope=row>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table id="run" class="kv">{body}</table>'


def _infeasible(result: Any) -> str:
    notes = [str(n) for n in result.tiers["note"] if "by construction" in str(n)]
    return (" " + " ".join(f"D+{d}: {n}." for d, n in zip(result.tiers["day"], result.tiers["note"], strict=True)
                           if "by construction" in str(n))) if notes else ""


def _tier_rows(result: Any) -> list[str]:
    from mobility.briefing.charts import tier_statuses

    rows = []
    for i, s in enumerate(tier_statuses(result.tiers, result.scenario.horizon_days), start=1):
        cls = {"met": "met", "late": "late", "not met": "short", "beyond run": "open"}[s.status]
        rows.append("<tr>" + "".join([
            _cell(f"Tier {i}"), _cell(f"D+{s.day}", raw=s.day), _cell(_int(s.required), raw=s.required),
            _cell(_int(s.closed), raw=s.closed), _cell(_day(s.met_day), raw=s.met_day),
            _cell(_int(s.shortfall), raw=s.shortfall), _cell(s.text, cls=cls)]) + "</tr>")
    return rows


def _tiers(result: Any, uncertainty: pd.DataFrame | None = None) -> str:
    head = ["Tier", "By", "Required", "Closed by then", "Met on", "Shortfall then", "Status"]
    from mobility.briefing.charts import headline, replication_headline

    if uncertainty is not None and len(uncertainty):  # the console's statistic, then the one run shown
        line = (f"{replication_headline(uncertainty)}. The table below is one replication (seed {result.seed}): "
                + headline(result.tiers, result.scenario.horizon_days))
    else:
        line = headline(result.tiers, result.scenario.horizon_days)
    return (f'<p class="headline">{esc(line)}</p>'
            + _table(head, _tier_rows(result), table_id="tiers"))


def _lines(result: Any) -> str:
    loc = getattr(result, "lines_of_communication", None)
    if loc is None or not len(loc):
        return "<p>No unit closed.</p>"
    total = max(int(loc["troops"].sum()), 1)
    rows = ["<tr>" + "".join([_cell(r["name"]), _cell(_int(r["troops"]), raw=r["troops"]),
                              _cell(_pct(r["troops"] / total), raw=r["troops"] / total),
                              _cell(_int(r["vehicles"]), raw=r["vehicles"]), _cell(_int(r["units"]), raw=r["units"])])
            + "</tr>" for r in loc.to_dict("records")]
    return _table(["Line of communication", "Troops closed", "Share", "Vehicles", "Units"], rows,
                  table_id="lines-table", numeric=(1, 2, 3, 4))


def _charts(pngs: dict[str, bytes]) -> str:
    import base64

    figs = []
    for name, caption in CHARTS:
        if name not in pngs:
            continue
        uri = "data:image/png;base64," + base64.b64encode(pngs[name]).decode("ascii")
        figs.append(f'<figure id="{esc(name.removesuffix(".png"))}"><img src="{uri}" alt="{esc(caption)}">'
                    f"<figcaption>{esc(caption)} (also {esc(name)} in the run folder)</figcaption></figure>")
    return "\n".join(figs)


def _bottlenecks(result: Any) -> str:
    from mobility.briefing.charts import resource_label

    net = result.network
    rows = []
    tried = "buys" in result.bottlenecks.columns
    for i, r in enumerate(result.bottlenecks.head(TOP_ROWS).to_dict("records"), start=1):
        place = r["place"] if isinstance(r["place"], str) else ""
        rows.append("<tr>" + "".join([
            _cell(str(i)),
            f'<td>{esc(resource_label(r["resource"], r["kind"], place, net))}'
            f'<br><code>{esc(r["resource"])}</code></td>',
            _cell(r["kind"]), _cell(_int(r["capacity"]) if r["capacity"] else "no limit", raw=r["capacity"]),
            _cell(_pct(r["utilisation"]), raw=r["utilisation"]), _cell(_int(r["requests"]), raw=r["requests"]),
            _cell(_num(r["mean_wait_h"]), raw=r["mean_wait_h"]), _cell(_num(r["max_wait_h"]), raw=r["max_wait_h"]),
            _cell(_int(r["total_wait_h"]), raw=r["total_wait_h"]),
            *([_cell(_doubling(r), cls=f"buys-{r['buys'] or 'untried'}")] if tried else [])]) + "</tr>")
    head = ["#", "Resource", "Kind", "Capacity", "In use", "Requests", "Mean wait h", "Worst wait h",
            "Total wait h", *(["Doubled, the model rerun"] if tried else [])]
    return _table(head, rows, table_id="bottleneck-table", numeric=(3, 4, 5, 6, 7, 8))


def _doubling(row: dict[str, Any]) -> str:
    """What doubling one waited-on resource bought (the what-if of ``mobility run``)."""
    if row["buys"] == "yes":
        return f"bottleneck: {row['doubled']}"
    if row["buys"] == "no":
        return f"a wait, not a bottleneck: no tier earlier without another later ({row['doubled']})"
    return "not tried"


def _bottleneck_title(result: Any) -> tuple[str, str]:
    """Title and intro of the bottleneck section: by total wait, and what doubling each tried one bought."""
    intro = ("Waits are summed over every train and march unit that asked for the resource; "
             "'in use' is the mean share of its capacity busy over the run.")
    table = result.bottlenecks
    if "buys" not in table.columns:
        return (f"Bottlenecks: top {TOP_ROWS} by total wait",
                intro + " The model was not rerun with any of them doubled (--whatif 0): a resource here "
                        "may buy nothing when doubled.")
    named = [str(r) for r in table.loc[table["buys"] == "yes", "resource"]]
    tried = int((table["buys"] != "").sum())
    verdict = (f"Doubling {', '.join(named)} moves a tier day earlier and none later: "
               f"{'that is the bottleneck' if len(named) == 1 else 'those are the bottlenecks'}." if named else
               f"Doubling none of the {tried} longest waits moves a tier day earlier: "
               "none of them is a bottleneck.")
    return (f"Bottlenecks: top {TOP_ROWS} waits, and what doubling each bought",
            f"The model was rerun (same seed) with each of the {tried} longest waits doubled. {verdict} " + intro)


def _late_units(result: Any, notes: UnitNotes | None = None) -> str:
    from mobility.briefing.charts import UnitNotes, resource_label

    u = result.units.copy()
    u = u.sort_values(["delay_days", "unit"], ascending=[False, True], na_position="first", kind="stable")
    u = u.head(TOP_ROWS)
    notes = notes or UnitNotes.of(result.events)
    why, modes = notes.waits, notes.modes
    net = result.network
    rows = []
    for r in u.to_dict("records"):
        unit = r["unit"]
        res = why["resource"].get(unit, "") if unit in why.index else ""
        res_h = why["wait_h"].get(unit, 0.0) if unit in why.index else 0.0
        last = f"{res_h:,.0f} h at {resource_label(res, network=net)}" if res and res_h > 0 else "no wait"
        main = (f"{resource_label(r['main_wait'], network=net)} ({r['main_wait_days']:,.1f} days, last mover)"
                if isinstance(r["main_wait"], str) and r["main_wait"] else "–")
        closed = "not closed" if _nan(r["closed_day"]) else _day(round(r["closed_day"], 1))
        rows.append("<tr>" + "".join([
            _cell(unit), _cell(modes.get(unit, "")), _cell(_day(r["ready_day"]), raw=r["ready_day"]),
            _cell(closed, raw=r["closed_day"]), _cell(_num(r["nominal_days"]), raw=r["nominal_days"]),
            _cell(_num(r["transit_days"]), raw=r["transit_days"]),
            _cell(_num(r["delay_days"]), raw=r["delay_days"], cls="strong"),
            _cell(last), _cell(main)]) + "</tr>")
    head = ["Unit", "Moved by", "Ready", "Closed", "Unimpeded transit, d", "Transit, d", "Delay, d",
            "Held longest (its last mover)", "Most waiting (all its movers)"]
    return _table(head, rows, table_id="late-units", numeric=(2, 3, 4, 5, 6))


def _policies(result: Any) -> str:
    sc = result.scenario
    p, r = sc.policies, sc.resources
    clearance = (f"{p.clearance}: {p.clearance_hours:g} h lead time" if p.clearance == "custom"
                 else f"{p.clearance} rules ({result.factors['clearance_peacetime_days'] * 24:g} h lead time)"
                 if p.clearance == "peacetime"
                 else f"{p.clearance} rules ({result.factors['clearance_emergency_hours']:g} h lead time)")
    rows = [
        ("Border clearance", clearance),
        ("Convoy priority", "movers served by unit priority at crossings and terminals" if p.convoy_priority
         else "first come, first served"),
        ("Tracked vehicles on road moves", {"rail": "by rail", "het": "on heavy equipment transporters",
                                            "tracks": "on their own tracks"}.get(p.tracked_on, p.tracked_on)),
        ("Road weight limits", "kept" if p.enforce_weight_limits else "ignored"),
        ("Wagons", f"{r.wagons_1435:,} (1435 mm), {r.wagons_1520:,} (1520 mm)"),
        ("Locomotives", f"{r.locomotives_1435:,} (1435 mm), {r.locomotives_1520:,} (1520 mm)"),
        ("Heavy equipment transporters", f"{r.hets:,}"),
        ("Military berths per port", f"{r.port_berths:,}" if r.port_berths is not None
         else "per port, from the network data (ports.csv)"),
        ("RoRo ships", f"{r.roro_ships:,}"),
    ]
    infra = [f"{k}: " + ", ".join(f"{a}={v}" for a, v in d.items()) for k, d in sc.infrastructure.sections.items()]
    infra += [f"{t.method} at {t.node}: {t.ramps} ramps" for t in sc.infrastructure.terminals]
    rows.append(("Infrastructure overrides", "; ".join(infra) or "none"))
    dis = [f"{d.target} closed D+{d.from_day:g} to D+{d.to_day:g}" for d in sc.disruptions]
    rows.append(("Disruptions", "; ".join(dis) or "none"))
    unc = [f"{u.factor}: {u.distribution} ({', '.join(f'{k} {v:g}' for k, v in (('low', u.low), ('mode', u.mode), ('high', u.high), ('mean', u.mean), ('sigma', u.sigma)) if v is not None)}; {u.scale})"
           for u in sc.uncertainties]
    rows.append(("Uncertain factors (drawn per run)", "; ".join(unc) or "none"))
    body = "".join(f"<tr><th scope=row>{esc(k)}</th><td>{esc(v)}</td></tr>" for k, v in rows)
    return f'<table id="policies" class="kv">{body}</table>'


def _forces(result: Any) -> str:
    sc = result.scenario
    cat = sc.catalogue()
    rows = []
    for f in sc.forces:
        t = cat[f.type]
        ready = f"D+{f.ready_day:g}" + (f", then every {f.stagger_days:g} d" if f.count > 1 and f.stagger_days else "")
        rows.append("<tr>" + "".join([
            _cell(f.id), _cell(t.name), _cell(str(f.count), raw=f.count),
            _cell(_int(t.personnel * f.count), raw=t.personnel * f.count), _cell(ready),
            _cell(f"{result.network.label(f.origin)} → {result.network.label(f.destination)}"),
            _cell(f.mode), _cell(str(f.priority))]) + "</tr>")
    head = ["Force line", "Type", "Units", "Troops", "Ready", "From → to", "Mode", "Priority"]
    return _table(head, rows, table_id="forces", numeric=(2, 3))


def _factors(result: Any) -> str:
    from mobility.factors import Factors

    table = result.factors.table()
    base = Factors.defaults().table().set_index("key")
    scenario_keys = set(result.scenario.factors)
    drawn = {u.factor for u in result.scenario.uncertainties}
    rows = []
    for r in table.to_dict("records"):
        key = r["key"]
        default = base.loc[key]
        tag, source = default["tag"], default["source"]
        note = r["note"] or ""
        cls = ""
        if r["overridden"]:
            how = "drawn for this run" if key in drawn and key not in scenario_keys else "set by the scenario"
            note = f"{how} (default {default['value']:g}); {note}".rstrip("; ")
            cls = "override"
        elif tag in CHALLENGE_TAGS:
            cls = "challenge"
        rows.append(f'<tr class="{cls}">' + "".join([
            f"<td><code>{esc(key)}</code></td>", _cell(f"{r['value']:g}", raw=r["value"]), _cell(r["unit"]),
            f"<td>{field_html(source, anchors=True)}</td>",
            f'<td><span class="tag tag-{esc(tag)}" title="{esc(TAG_WORDS.get(tag, tag))}">'
            f"{esc(tag)}</span></td>", _cell(plain_words(note))]) + "</tr>")
    head = ["Factor", "Value", "Unit", "Source", "Tag", "Note"]
    legend = "; ".join(f"{k} = {v}" for k, v in TAG_WORDS.items() if k != "scenario")
    return (f'<p class=intro>Tags: {esc(legend)}. Rows shaded amber are estimates, background knowledge or '
            "assumptions to challenge; rows in blue were changed for this run.</p>"
            + _table(head, rows, table_id="factors", numeric=(1,)) + _unit_types(result))


def _cited_texts(result: Any) -> list[Any]:
    """Every text of this report that may cite a source key: factors, unit types, the requirement."""
    from mobility.factors import Factors

    sc = result.scenario
    cat = sc.catalogue()
    req = getattr(result, "requirement", None)
    return [*Factors.defaults().table()["source"], *(cat[f.type].source for f in sc.forces),
            getattr(req, "source", None), getattr(req, "share_source", None)]


def _sources(result: Any) -> str:
    return citations_html(*_cited_texts(result), anchors=True) or "<p>No source keys cited.</p>"


def _unit_types(result: Any) -> str:
    sc = result.scenario
    cat = sc.catalogue()
    used = sorted({f.type for f in sc.forces})
    rows = []
    for key in used:
        t = cat[key]
        cls = "challenge" if t.tag in CHALLENGE_TAGS else ""
        rows.append(f'<tr class="{cls}">' + "".join([
            _cell(t.name), _cell(_int(t.personnel), raw=t.personnel), _cell(_int(t.tracked), raw=t.tracked),
            _cell(_int(t.wheeled), raw=t.wheeled), _cell(_int(t.trailers), raw=t.trailers),
            _cell(_int(t.containers), raw=t.containers), f"<td>{field_html(t.source, anchors=True)}</td>",
            f'<td><span class="tag tag-{esc(t.tag)}">{esc(t.tag)}</span></td>']) + "</tr>")
    head = ["Unit type", "Troops", "Tracked", "Wheeled", "Trailers", "Containers", "Source", "Tag"]
    return "<h3>Unit types in the force list</h3>" + _table(head, rows, table_id="unit-types",
                                                             numeric=(1, 2, 3, 4, 5))


CSS = """
:root{--ink:#222;--muted:#666;--line:#ddd;--met:#1B7837;--late:#D55E00;--short:#B2182B;--blue:#08306B}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",Arial,sans-serif;color:var(--ink);
 margin:0 auto;max-width:1240px;padding:24px 32px 48px;font-size:16px;line-height:1.45;background:#fff}
h1{font-size:2rem;margin:.2em 0 .1em}h2{font-size:1.4rem;margin:1.6em 0 .5em;border-bottom:2px solid var(--ink);
 padding-bottom:.15em}h3{font-size:1.1rem;margin:1.4em 0 .4em}
p.lead{font-size:1.1rem;color:var(--muted);margin:.2em 0 1em}
p.headline{font-size:1.25rem;font-weight:700;margin:.4em 0 .8em}
p.intro{color:var(--muted);margin:.2em 0 .6em}
nav{margin:.6em 0 1.2em;font-size:.95rem}nav a{margin-right:1.1em}
a{color:var(--blue)}
table{border-collapse:collapse;width:100%;margin:.3em 0 1em;font-size:.92rem}
th,td{padding:.35em .6em;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
thead th{border-bottom:2px solid var(--ink);vertical-align:bottom}
td:first-child{white-space:nowrap}
th.num,td[data-value]{text-align:right;font-variant-numeric:tabular-nums}
table.kv th{width:14em;color:var(--muted);font-weight:600}
td.met{color:var(--met);font-weight:700}td.late{color:var(--late);font-weight:700}
td.short{color:var(--short);font-weight:700}td.open{color:var(--muted);font-weight:700}td.strong{font-weight:700}
tr.challenge{background:#FFF4E0}tr.override{background:#E6F0FA}
code{font-size:.85em;color:var(--muted)}
.tag{display:inline-block;min-width:2.2em;text-align:center;border-radius:3px;padding:0 .3em;font-size:.8rem;
 font-weight:700;background:#eee}
.tag-E,.tag-BK,.tag-assumption{background:#F6C37A}.tag-S{background:#BFE3C0}.tag-M{background:#DDE8C4}
.tag-scenario{background:#B9D3EE}
figure{margin:1em 0 1.6em}figure img{max-width:100%;height:auto;border:1px solid var(--line)}
figcaption{color:var(--muted);font-size:.9rem}
.maplink{display:inline-block;margin:.3em 0;padding:.5em 1em;border:2px solid var(--blue);border-radius:4px;
 font-weight:700;text-decoration:none}
footer{margin-top:2.5em;color:var(--muted);font-size:.85rem}
@media print{body{max-width:none;padding:0;font-size:11pt}nav,.maplink{display:none}
 section,figure,table{page-break-inside:avoid}h2{page-break-after:avoid}}
"""


def _uncertainty(table: pd.DataFrame) -> str:
    rows = "".join(
        f"<tr><td>D+{int(r['day'])}</td><td>{_int(r['required'])}</td><td>{_pct(r['p_met'])}</td>"
        f"<td>{_day(r.get('met_day_p10'))}</td><td>{_day(r.get('met_day_p50'))}</td>"
        f"<td>{_day(r.get('met_day_p90'))}</td></tr>"
        for r in table.to_dict("records"))
    return ("<table><thead><tr><th>tier</th><th>required</th><th>P(met by tier day)</th><th>met, p10</th>"
            f"<th>p50</th><th>p90</th></tr></thead><tbody>{rows}</tbody></table>")


def _page(result: Any, pngs: dict[str, bytes], *, map_href: str, uncertainty: pd.DataFrame | None = None,
          notes: UnitNotes | None = None) -> str:
    sc = result.scenario
    bn_title, bn_intro = _bottleneck_title(result)
    map_link = (f'<p><a class="maplink" href="{esc(map_href)}">Open the interactive map: flows, bottlenecks '
                f"and playback ({esc(map_href)}, same folder)</a></p>")
    nav = ("<nav>" + "".join(f'<a href="#{sid}">{esc(t)}</a>' for sid, t in (
        ("summary", "Summary"), ("tier-table", "Tiers"), ("lines", "Lines of communication"), ("charts", "Charts"), ("bottlenecks", "Bottlenecks"),
        ("late", "Late units"), ("scenario", "Scenario"), ("assumptions", "Assumptions"),
        ("sources", "Sources"))) + "</nav>")
    parts = [
        f"<header><h1>{esc(sc.name)}: forces through the Suwałki corridor</h1>",
        f'<p class="lead">{esc(sc.description)}</p>' if sc.description else "",
        nav, map_link, "</header>",
        _section("Summary", _summary(result), sid="summary"),
        _section("Requirement tiers", _tiers(result, uncertainty), sid="tier-table",
                 intro=(f"Requirement: {result.requirement.label()}. Source: {plain_words(result.requirement.source)}. "
                        "A part day counts as a whole one." + _infeasible(result))),
        _section("Uncertainty over replications", _uncertainty(uncertainty), sid="uncertainty",
                 intro="Probability of meeting each tier by its day and the spread of the day it is met, over "
                       "the replications; the closure chart shades the 10th-90th percentile band. The rest of "
                       "this report shows one replication.") if uncertainty is not None else "",
        _section("Lines of communication", _lines(result), sid="lines",
                 intro="Troops and vehicles closed through each line: rail or road through the Suwałki "
                       "corridor (a section joining Poland and Lithuania), by sea through a port of "
                       "debarkation (the whole unit), or in place. Vehicles by sea are the pieces shipped."),
        _section("Charts", _charts(pngs), sid="charts"),
        _section(bn_title, _bottlenecks(result), sid="bottlenecks", intro=bn_intro),
        _section(f"Late units: top {TOP_ROWS} by delay", _late_units(result, notes), sid="late",
                 intro="Delay = transit minus the transit without any queue or wait. A unit closes when its "
                       "last mover arrives, so that mover's longest wait is what held it; the last column "
                       "sums waits over all its movers (days, last mover)."),
        _section("Scenario: policies, pools and forces", _policies(result) + "<h3>Force list</h3>"
                 + _forces(result), sid="scenario"),
        _section("Assumptions: planning factors and their sources", _factors(result), sid="assumptions"),
        _section("Sources", _sources(result), sid="sources",
                 intro="Every source this report cites, in full (keys as in the tables above)."),
        f"<footer>{map_link}<p>{esc(result.network.attribution)}. Written by mobility {esc(__version__)}; "
        f"seed {esc(result.seed)}. Same scenario and seed give the same run.</p></footer>",
    ]
    body = "\n".join(p for p in parts if p)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{esc(sc.name)}: briefing report</title><style>{CSS}</style></head>\n"
            f"<body>\n{body}\n</body></html>\n")
