"""Charts of a run for a briefing: closure against the NFM, unit Gantt, bottlenecks.

Every chart is a :class:`matplotlib.figure.Figure` built without :mod:`matplotlib.pyplot`,
so nothing leaks into global plotting state and the charts render the same in a
script, a test or a Jupyter notebook (a ``Figure`` displays inline there).

>>> from mobility.briefing.charts import closure_chart, save_png    # doctest: +SKIP
>>> save_png(closure_chart(result), "closure.png")          # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MultipleLocator

if TYPE_CHECKING:
    from mobility.simulation import SimulationResult

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
MODE_COLOURS = {"rail": "#0072B2", "road": "#E69F00", "mixed": "#CC79A7", "": "#999999"}
STATUS_COLOURS = {"met": "#1B7837", "late": "#D55E00", "not met": "#B2182B", "beyond run": "#666666"}
INK = "#222222"
MUTED = "#666666"
CLOSED = "#08306B"
READY = "#31A354"  # combat-ready: closed, then through reception and staging

TITLE_PT = 20
SUBTITLE_PT = 14
LABEL_PT = 15
TICK_PT = 13
NOTE_PT = 13


# -- tier status ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class TierStatus:
    """How one NFM tier went: ``status`` is ``met``, ``late``, ``not met`` or ``beyond run``.

    ``beyond run``: the tier's day is after the run's horizon and the troops had
    not closed by then, so the run cannot say whether the tier is met.
    """

    day: int
    required: int
    closed: int
    met_day: float
    shortfall: int
    status: str
    days_late: float
    horizon: int | None = None

    @property
    def text(self) -> str:
        """One phrase a commander reads: ``met D+8``, ``7 days late (D+17)``, ``short 8,500``."""
        if self.status == "met":
            return f"met (D+{self.met_day:.0f})"
        if self.status == "late":
            return f"{self.days_late:.0f} days late (met D+{self.met_day:.0f})"
        if self.status == "beyond run":
            return f"open: the run ends D+{self.horizon} with {self.closed:,} closed"
        return f"not met: short {self.shortfall:,}"


def tier_statuses(tiers: pd.DataFrame, horizon: int | None = None) -> list[TierStatus]:
    """Read a tier table (``day, required, closed, met_day, shortfall``) into statuses.

    Parameters
    ----------
    tiers
        ``SimulationResult.tiers`` (or the ``tiers`` of ``summary.json``).
    horizon
        The run's last day: a tier after it, not yet met, is ``beyond run``.
    """
    out = []
    for r in tiers.to_dict("records"):
        met = float(r["met_day"]) if r["met_day"] is not None else math.nan
        if math.isnan(met) and horizon is not None and r["day"] > horizon:
            status, late = "beyond run", math.nan
        elif math.isnan(met):
            status, late = "not met", math.nan
        elif met <= r["day"]:
            status, late = "met", 0.0
        else:
            status, late = "late", met - r["day"]
        out.append(TierStatus(int(r["day"]), int(r["required"]), int(r["closed"]), met,
                              int(r["shortfall"]), status, late, horizon))
    return out


def headline(tiers: pd.DataFrame, horizon: int | None = None) -> str:
    """One line on the tiers: ``D+10 tier 7 days late · D+30 tier 8 days late · D+180 tier met``."""
    parts = []
    for s in tier_statuses(tiers, horizon):
        if s.status == "met":
            parts.append(f"D+{s.day} tier met")
        elif s.status == "late":
            parts.append(f"D+{s.day} tier {s.days_late:.0f} days late")
        elif s.status == "beyond run":
            parts.append(f"D+{s.day} tier after the run's end (D+{horizon})")
        else:
            parts.append(f"D+{s.day} tier not met (short {s.shortfall:,})")
    return " · ".join(parts)


def replication_headline(uncertainty: pd.DataFrame) -> str:
    """One line on the tiers over replications, the statistic the console prints: P(met by the tier day)
    and the median day met (``D+10 tier met in 40 % of replications (median D+12) · ...``)."""
    parts = []
    for r in uncertainty.to_dict("records"):
        p50 = r.get("met_day_p50")
        med = "never met" if p50 is None or (isinstance(p50, float) and math.isnan(p50)) else f"D+{int(p50)}"
        parts.append(f"D+{int(r['day'])} tier met in {float(r['p_met']):.0%} of replications (median {med})")
    return " · ".join(parts)


# -- labels ----------------------------------------------------------------------------------
def _section_label(section: str, network: Any) -> str:
    parts = section.split(":")
    ends = parts[1].split("-", 1) if len(parts) > 1 else [section]
    names = "–".join(_node_label(n, network) for n in ends)
    gauge = f" {parts[2]} mm" if len(parts) > 2 and parts[0] == "rail" else ""
    return f"{names}{gauge}"


def _node_label(node: str, network: Any) -> str:
    if network is None:
        return node
    return str(network.label(node))


def resource_label(resource: str, kind: str = "", place: str = "", network: Any = None) -> str:
    """A readable name of a resource id of the event log.

    Parameters
    ----------
    resource
        Resource id, e.g. ``ramp:gdansk``, ``road:elk-suwalki:fwd``, ``wagons:1435``.
    kind, place
        The resource's kind and place (from ``SimulationResult.resources``).
    network
        Used for node display names (``Gdańsk`` for ``gdansk``); ids are kept without it.

    Returns
    -------
    str
        E.g. ``loading ramp Gdańsk``, ``road Ełk–Suwałki``, ``1435 mm wagon pool``.
    """
    parts = str(resource).split(":")
    kind = kind or parts[0]
    place = "" if not isinstance(place, str) else place
    if kind == "clearance":
        return "border clearance (permit lead time)"
    if kind in ("wagons", "locomotives"):
        gauge = parts[1] if len(parts) > 1 else ""
        return f"{gauge} mm {'wagon' if kind == 'wagons' else 'locomotive'} pool"
    if kind == "het":
        return "heavy equipment transporters"
    if kind in ("road", "track"):
        section = place or ":".join(parts[1:-1])
        direction = " (northbound)" if parts[-1] == "fwd" else " (southbound)" if parts[-1] == "rev" else ""
        word = "road" if kind == "road" else "track"
        return f"{word} {_section_label(section, network)}{direction if kind == 'track' else ''}"
    node = place or (parts[1] if len(parts) > 1 else resource)
    what = {"ramp": "loading ramp", "border": "border crossing", "berth": "port berths"}.get(kind)
    if kind == "terminal":
        method = parts[2].replace("_", " ") if len(parts) > 2 else "gauge"
        what = f"{method} terminal"
    return f"{what or kind} {_node_label(node, network)}"


def unit_modes(events: pd.DataFrame) -> pd.Series:
    """``rail``, ``road`` or ``mixed`` per unit, from the ``mode`` of its movers' events."""
    ev = events[["unit", "mode"]].drop_duplicates().astype(str).drop_duplicates()  # few pairs, then text
    ev = ev[ev["mode"] != ""]
    per = ev.groupby("unit")["mode"].agg(lambda s: s.iloc[0] if s.nunique() == 1 else "mixed")
    return per.rename("mode")


