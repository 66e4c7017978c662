"""Text tables of replications and comparisons for the terminal."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from mobility.analysis.experiments.comparison import Comparison
from mobility.analysis.experiments.designs import BASELINE
from mobility.analysis.experiments.replications import Replications


def _fmt_gain(mean: float, lo: float, hi: float) -> str:
    if math.isnan(lo):
        return f"{mean:+,.0f}"
    return f"{mean:+,.0f} [{lo:+,.0f}, {hi:+,.0f}]"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], *, left: Sequence[int] = (1,)) -> str:
    """Rows of cells as aligned text: columns in ``left`` left-aligned, the others right-aligned."""
    widths = [max(len(str(x[i])) for x in (header, *rows)) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "  " + "  ".join(str(c).ljust(w) if i in left else str(c).rjust(w)
                                for i, (c, w) in enumerate(zip(cells, widths, strict=True))).rstrip()

    return "\n".join(line(r) for r in (header, *rows))


def display_name(arm: str, ids: Sequence[str], max_combination: int) -> str:
    """A short name for an arm: ``all 9`` for all-in, ``all but x`` for a leave-one-out set.

    >>> display_name("a+b+c", ["a", "b", "c", "d"], 2)
    'all but d'
    """
    members = [m for m in arm.split("+") if m in ids] if arm != BASELINE else []
    n = len(ids)
    if len(members) == n and n > max_combination:
        return f"all {n}"
    if len(members) == n - 1 and n - 1 > max_combination:
        return f"all but {next(i for i in ids if i not in members)}"
    return arm


def format_ranking(cmp: Comparison, *, limit: int | None = None) -> str:
    """The ranked table of a comparison as text: the baseline, then the arms best first.

    Columns: rank, arm, cost (M€), ready year, troops gained at each report day
    with the 90 % CI of the paired difference, P(met) per tier, mean days
    saved per tier, troops gained at the last report day per M€.
    """
    days, tiers = cmp.days, [int(c[7:]) for c in cmp.arms.columns if c.startswith("p_met_d") and c[7:].isdigit()]
    tier_s = "/".join(f"D+{t}" for t in tiers)
    calm = cmp.arms_threat_free is not None
    header = ["#", "arm", "M€", "ready", *[f"D+{d} troops (gain [90% CI])" for d in days],
              f"P(met) {tier_s}" + (" under threat" if calm else ""),
              *([f"P(met) {tier_s} no threat"] if calm else []), f"days saved {tier_s}", f"troops/M€ D+{days[-1]}"]

    def p_met(r: dict, suffix: str = "") -> str:
        return "/".join(f"{r[f'p_met_d{t}{suffix}']:.2f}" for t in tiers)

    b = cmp.arms[cmp.arms["arm"] == BASELINE].iloc[0]
    rows = [["", BASELINE, "0", "", *[f"{b[f'troops_d{d}_mean']:,.0f}" for d in days], p_met(b),
             *([p_met(b, "_threat_free")] if calm else []), "", ""]]
    for r in (cmp.ranking.head(limit) if limit else cmp.ranking).to_dict("records"):
        per = r[f"gain_d{days[-1]}_per_meur"]
        rows.append([
            str(r["rank"]), display_name(r["arm"], cmp.candidates.ids, cmp.max_combination),
            f"{r['cost_eur'] / 1e6:,.1f}",
            "" if pd.isna(r["ready_year"]) else str(int(r["ready_year"])),
            *[_fmt_gain(r[f"gain_d{d}_mean"], r[f"gain_d{d}_ci_low"], r[f"gain_d{d}_ci_high"]) for d in days],
            p_met(r), *([p_met(r, "_threat_free")] if calm else []),
            "/".join(f"{r[f'days_saved_d{t}_mean']:+.1f}" for t in tiers),
            "-" if math.isnan(per) else f"{per:,.1f}",
        ])
    return _table(header, rows)


def format_contributions(cmp: Comparison) -> str:
    """Each candidate's gain alone and its Shapley value, as text."""
    days = cmp.days
    lines = [f"  {'candidate':<28}" + "".join(f"{'alone D+' + str(d):>14}{'Shapley D+' + str(d):>14}" for d in days)]
    for r in cmp.contributions.to_dict("records"):
        lines.append(f"  {r['candidate'][:27]:<28}"
                     + "".join(f"{r[f'alone_d{d}']:>+14,.0f}{r[f'shapley_d{d}']:>+14,.0f}" for d in days))
    return "\n".join(lines)


def format_bands(rep: Replications, *, days: Sequence[int] | None = None) -> str:
    """Closure bands (troops closed by day, 10th/50th/90th percentile) as text."""
    horizon = int(rep.bands["day"].iloc[-1])
    tiers = [int(d) for d in rep.tiers["day"]]
    pick = sorted({d for d in (days or (0, 5, 10, 15, 20, 30, 45, 60, 90, 120, 150, 180)) if d <= horizon}
                  | {d for d in tiers if d <= horizon})
    b = rep.bands.set_index("day")
    lines = [f"  {'day':<7}{'p10':>10}{'p50':>10}{'p90':>10}{'mean':>10}"]
    lines += [f"  D+{d:<5}{b.at[d, 'p10']:>10,.0f}{b.at[d, 'p50']:>10,.0f}{b.at[d, 'p90']:>10,.0f}"
              f"{b.at[d, 'mean']:>10,.0f}" for d in pick]
    return "\n".join(lines)


def format_tier_probabilities(rep: Replications) -> str:
    """P(met by the tier day) and the met-day percentiles per tier, as text."""
    def day(v: float) -> str:
        return "never" if isinstance(v, float) and math.isnan(v) else f"D+{int(v)}"

    lines = [f"  {'tier':<8}{'required':>10}{'P(met)':>8}{'met p10':>9}{'p50':>8}{'p90':>8}"]
    for r in rep.tiers.to_dict("records"):
        lines.append(f"  D+{int(r['day']):<6}{int(r['required']):>10,}{r['p_met']:>8.2f}{day(r['met_day_p10']):>9}"
                     f"{day(r['met_day_p50']):>8}{day(r['met_day_p90']):>8}")
    return "\n".join(lines)
