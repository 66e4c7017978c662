"""``comparison.html``: a planner's page for a comparison or an exploration, self-contained and offline.

One HTML file with inline CSS and SVG, no script and no request to anywhere:
it opens from a USB stick on a disconnected laptop. For a comparison it
shows the ranked arms with their 90 % confidence bars, each candidate's
Shapley value, cost against gain with the efficient frontier, and P(met) per
tier with and without the threat; for an exploration the outcome ranges and
the Sobol indices. Every text from a file is escaped.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobility.analysis.experiments.designs import BASELINE

if TYPE_CHECKING:
    from mobility.analysis.experiments.comparison import Comparison
    from mobility.analysis.experiments.exploration import Exploration

__all__ = ["comparison_page", "exploration_page", "write_page"]

_CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:24px auto;max-width:1100px;
color:#1b1f24;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de}
.meta{color:#57606a;margin:0 0 12px}table{border-collapse:collapse;width:100%;margin:6px 0}
th,td{padding:4px 8px;border-bottom:1px solid #eaeef2;text-align:right;vertical-align:middle}
th{background:#f6f8fa;font-weight:600}td.l,th.l{text-align:left}.note{color:#57606a;font-size:13px}
svg text{font:12px system-ui,sans-serif;fill:#1b1f24}.axis{stroke:#8c959f;stroke-width:1}
.bar{fill:#2f6fb0}.neg{fill:#c0392b}.ci{stroke:#1b1f24;stroke-width:1.5}.threat{fill:#c0392b}.calm{fill:#8c959f}
.front{fill:none;stroke:#2f6fb0;stroke-width:2}.dot{fill:#2f6fb0;opacity:.85}.dom{fill:#8c959f;opacity:.7}
"""


def _e(x: Any) -> str:
    return html.escape(str(x), quote=True)


def _num(v: Any, fmt: str = ",.0f") -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(f) else format(f, fmt)


def _bars(rows: Sequence[tuple[str, float, float | None, float | None]], *, unit: str = "",
          width: int = 420) -> str:
    """Horizontal bars (label, value, ci_low, ci_high) around a zero line, as inline SVG."""
    if not rows:
        return ""
    vals = [v for _, m, lo, hi in rows for v in (m, lo, hi) if v is not None and not math.isnan(v)] + [0.0]
    lo_v, hi_v = min(vals), max(vals)
    span = (hi_v - lo_v) or 1.0
    label_w, h = 240, 20

    def x(v: float) -> float:
        return label_w + (v - lo_v) / span * (width - 20)

    out = [f'<svg width="{label_w + width + 120}" height="{h * len(rows) + 24}" role="img">']
    zero = x(0.0)
    out.append(f'<line class="axis" x1="{zero:.1f}" y1="0" x2="{zero:.1f}" y2="{h * len(rows)}"/>')
    for i, (lab, m, lo, hi) in enumerate(rows):
        y = i * h
        a, b = sorted((x(0.0), x(m)))
        cls = "bar" if m >= 0 else "neg"
        out.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{_e(lab[:38])}</text>')
        out.append(f'<rect class="{cls}" x="{a:.1f}" y="{y + 4}" width="{max(b - a, 0.5):.1f}" height="12"/>')
        if lo is not None and hi is not None and not (math.isnan(lo) or math.isnan(hi)):
            out.append(f'<line class="ci" x1="{x(lo):.1f}" y1="{y + 10}" x2="{x(hi):.1f}" y2="{y + 10}"/>')
            for v in (lo, hi):
                out.append(f'<line class="ci" x1="{x(v):.1f}" y1="{y + 5}" x2="{x(v):.1f}" y2="{y + 15}"/>')
        out.append(f'<text x="{label_w + width + 4}" y="{y + 14}">{_e(_num(m))}{_e(unit)}</text>')
    out.append(f'<text x="{label_w}" y="{h * len(rows) + 16}">{_e(_num(lo_v))}</text>')
    out.append(f'<text x="{label_w + width - 20}" y="{h * len(rows) + 16}" text-anchor="end">{_e(_num(hi_v))}</text>')
    out.append("</svg>")
    return "".join(out)