def last_mover_waits(events: pd.DataFrame) -> pd.DataFrame:
    """Why each unit closed when it did: the longest wait of its last mover to arrive.

    A unit closes when its last train or march unit arrives, so that mover's
    waits are what held the unit back (``SimulationResult.units.main_wait`` sums
    waits over all the unit's movers instead, which favours waits every mover
    has, such as the clearance lead time).

    Returns
    -------
    pandas.DataFrame
        ``unit``, ``mover`` (the last to arrive), ``resource`` where it waited
        longest (empty if it never waited), ``wait_h`` there, ``all_waits_h``.
    """
    from mobility.analysis.closure import resource_waits

    cols = ["unit", "mover", "resource", "wait_h", "all_waits_h"]
    arr = events.loc[events["event"] == "arrive", ["unit", "mover", "time"]]
    if arr.empty:
        return pd.DataFrame(columns=cols)
    arr = arr.astype({"unit": str, "mover": str}).sort_values("time", kind="stable")
    last = arr.groupby("unit").tail(1)[["unit", "mover"]]
    w = resource_waits(events[events["mover"].isin(last["mover"].unique())])  # those movers' rows only
    w = w[w["mover"].astype(str).isin(set(last["mover"]))]
    per = w.groupby(["mover", "resource"])["wait_h"].sum().reset_index()
    top = per.sort_values(["mover", "wait_h", "resource"], ascending=[True, False, True], kind="stable")
    top = top.drop_duplicates("mover")
    out = last.merge(top, on="mover", how="left")
    out = out.merge(per.groupby("mover")["wait_h"].sum().rename("all_waits_h").reset_index(), on="mover",
                    how="left")
    out["resource"] = out["resource"].fillna("")
    out[["wait_h", "all_waits_h"]] = out[["wait_h", "all_waits_h"]].fillna(0.0)
    return out[cols].sort_values("unit").reset_index(drop=True)


