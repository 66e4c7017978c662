"""Statistics of runs: paired intervals, quantiles, Shapley values, per-run and per-arm tables."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mobility.analysis.experiments.candidates import CandidateSet
from mobility.analysis.experiments.designs import BASELINE, arm_name
from mobility.analysis.experiments.evaluation import RunOutput


def paired_ci(diff: np.ndarray, *, level: float = 0.9) -> tuple[float, float, float]:
    """Mean and two-sided ``level`` t-interval of paired differences (NaN bounds with one pair).

    >>> paired_ci(np.array([0.0, 0.0, 0.0]))
    (0.0, 0.0, 0.0)
    """
    d = np.asarray(diff, dtype=float)
    mean = float(d.mean())
    if len(d) < 2:
        return mean, math.nan, math.nan
    sd = float(d.std(ddof=1))
    if sd == 0.0:
        return mean, mean, mean
    from scipy.stats import t

    half = float(t.ppf(0.5 + level / 2.0, len(d) - 1)) * sd / math.sqrt(len(d))
    return mean, mean - half, mean + half


def met_or_censored(met: np.ndarray, horizon: int) -> np.ndarray:
    """Met days with 'not met within the horizon' counted as the day after the horizon."""
    return np.where(np.isnan(met), float(horizon + 1), met)


def quantiles(x: np.ndarray, qs: Sequence[float], *, method: str = "linear") -> list[float]:
    return [float(v) for v in np.quantile(x, qs, method=method)]


def met_quantiles(met: np.ndarray) -> list[float | None]:
    """10th/50th/90th percentile met day (an observed day; None where that share never met the tier)."""
    x = np.where(np.isnan(met), np.inf, met)
    return [None if math.isinf(v) else v for v in quantiles(x, (0.1, 0.5, 0.9), method="inverted_cdf")]


def shapley_values(values: Mapping[frozenset[str], float], players: Sequence[str]) -> pd.DataFrame:
    """Each player's Shapley value over the evaluated coalitions.

    The Shapley value is the average, over coalition sizes *s* = 0..n-1, of
    the player's mean marginal contribution ``v(S + i) - v(S)`` over the
    coalitions *S* of size *s* without it. Here each size's mean is taken over
    the pairs that were evaluated, and the average over the sizes that have at
    least one pair: exact when every coalition was evaluated (``exact`` is
    then True and the values add up to ``v(all)``), otherwise a value
    restricted to the evaluated sizes (``sizes`` lists them).
    """
    n = len(players)
    complete = all(frozenset(c) in values for k in range(n + 1) for c in itertools.combinations(players, k))
    rows = []
    for p in players:
        by_size: dict[int, list[float]] = defaultdict(list)
        for s, v in values.items():
            if p not in s and (s | {p}) in values:
                by_size[len(s)].append(values[s | {p}] - v)
        sizes = sorted(by_size)
        phi = float(np.mean([np.mean(by_size[k]) for k in sizes])) if sizes else math.nan
        rows.append({"candidate": p, "shapley": phi, "sizes": ",".join(str(k) for k in sizes), "exact": complete})
    return pd.DataFrame(rows, columns=["candidate", "shapley", "sizes", "exact"])



def runs_frame(outs: Sequence[RunOutput], days: Sequence[int]) -> pd.DataFrame:
    """One row per run: arm, replication, seed, troops closed at ``days``, each tier's met day, and every
    value the run drew (a column per uncertain factor; ``strikes:<threat>:<attack>`` and
    ``damage_days:<threat>:<attack>`` per attack)."""
    rows = []
    for o in outs:
        row: dict[str, Any] = {"arm": o.arm, "replication": o.replication, "seed": o.seed}
        for d in days:
            row[f"troops_d{d}"] = int(o.closed[min(d, len(o.closed) - 1)])
        for d, m in zip(o.tier_days, o.met_day, strict=True):
            row[f"met_day_d{d}"] = m
        row["troops_closed"] = int(o.closed[-1])
        row |= dict(o.draws)
        rows.append(row)
    return pd.DataFrame(rows)


def tier_rows(outs: Sequence[RunOutput]) -> pd.DataFrame:
    first = outs[0]
    rows = []
    for j, (day, req) in enumerate(zip(first.tier_days, first.tier_required, strict=True)):
        closed = np.array([o.tier_closed[j] for o in outs], dtype=float)
        met = np.array([o.met_day[j] for o in outs], dtype=float)
        p10, p50, p90 = met_quantiles(met)
        c10, c50, c90 = quantiles(closed, (0.1, 0.5, 0.9))
        rows.append({
            "day": day, "required": req, "closed": c50, "met_day": p50 if p50 is not None else math.nan,
            "shortfall": max(0.0, req - c50), "p_met": float(np.mean(~np.isnan(met) & (met <= day))),
            "p_met_ever": float(np.mean(~np.isnan(met))),
            "met_day_mean": float(np.nanmean(met)) if (~np.isnan(met)).any() else math.nan,
            "met_day_p10": math.nan if p10 is None else p10, "met_day_p50": math.nan if p50 is None else p50,
            "met_day_p90": math.nan if p90 is None else p90,
            "closed_mean": float(closed.mean()), "closed_p10": c10, "closed_p50": c50, "closed_p90": c90,
        })
    return pd.DataFrame(rows)



def arm_stats(runs: pd.DataFrame, arm: str, base: pd.DataFrame, days: Sequence[int], tiers: Sequence[int],
               horizon: int) -> dict[str, Any]:
    r = runs[runs["arm"] == arm].sort_values("replication")
    row: dict[str, Any] = {}
    for d in days:
        mean, lo, hi = paired_ci(r[f"troops_d{d}"].to_numpy(float) - base[f"troops_d{d}"].to_numpy(float))
        row |= {f"troops_d{d}_mean": float(r[f"troops_d{d}"].mean()), f"gain_d{d}_mean": mean,
                f"gain_d{d}_ci_low": lo, f"gain_d{d}_ci_high": hi}
    for t in tiers:
        met = r[f"met_day_d{t}"].to_numpy(float)
        saved = met_or_censored(base[f"met_day_d{t}"].to_numpy(float), horizon) - met_or_censored(met, horizon)
        mean, lo, hi = paired_ci(saved)
        row |= {f"p_met_d{t}": float(np.mean(~np.isnan(met) & (met <= t))),
                f"met_day_d{t}_p50": met_quantiles(met)[1],
                f"days_saved_d{t}_mean": mean, f"days_saved_d{t}_ci_low": lo, f"days_saved_d{t}_ci_high": hi}
    return row


def summarise_arms(runs: pd.DataFrame, arms: Sequence[tuple[str, ...]], cset: CandidateSet, *,
                   days: Sequence[int], tiers: Sequence[int], horizon: int) -> pd.DataFrame:
    """One row per arm from the per-run table (paired with the baseline replication by replication)."""
    base = runs[runs["arm"] == BASELINE].sort_values("replication")
    rows = []
    for ids in arms:
        name = arm_name(ids)
        cost = float(sum(cset.get(i).cost_eur for i in ids))
        row: dict[str, Any] = {"arm": name, "candidates": "+".join(ids), "n_candidates": len(ids),
                               "cost_eur": cost,
                               "ready_year": max((cset.get(i).ready_year for i in ids), default=None),
                               "replications": int((runs["arm"] == name).sum())}
        row |= arm_stats(runs, name, base, days, tiers, horizon)
        last = days[-1]
        row[f"gain_d{last}_per_meur"] = row[f"gain_d{last}_mean"] / (cost / 1e6) if cost > 0 else math.nan
        rows.append(row)
    out = pd.DataFrame(rows)
    single = {r["candidates"]: r for r in rows if r["n_candidates"] == 1}
    for d in days:
        out[f"interaction_d{d}"] = [
            (r[f"gain_d{d}_mean"] - sum(single[i][f"gain_d{d}_mean"] for i in r["candidates"].split("+")))
            if r["n_candidates"] > 1 and all(i in single for i in r["candidates"].split("+")) else math.nan
            for r in rows]
    out["ready_year"] = out["ready_year"].astype("Int64")
    return out


def rank(arms: pd.DataFrame, days: Sequence[int]) -> pd.DataFrame:
    first, last = days[0], days[-1]
    r = arms[arms["arm"] != BASELINE].sort_values(
        [f"gain_d{last}_mean", f"gain_d{first}_mean", "cost_eur", "arm"],
        ascending=[False, False, True, True], kind="stable").reset_index(drop=True)
    r.insert(0, "rank", np.arange(1, len(r) + 1))
    return r


def candidate_contributions(arms: pd.DataFrame, ids: Sequence[str], days: Sequence[int]) -> pd.DataFrame:
    out = pd.DataFrame({"candidate": list(ids)})
    for d in days:
        values = {frozenset(c for c in str(r["candidates"]).split("+") if c): float(r[f"gain_d{d}_mean"])
                  for r in arms.to_dict("records")}
        sv = shapley_values(values, ids)
        alone = {k: v for k, v in values.items() if len(k) == 1}
        out[f"alone_d{d}"] = [alone.get(frozenset([i]), math.nan) for i in ids]
        out[f"shapley_d{d}"] = sv["shapley"].to_numpy()
        out["sizes"], out["exact"] = sv["sizes"].to_numpy(), sv["exact"].to_numpy()
    return out