def efficient_frontier(points: Sequence[tuple[str, float, float]]) -> list[tuple[str, float, float]]:
    """The arms no other arm beats on both cost (lower) and gain (higher), cheapest first.

    >>> efficient_frontier([("a", 1, 5), ("b", 2, 4), ("c", 3, 9)])
    [('a', 1, 5), ('c', 3, 9)]
    """
    best, out = -math.inf, []
    for name, cost, gain in sorted(points, key=lambda p: (p[1], -p[2])):
        if gain > best:
            out.append((name, cost, gain))
            best = gain
    return out


def _scatter(points: Sequence[tuple[str, float, float]], *, day: int) -> str:
    """Cost (M€) against troops gained, the efficient frontier drawn through its arms."""
    if not points:
        return ""
    w, h, pad = 640, 340, 50
    xs, ys = [p[1] for p in points] + [0.0], [p[2] for p in points] + [0.0]
    x0, x1, y0, y1 = min(xs), max(xs) or 1.0, min(ys), max(ys)
    sx = (x1 - x0) or 1.0
    sy = (y1 - y0) or 1.0

    def X(v: float) -> float:
        return pad + (v - x0) / sx * (w - 2 * pad)

    def Y(v: float) -> float:
        return h - pad - (v - y0) / sy * (h - 2 * pad)

    front = efficient_frontier(points)
    on = {p[0] for p in front}
    out = [f'<svg width="{w}" height="{h}" role="img">',
           f'<line class="axis" x1="{pad}" y1="{h - pad}" x2="{w - pad}" y2="{h - pad}"/>',
           f'<line class="axis" x1="{pad}" y1="{pad}" x2="{pad}" y2="{h - pad}"/>',
           f'<line class="axis" x1="{pad}" y1="{Y(0):.1f}" x2="{w - pad}" y2="{Y(0):.1f}" stroke-dasharray="3 3"/>']
    out.append('<polyline class="front" points="' + " ".join(f"{X(c):.1f},{Y(g):.1f}" for _, c, g in front) + '"/>')
    for name, c, g in points:
        out.append(f'<circle class="{"dot" if name in on else "dom"}" cx="{X(c):.1f}" cy="{Y(g):.1f}" r="5">'
                   f'<title>{_e(name)}: {_e(_num(c, ",.1f"))} M€, {_e(_num(g, "+,.0f"))} troops</title></circle>')
        if name in on:
            out.append(f'<text x="{X(c) + 7:.1f}" y="{Y(g) - 6:.1f}">{_e(name[:30])}</text>')
    out.append(f'<text x="{w / 2:.0f}" y="{h - 12}" text-anchor="middle">cost (M€)</text>')
    out.append(f'<text x="14" y="{h / 2:.0f}" transform="rotate(-90 14 {h / 2:.0f})" text-anchor="middle">'
               f'troops gained by D+{day}</text>')
    out.append(f'<text x="{pad}" y="{h - pad + 16}">{_e(_num(x0, ",.0f"))}</text>'
               f'<text x="{w - pad}" y="{h - pad + 16}" text-anchor="end">{_e(_num(x1, ",.0f"))}</text>')
    out.append("</svg>")
    return "".join(out)


def _page(title: str, meta: str, body: str) -> str:
    # a strict policy: nothing may load from anywhere; the page has no script
    csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{_e(title)}</h1><p class=\"meta\">{meta}</p>{body}</body></html>")


def _tiers(arms: pd.DataFrame) -> list[int]:
    return [int(c[7:]) for c in arms.columns if c.startswith("p_met_d") and c[7:].isdigit()]