@dataclass(frozen=True)
class UnitNotes:
    """What the Gantt chart and the report's late-unit table both say of each unit, read once from the log.

    ``modes``: :func:`unit_modes`; ``waits``: :func:`last_mover_waits`, indexed by unit.
    """

    modes: pd.Series
    waits: pd.DataFrame

    @classmethod
    def of(cls, events: pd.DataFrame) -> UnitNotes:
        """The notes of a run's event log."""
        return cls(unit_modes(events), last_mover_waits(events).set_index("unit"))


# -- figure helpers --------------------------------------------------------------------------
def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, facecolor="white")
    return fig


def _clean_axes(ax: Any, *, grid_axis: str = "y") -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    for side in ("left", "bottom"):
        ax.spines[side].set_color(MUTED)
    ax.tick_params(labelsize=TICK_PT, colors=INK, length=4)
    ax.grid(axis=grid_axis, color="#DDDDDD", linewidth=0.8)
    ax.set_axisbelow(True)


def _titles(fig: Figure, title: str, subtitle: str = "", *, top: float = 0.97) -> None:
    fig.text(0.012, top, title, fontsize=TITLE_PT, fontweight="bold", color=INK, va="top", ha="left")
    if subtitle:
        fig.text(0.012, top - 0.45 / fig.get_figheight(), subtitle, fontsize=SUBTITLE_PT,
                 color="#333333", va="top", ha="left", linespacing=1.35)


def _day_axis(ax: Any, horizon: int) -> None:
    step = 30 if horizon > 120 else 10 if horizon > 30 else 5
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"D+{x:.0f}"))


def _thousands(x: float, _pos: Any = None) -> str:
    return f"{x:,.0f}"


# -- closure -----------------------------------------------------------------------------------
def closure_chart(result: SimulationResult, bands: pd.DataFrame | None = None,
                  uncertainty: pd.DataFrame | None = None) -> Figure:
    """Troops closed and combat-ready by day against the requirement (NFM tiers or a plan).

    Parameters
    ----------
    result
        A :class:`~mobility.simulation.SimulationResult`.
    bands
        Optional spread over replications: columns ``day``, ``p10``, ``p50``, ``p90``
        (troops closed); the band between p10 and p90 is shaded and p50 drawn dashed.
    uncertainty
        With replications, the per-tier table (``day, p_met, met_day_p50``): the subtitle
        then gives P(met) and the median met day, as the console does, not one run's dates.

    Returns
    -------
    matplotlib.figure.Figure
        The closure curve from D+0 to the horizon and, below it, the
        combat-ready curve (closed, then reception and staging); the
        requirement's troops as a staircase (NFM reading times theatre share,
        or the plan's troops), each tier day marked, and per tier a note on the
        requirement's clock: met, how many days late, or the shortfall.
    """
    sc = result.scenario
    closure = result.closure
    horizon = int(sc.horizon_days)
    statuses = tier_statuses(result.tiers, horizon)
    fig = _figure(12, 6.75)
    ax = fig.add_axes((0.10, 0.11, 0.80, 0.69))
    _clean_axes(ax)

    if bands is not None and len(bands):
        ax.fill_between(bands["day"], bands["p10"], bands["p90"], color="#9ECAE1", alpha=0.55, lw=0,
                        label="10–90 % of replications")
        ax.plot(bands["day"], bands["p50"], color=CLOSED, lw=1.6, ls="--", label="median of replications")
    ax.plot(closure["day"], closure["closed"], color=CLOSED, lw=3.2, label="troops closed (this run)",
            solid_capstyle="round", zorder=4)
    bound = getattr(result, "flow_bound", None)
    if bound is not None:
        ax.plot(bound["days"], bound["troops"], color=MUTED, lw=1.4, ls=(0, (1, 2)), drawstyle="steps-post",
                label="flow bound: no run can close more (free flow, ramps, berths, unavoidable track)",
                zorder=3)
    if "combat_ready" in closure:
        ax.plot(closure["day"], closure["combat_ready"], color=READY, lw=2.0,
                label="troops combat-ready (after reception and staging)", solid_capstyle="round", zorder=4)

    _draw_targets(ax, statuses, horizon)
    top = max([float(closure["closed"].max())] + [s.required for s in statuses if s.day <= horizon]
              + ([float(bands["p90"].max())] if bands is not None and len(bands) else []))
    ax.set_ylim(0, top * 1.16 if top > 0 else 1)
    ax.set_xlim(0, horizon)
    for s in statuses:
        if s.day <= horizon:
            _annotate_tier(ax, s, horizon)

    last = int(closure["closed"].iloc[-1])
    ax.annotate(f"{last:,}", (horizon, last), xytext=(6, 0), textcoords="offset points",
                fontsize=NOTE_PT, color=CLOSED, fontweight="bold", va="center", ha="left",
                annotation_clip=False)
    ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
    _day_axis(ax, horizon)
    req = result.requirement
    ax.set_ylabel("troops at destination", fontsize=LABEL_PT, color=INK)
    ax.set_xlabel(f"days after D-day (closed = personnel and equipment arrived; tiers on the {req.clock} clock)",
                  fontsize=LABEL_PT - 1, color=MUTED)
    ax.legend(handles=_closure_legend(ax, req), loc="upper left", fontsize=NOTE_PT, frameon=False)
    sub = (replication_headline(uncertainty) if uncertainty is not None and len(uncertainty)
           else headline(result.tiers, horizon))
    waits = _top_waits(result, 3)
    if waits:
        sub += "\nlongest waits: " + "; ".join(waits)
    what = "the NATO Force Model" if req.kind == "nfm" else "the plan's requirement"
    _titles(fig, f"{sc.name}: troops closed against {what}", sub)
    return fig


def _top_waits(result: Any, n: int) -> list[str]:
    bn = result.bottlenecks
    bn = bn[bn["total_wait_h"] > 0].head(n)
    net = getattr(result, "network", None)
    return [resource_label(r["resource"], r["kind"], r["place"], net) for r in bn.to_dict("records")]


def _target_steps(statuses: list[TierStatus], horizon: int) -> tuple[list[float], list[float]]:
    xs, ys = [], []
    for s in statuses:
        if s.day > horizon:
            break
        xs.append(s.day)
        ys.append(s.required)
    if xs:
        xs.append(horizon)
        ys.append(ys[-1])
    return xs, ys