def comparison_page(cmp: Comparison) -> str:
    """The HTML of a comparison's page."""
    from mobility.analysis.experiments.text import display_name

    sc, days = cmp.scenario, cmp.days
    last = days[-1]
    tiers = _tiers(cmp.arms)
    calm = cmp.arms_threat_free is not None
    ids = cmp.candidates.ids
    threat = ("; ".join(f"{t.name} ({len(t.attacks)} attacks)" for t in sc.threats)) or "none"
    meta = (f"Scenario <b>{_e(sc.name)}</b> ({_e(sc.network)} {sc.year}); {len(cmp.candidates.candidates)} "
            f"candidates, {len(cmp.arms)} arms × {len(cmp.seeds)} replications with common random numbers "
            f"(seeds from SeedSequence({cmp.seed})); threat: {_e(threat)}. Gains are paired with the baseline, "
            f"replication by replication, with a 90 % t-interval.")
    body = []
    # ranked arms
    head = ["#", "arm", "M€", "ready", *[f"troops D+{d}" for d in days], f"gain D+{last} [90 % CI]",
            *[f"P(met) D+{t}" for t in tiers], *([f"P(met) D+{t} no threat" for t in tiers] if calm else []),
            f"troops/M€ D+{last}"]
    rows = []
    b = cmp.arms[cmp.arms["arm"] == BASELINE].iloc[0]
    rows.append(["", BASELINE, "0", "", *[_num(b[f"troops_d{d}_mean"]) for d in days], "",
                 *[_num(b[f"p_met_d{t}"], ".2f") for t in tiers],
                 *([_num(b[f"p_met_d{t}_threat_free"], ".2f") for t in tiers] if calm else []), ""])
    for r in cmp.ranking.to_dict("records"):
        ci = (f"{_num(r[f'gain_d{last}_mean'], '+,.0f')} [{_num(r[f'gain_d{last}_ci_low'], '+,.0f')}, "
              f"{_num(r[f'gain_d{last}_ci_high'], '+,.0f')}]")
        rows.append([str(r["rank"]), display_name(r["arm"], ids, cmp.max_combination),
                     _num(r["cost_eur"] / 1e6, ",.1f"), "" if pd.isna(r["ready_year"]) else str(int(r["ready_year"])),
                     *[_num(r[f"troops_d{d}_mean"]) for d in days], ci,
                     *[_num(r[f"p_met_d{t}"], ".2f") for t in tiers],
                     *([_num(r[f"p_met_d{t}_threat_free"], ".2f") for t in tiers] if calm else []),
                     _num(r[f"gain_d{last}_per_meur"], ",.1f")])
    body.append("<h2>Ranked arms</h2>" + _table(head, rows, left=(1,)))
    bars = [(display_name(r["arm"], ids, cmp.max_combination), r[f"gain_d{last}_mean"], r[f"gain_d{last}_ci_low"],
             r[f"gain_d{last}_ci_high"]) for r in cmp.ranking.to_dict("records")]
    body.append(f"<h2>Troops gained by D+{last}, with 90 % confidence bars</h2>" + _bars(bars, unit=" troops"))
    # Shapley
    if len(cmp.contributions):
        sh = [(r["candidate"], r[f"shapley_d{last}"], None, None) for r in cmp.contributions.to_dict("records")]
        exact = bool(cmp.contributions["exact"].all())
        body.append(f"<h2>Each candidate's share: Shapley value of troops gained by D+{last}</h2>" + _bars(sh)
                    + f'<p class="note">{"Exact: every combination was run." if exact else "Restricted to the combination sizes run, not exact."}</p>')
    # cost against gain
    pts = [(display_name(r["arm"], ids, cmp.max_combination), r["cost_eur"] / 1e6, r[f"gain_d{last}_mean"])
           for r in cmp.arms.to_dict("records")]
    body.append(f"<h2>Cost against gain (D+{last}); the line joins the efficient arms</h2>"
                + _scatter(pts, day=last)
                + '<p class="note">An arm is efficient when no other arm gains more for less. Hover a dot for '
                  "its name.</p>")
    # P(met) with and without the threat
    if tiers:
        head = ["arm", *[f"D+{t}" + (" under threat" if calm else "") for t in tiers],
                *([f"D+{t} no threat" for t in tiers] if calm else [])]
        prow = []
        for r in [b.to_dict(), *cmp.ranking.to_dict("records")]:
            name = BASELINE if r["arm"] == BASELINE else display_name(r["arm"], ids, cmp.max_combination)
            prow.append([name, *[_pbar(r[f"p_met_d{t}"], "threat" if calm else "bar") for t in tiers],
                         *([_pbar(r[f"p_met_d{t}_threat_free"], "calm") for t in tiers] if calm else [])])
        body.append("<h2>P(tier met) per arm" + (" with and without the threat" if calm else "") + "</h2>"
                    + _table(head, prow, left=(0,), raw=True))
    for n in cmp.notes:
        body.append(f'<p class="note">Note: {_e(n)}</p>')
    return _page(f"Comparison: {sc.name}", meta, "".join(body))