def _draw_targets(ax: Any, statuses: list[TierStatus], horizon: int) -> None:
    xs, ys = _target_steps(statuses, horizon)
    if xs:
        ax.step(xs, ys, where="post", color=INK, lw=2.0, ls=(0, (5, 3)), zorder=3)
    for s in statuses:
        if s.day > horizon:
            continue
        ax.axvline(s.day, color="#BBBBBB", lw=1.0, ls=":", zorder=1)
        ax.plot([s.day], [s.required], marker="D", ms=10, color=STATUS_COLOURS[s.status],
                markeredgecolor="white", markeredgewidth=1.5, zorder=6, clip_on=False)


def _annotate_tier(ax: Any, s: TierStatus, horizon: int) -> None:
    colour = STATUS_COLOURS[s.status]
    x = s.day
    if s.status == "late":  # an arrow from the tier day to the day it was met, at the required level
        ax.annotate("", xy=(s.met_day, s.required), xytext=(s.day, s.required),
                    arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 2.6, "mutation_scale": 18},
                    zorder=5)
        x = s.met_day
    elif s.status == "not met":  # the gap between what closed and what was required
        ax.plot([s.day, s.day], [s.closed, s.required], color=colour, lw=4, solid_capstyle="butt", zorder=5)
    # below and right of the point: the closure curve is above it there (it met the tier later or
    # earlier); for a tier not met, left of the gap: the curve is below what had closed by then
    right_side = x < horizon * 0.72 and s.status != "not met"
    ax.annotate(f"D+{s.day}: {s.required:,} required\n{s.text}", (x, s.required),
                xytext=(12 if right_side else -12, -10), textcoords="offset points", fontsize=NOTE_PT,
                color=colour, fontweight="bold", ha="left" if right_side else "right", va="top", zorder=7)


def _closure_legend(ax: Any, req: Any) -> list[Any]:
    handles, _labels = ax.get_legend_handles_labels()
    if req.kind == "nfm":
        whence = "an assumption" if req.share_source.startswith("assumption") else req.share_source.split()[0]
        text = f"NFM target, {req.reading} reading × {req.share:.0%} theatre share ({whence})"
    else:
        text = f"required by the plan ({req.source.split(';')[0].split(' (')[0][:30]}), on the {req.clock} clock"
    target = Line2D([], [], color=INK, lw=2.0, ls=(0, (5, 3)), label=text)
    return [*handles, target]


_MODE_WORDS = {"rail": "rail", "road": "road", "mixed": "mixed: trains and road march units"}


# -- gantt ---------------------------------------------------------------------------------------
def gantt_chart(result: SimulationResult, *, late_days: float = 2.0, notes: UnitNotes | None = None) -> Figure:
    """One bar per unit from its ready day to its closed day, coloured by how it moved.

    Parameters
    ----------
    result
        A :class:`~mobility.simulation.SimulationResult`.
    late_days
        A unit is marked late when it closed more than this many days after it
        would have without any queue or wait (``delay_days`` of ``result.units``).
    notes
        The units' modes and waits, when already read from the log (:meth:`UnitNotes.of`).

    Returns
    -------
    matplotlib.figure.Figure
        Units sorted by ready day (first at the top); rail, road or mixed by the
        ``mode`` of their movers' events; late units labelled in red with their
        delay and where they waited longest; tier days as dotted lines.
    """
    units = result.units.copy()
    units = units[units["ready_day"].notna()]
    notes = notes or UnitNotes.of(result.events)
    units["mode"] = units["unit"].map(notes.modes).fillna("")
    why = notes.waits
    units["why"] = units["unit"].map(why["resource"]).fillna("")
    units["why_h"] = units["unit"].map(why["wait_h"]).fillna(0.0)
    units = units.sort_values(["ready_day", "unit"], kind="stable").reset_index(drop=True)
    horizon = int(result.scenario.horizon_days)
    n = len(units)
    height = max(4.5, 0.34 * n + 2.2)
    fig = _figure(12, height)
    top_in, bottom_in = 2.0, 0.85
    ax = fig.add_axes((0.14, bottom_in / height, 0.62, 1 - (top_in + bottom_in) / height))
    _clean_axes(ax, grid_axis="x")
    y = np.arange(n)
    end = units["closed_day"].fillna(horizon)
    ax.barh(y, end - units["ready_day"], left=units["ready_day"], height=0.72,
            color=[MODE_COLOURS.get(m, "#999999") for m in units["mode"]],
            hatch=[None if c == c else "//" for c in units["closed_day"]], edgecolor="white", lw=0.5)
    net = getattr(result, "network", None)
    for i, r in units.iterrows():
        _gantt_note(ax, i, r, late_days, horizon, net)
    for s in tier_statuses(result.tiers, horizon):
        if s.day <= horizon:
            ax.axvline(s.day, color=STATUS_COLOURS[s.status], lw=1.4, ls=":", zorder=0)
            ax.text(s.day, -0.8, f"D+{s.day}", ha="center", va="bottom", fontsize=NOTE_PT - 1,
                    color=STATUS_COLOURS[s.status], fontweight="bold")
    ax.set_yticks(y, units["unit"], fontsize=max(8, min(TICK_PT, 12)))
    ax.set_ylim(n - 0.4, -1.2)
    ax.set_xlim(0, horizon)
    _day_axis(ax, horizon)
    ax.set_xlabel("days after D-day: bar from ready to closed", fontsize=LABEL_PT - 1, color=MUTED)
    n_late = int((units["delay_days"] > late_days).sum() + units["closed_day"].isna().sum())
    present = [m for m in ("rail", "road", "mixed") if m in set(units["mode"])]
    legend = [Patch(color=MODE_COLOURS[m], label=_MODE_WORDS[m]) for m in present]
    if units["closed_day"].isna().any():
        legend.append(Patch(facecolor="#999999", hatch="//", edgecolor="white", label="not closed"))
    fig.legend(handles=legend, loc="upper left", ncols=len(legend), fontsize=NOTE_PT, frameon=False,
               bbox_to_anchor=(0.005, 1 - 1.15 / height), handlelength=1.6, columnspacing=1.4)
    _titles(fig, f"{result.scenario.name}: when each unit moved",
            f"{n_late} of {n} units late: more than {late_days:g} days over their transit without queues;\n"
            "red note: the delay and where the unit's last train or march unit waited longest",
            top=1 - 0.15 / height)
    return fig


def _gantt_note(ax: Any, i: int, r: pd.Series, late_days: float, horizon: int, network: Any) -> None:
    closed = r["closed_day"]
    if closed != closed:
        text, colour, weight = f"not closed by D+{horizon}", STATUS_COLOURS["not met"], "bold"
        x = horizon
    else:
        late = r["delay_days"] > late_days
        where = ""
        if late and r["why"] and r["why_h"] > 0:
            where = f" · {r['why_h']:,.0f} h at {resource_label(r['why'], network=network)}"
        text = f"+{r['delay_days']:.1f} d{where}"
        colour, weight = (STATUS_COLOURS["not met"], "bold") if late else (MUTED, "normal")
        x = closed
    ax.text(x + horizon * 0.008, i, text, va="center", ha="left", fontsize=NOTE_PT - 2, color=colour,
            fontweight=weight, clip_on=False)