def _pbar(p: Any, cls: str) -> str:
    try:
        f = float(p)
    except (TypeError, ValueError):
        return ""
    if math.isnan(f):
        return ""
    return (f'<svg width="110" height="14" role="img"><rect x="0" y="2" width="100" height="10" fill="#eaeef2"/>'
            f'<rect class="{cls}" x="0" y="2" width="{100 * f:.1f}" height="10"/></svg> {f:.2f}')


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], *, left: Sequence[int] = (0,),
           raw: bool = False) -> str:
    def cell(tag: str, i: int, v: str) -> str:
        cls = ' class="l"' if i in left else ""
        return f"<{tag}{cls}>{v if raw and tag == 'td' and i not in left else _e(v)}</{tag}>"

    out = ["<table><tr>" + "".join(cell("th", i, h) for i, h in enumerate(head)) + "</tr>"]
    out += ["<tr>" + "".join(cell("td", i, v) for i, v in enumerate(r)) + "</tr>" for r in rows]
    return "".join(out) + "</table>"


def exploration_page(exp: Exploration) -> str:
    """The HTML of an exploration's page."""
    sc = exp.scenario
    meta = (f"Scenario <b>{_e(sc.name)}</b>; {_e(exp.design)} design, {len(exp.runs)} points; every point runs "
            f"seed {exp.run_seed} (common random numbers); threat: "
            f"{_e('; '.join(t.name for t in sc.threats) or 'none')}.")
    body = ["<h2>Parameters</h2>" + _table(
        ["parameter", "low", "high", "whole numbers"],
        [[p.key, _num(p.low, ",.4g"), _num(p.high, ",.4g"), "yes" if p.whole else ""] for p in exp.parameters])]
    rows = []
    for o in exp.outcomes:
        y = exp.runs[o].astype(float)
        rows.append([o, _num(y.min()), _num(y.median()), _num(y.max())])
    body.append("<h2>Outcomes over the points</h2>" + _table(["outcome", "min", "median", "max"], rows))
    if exp.sobol is not None:
        for o in exp.outcomes:
            s = exp.sobol[exp.sobol["outcome"] == o].sort_values("ST", ascending=False)
            bars = [(f"{r['parameter']} (total)", r["ST"], r["ST"] - r["ST_conf"], r["ST"] + r["ST_conf"])
                    for r in s.to_dict("records")]
            body.append(f"<h2>Sobol total indices of {_e(o)} (95 % interval)</h2>" + _bars(bars))
    return _page(f"Exploration: {sc.name}", meta, "".join(body))


def write_page(path: str | Path, *, comparison: Comparison | None = None,
               exploration: Exploration | None = None) -> Path:
    """Write ``comparison.html`` for a comparison or an exploration."""
    p = Path(path)
    text = comparison_page(comparison) if comparison is not None else exploration_page(exploration)  # type: ignore[arg-type]
    p.write_text(text, encoding="utf-8")
    return p