# -- bottlenecks -------------------------------------------------------------------------------
def bottleneck_chart(result: SimulationResult, n: int = 10) -> Figure:
    """Where forces waited: utilisation and waits of the ``n`` resources with most total wait.

    Parameters
    ----------
    result
        A :class:`~mobility.simulation.SimulationResult`.
    n
        How many resources (the top of ``result.bottlenecks``, by total wait).

    Returns
    -------
    matplotlib.figure.Figure
        Left: share of capacity in use over the run. Right: mean wait per
        request (bar) and the worst single wait (line to a tick), in hours.
    """
    bn = result.bottlenecks.head(n).reset_index(drop=True)
    net = getattr(result, "network", None)
    labels = [textwrap.fill(resource_label(r["resource"], r["kind"], r["place"], net), 32,
                            max_lines=2, placeholder=" …") for r in bn.to_dict("records")]
    k = len(bn)
    height = max(4.5, 0.62 * k + 2.3)
    fig = _figure(12, height)
    bottom = 0.8 / height
    axh = 1 - (1.45 + 0.8) / height
    left = fig.add_axes((0.30, bottom, 0.25, axh))
    right = fig.add_axes((0.60, bottom, 0.37, axh), sharey=left)
    y = np.arange(k)
    _utilisation_panel(left, bn, y, labels)
    _wait_panel(right, bn, y)
    left.set_ylim(k - 0.5, -0.6)
    _titles(fig, f"{result.scenario.name}: where forces waited",
            f"top {k} resources by total wait (summed over every train and march unit)",
            top=1 - 0.15 / height)
    return fig


def _utilisation_panel(ax: Any, bn: pd.DataFrame, y: np.ndarray, labels: list[str]) -> None:
    _clean_axes(ax, grid_axis="x")
    util = bn["utilisation"].astype(float)
    ax.barh(y, util.fillna(0.0) * 100, height=0.62, color="#4A6FA5")
    for yi, u in zip(y, util, strict=True):
        txt = "no capacity limit" if u != u else f"{u:.0%}"
        ax.text((0 if u != u else u * 100) + 2, yi, txt, va="center", fontsize=NOTE_PT - 1, color=INK)
    ax.set_xlim(0, 118)
    ax.set_xticks([0, 25, 50, 75, 100], ["0", "25", "50", "75", "100 %"])
    ax.set_yticks(y, labels, fontsize=TICK_PT)
    ax.set_xlabel("capacity in use over the run", fontsize=LABEL_PT - 1, color=MUTED)


def _wait_panel(ax: Any, bn: pd.DataFrame, y: np.ndarray) -> None:
    _clean_axes(ax, grid_axis="x")
    mean, worst = bn["mean_wait_h"].astype(float), bn["max_wait_h"].astype(float)
    ax.hlines(y, mean, worst, color="#B2182B", lw=1.6)
    ax.plot(worst, y, marker="|", ms=16, mew=2.2, ls="", color="#B2182B")
    ax.barh(y, mean, height=0.62, color="#D6604D")
    hi = float(max(worst.max() if len(worst) else 1.0, 1.0))
    for yi, m, w in zip(y, mean, worst, strict=True):
        ax.text(w + hi * 0.03, yi, f"{m:,.0f} h mean\n{w:,.0f} h worst", va="center",
                fontsize=NOTE_PT - 2, color=INK, linespacing=1.1)
    ax.set_xlim(0, hi * 1.8)
    ax.tick_params(axis="y", left=False, labelleft=False)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _p: f"{x:,.0f}"))
    ax.set_xlabel("wait per request, hours (bar mean, tick worst)", fontsize=LABEL_PT - 1, color=MUTED)


# -- files ---------------------------------------------------------------------------------------
def png_bytes(fig: Figure, *, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (for data URIs).

    Compressed at zlib level 1, not Pillow's default 6: the same pixels, a third less
    time to encode, and files about as large (these charts are mostly flat colour).
    """
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, facecolor="white", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def save_png(fig: Figure, path: str | Path, *, dpi: int = 100) -> Path:
    """Write the figure as a PNG atomically (a temp file beside ``path`` renamed into place).

    Parameters
    ----------
    fig
        A figure from this module.
    path
        Target file; its folder is created.
    dpi
        Resolution; 100 gives 1200 px wide charts.

    Returns
    -------
    Path
        ``path``.
    """
    return write_bytes_atomic(png_bytes(fig, dpi=dpi), path)


def write_bytes_atomic(data: bytes, path: str | Path) -> Path:
    """Write ``data`` to ``path`` via a temp file in the same folder and :func:`os.replace`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)  # mkstemp makes it private; outputs are for sharing
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
