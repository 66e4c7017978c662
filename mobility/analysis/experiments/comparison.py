"""Comparisons of candidate investments alone and combined, with common random numbers.

Every run is one ``(arm, replication)`` pair. The seeds of N replications are
spawned from ONE :class:`numpy.random.SeedSequence`, and replication *i* of
every arm uses the same seed (common random numbers), so a difference between
two arms is paired and a result never depends on the number of workers or on
the order in which runs finish.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from mobility.analysis.experiments.candidates import (
    Candidate,
    CandidateSet,
    apply_candidates,
    check_runnable,
    conflicts,
    label,
    load_candidates,
    parse_candidates,
    scenario_dict,
    validate_candidates,
    with_uncertainties,
)
from mobility.analysis.experiments.designs import arm_name, design_arms, replication_seeds
from mobility.analysis.experiments.evaluation import RunOutput, RunSpec, execute, run_one
from mobility.analysis.experiments.journal import Journal
from mobility.analysis.experiments.statistics import (
    candidate_contributions,
    rank,
    runs_frame,
    summarise_arms,
)
from mobility.errors import MobilityError, ScenarioError
from mobility.infrastructure import network_key
from mobility.scenario import Scenario, load_scenario

if TYPE_CHECKING:
    from distributed import Client

THREAT_FREE = "|threat-free"  # arm-name suffix of the runs without the threat (never a candidate id)


@dataclass
class Comparison:
    """Arms of a comparison with common random numbers, their ranking and each candidate's share.

    Attributes
    ----------
    arms
        One row per arm (baseline first): cost, troops closed at each report
        day, paired gain over the baseline with its 90 % CI, days saved per
        tier (paired, with CI), P(met) per tier, troops gained at the last
        report day per M€, and for combinations the interaction (gain minus
        the sum of its members' gains alone).
    ranking
        The arms other than the baseline, best first (troops gained at the
        last report day, then the first, then cheaper first).
    contributions
        One row per candidate: gain alone and Shapley value at each report day.
    runs
        One row per ``(arm, replication)`` (and per condition: ``threat`` is
        False on the threat-free runs, True otherwise).
    arms_threat_free
        With a threat and ``threat_free``: the arms of the same design run
        without the scenario's threats (same seeds), else None.
    """

    scenario: Scenario
    candidates: CandidateSet
    arms: pd.DataFrame
    ranking: pd.DataFrame
    contributions: pd.DataFrame
    runs: pd.DataFrame
    seed: int
    seeds: tuple[int, ...]
    days: tuple[int, ...]
    max_combination: int
    notes: tuple[str, ...] = ()
    arms_threat_free: pd.DataFrame | None = None

    def summary(self) -> dict[str, Any]:
        """What ``summary.json`` of a comparison holds: the design and the notes."""
        from mobility import __version__

        return {
            "scenario": self.scenario.name, "candidates_file": self.candidates.source, "version": __version__,
            "replications": len(self.seeds), "seed": self.seed, "seeds": list(self.seeds),
            "common_random_numbers": True, "max_combination": self.max_combination,
            "arms": self.arms["arm"].tolist(), "report_days": list(self.days),
            "shapley_exact": bool(self.contributions["exact"].all()) if len(self.contributions) else False,
            "uncertainties": [u.model_dump(mode="json") for u in self.scenario.uncertainties],
            "threats": [{"name": t.name, "file": t.file, "attacks": [a.id for a in t.attacks]}
                        for t in self.scenario.threats],
            "threat_free_runs": self.arms_threat_free is not None,
            "notes": list(self.notes),
        }



def _run(specs: Sequence[RunSpec], journal: str | Path | None, notes: list[str], **kwargs: Any) -> list[RunOutput]:
    """:func:`execute` the specs; with a journal, skip the runs it holds, append the others, read all back."""
    if journal is None:
        return execute(specs, **kwargs)
    book = Journal(journal, specs)
    todo = [s for s in specs if (s.arm, s.replication) not in book.kept]
    if book.kept:
        notes.append(f"{len(specs) - len(todo)} of {len(specs)} runs were taken from {journal} (an interrupted "
                     "run of this comparison: same design, seeds and code)")
    try:
        if todo:
            execute(todo, sink=book.add, **kwargs)
    except MobilityError:
        book.close()
        Path(journal).unlink(missing_ok=True)  # bad input: the sweep cannot finish, leave nothing behind
        raise
    finally:
        book.close()
    return book.runs(specs)


def resolve_candidates(candidates: str | Path | CandidateSet | Sequence[Candidate | Mapping[str, Any]]
                        ) -> CandidateSet:
    if isinstance(candidates, CandidateSet):
        return candidates
    if isinstance(candidates, (str, Path)):
        return load_candidates(candidates)
    items = [c.model_dump() if isinstance(c, Candidate) else dict(c) for c in candidates]
    return parse_candidates({"candidates": items}, source="<candidates>")


def compare(scenario: Scenario | str | Path,
            candidates: str | Path | CandidateSet | Sequence[Candidate | Mapping[str, Any]], *,
            replications: int = 20, max_combination: int = 2, workers: int | None = None,
            scheduler: str | Client | None = None, seed: int | None = None, progress: bool = True,
            days: Sequence[int] = (10, 30), extremes: bool = True, ready_by: int | None = None,
            threat_free: bool | None = None,
            runner: Callable[[RunSpec], RunOutput] = run_one, journal: str | Path | None = None) -> Comparison:
    """Compare candidate investments alone and in combination, with common random numbers.

    Design: the baseline, each candidate alone, every combination of up to
    ``max_combination`` candidates, and, when ``max_combination`` is below the
    number of candidates and ``extremes`` is on, all candidates together plus
    each leave-one-out set (the marginal value of each candidate on top of all
    the others). Combinations of candidates that set the same field to
    different values are left out (listed in ``notes``). Each candidate's
    Shapley value is computed over the evaluated coalitions: exact when every
    subset was run (``max_combination`` >= number of candidates), otherwise
    restricted to the evaluated coalition sizes (see :func:`shapley_values`).

    Every arm runs the same ``replications`` seeds, spawned from one
    ``SeedSequence(seed)``; differences to the baseline are paired per
    replication, with a 90 % t-interval. A tier not met within the horizon
    counts as met the day after it (days saved are then a lower bound).

    Parameters
    ----------
    scenario
        The base scenario (or its file).
    candidates
        A candidates file, a :class:`CandidateSet`, or candidates; a file's
        ``uncertainties:`` are added to the scenario's (same factor: the file's).
    replications
        Replications per arm.
    max_combination
        Largest combination enumerated in full.
    workers, scheduler, progress, runner
        As in :func:`execute`.
    seed
        Root seed (default: the scenario's).
    days
        Report days for troops closed and gained (the last one also for gain per €);
        days beyond the horizon are dropped.
    extremes
        Add all-in and leave-one-out arms beyond ``max_combination``.
    ready_by
        Leave out candidates that cannot be in service by this year.
    threat_free
        Also run every arm without the scenario's threats (same seeds), for
        P(met) with and without the threat (default: when it has threats).
    journal
        A file each run is appended to as it finishes (:class:`~mobility.analysis.experiments.journal.Journal`);
        the tables are built from it. If it holds runs of this very comparison (an interrupted
        one: same design, seeds and code), they are not run again. Removed when a run finds bad
        input; kept otherwise (e.g. when the sweep is interrupted).

    Raises
    ------
    ScenarioError
        A bad candidate (one line naming the file, the candidate and the field).
    """
    sc = load_scenario(scenario) if isinstance(scenario, (str, Path)) else scenario
    cset = resolve_candidates(candidates)
    if replications < 1 or max_combination < 1:
        raise MobilityError("compare needs --replications >= 1 and --max-combination >= 1")
    notes: list[str] = []
    days = tuple(sorted({d for d in days if 0 <= d <= sc.horizon_days})) or (sc.horizon_days,)
    if ready_by is not None:
        late = [c.id for c in cset.candidates if c.ready_year > ready_by]
        cset = CandidateSet(tuple(c for c in cset.candidates if c.ready_year <= ready_by), cset.uncertainties,
                            cset.source)
        notes += [f"{i} left out: not ready by {ready_by}" for i in late]
        if not cset.candidates:
            raise ScenarioError(f"{cset.source}: no candidate is ready by {ready_by}")
    base = with_uncertainties(sc, cset.uncertainties)
    check_runnable(base)
    validate_candidates(base, cset)
    if not base.uncertainties and not base.threats:
        notes.append("the scenario declares no uncertainties: every replication of an arm is the same run")
    exclusive = [frozenset((a.id, b.id)) for a, b in itertools.combinations(cset.candidates, 2) if conflicts(a, b)]
    design, left_out = design_arms(cset.ids, max_combination=max_combination, extremes=extremes,
                                   exclusive=exclusive)
    notes += left_out
    root = base.seed if seed is None else seed
    seeds = replication_seeds(root, replications)
    free = bool(base.threats) if threat_free is None else bool(threat_free and base.threats)
    specs = []
    shares: dict[str, Hashable] = {}  # arm -> its network: the arms' runs of one replication on one network
    for ids in design:                 # share routers, so they go to a worker together
        arm_sc = apply_candidates(base, [cset.get(i) for i in ids], source=f"{cset.source}: {arm_name(ids)}")
        data = scenario_dict(arm_sc)
        shares[arm_name(ids)] = shares[arm_name(ids) + THREAT_FREE] = network_key(arm_sc)
        specs += [RunSpec(arm_name(ids), i, s, data, label(arm_sc)) for i, s in enumerate(seeds)]
        if free:  # the same arm and seeds without the threat: what the threat costs, and what redundancy buys
            specs += [RunSpec(arm_name(ids) + THREAT_FREE, i, s, {**data, "threats": []}, label(arm_sc))
                      for i, s in enumerate(seeds)]
    outs = _run(specs, journal, notes, workers=workers, scheduler=scheduler, progress=progress, runner=runner,
                group=lambda s: (s.replication, shares[s.arm]),
                label=f"compare {len(design)} arms x{replications}" + (" (with and without the threat)"
                                                                       if free else ""))
    tiers = list(outs[0].tier_days)
    every = runs_frame(outs, sorted(set(days) | set(tiers)))
    calm = every["arm"].str.endswith(THREAT_FREE)
    every.insert(1, "threat", ~calm & bool(base.threats))
    every["arm"] = every["arm"].str.removesuffix(THREAT_FREE)
    struck = [c for c in every.columns if c.startswith(("strikes:", "damage_days:"))]
    every[struck] = every[struck].fillna(0.0)  # the threat-free runs met no strike
    runs = every[~calm].reset_index(drop=True)
    arms = summarise_arms(runs, design, cset, days=days, tiers=tiers, horizon=base.horizon_days)
    arms_free = None
    if free:
        arms_free = summarise_arms(every[calm].reset_index(drop=True), design, cset, days=days, tiers=tiers,
                                   horizon=base.horizon_days)
        for t in tiers:
            arms[f"p_met_d{t}_threat_free"] = arms_free[f"p_met_d{t}"].to_numpy()
    contributions = candidate_contributions(arms, cset.ids, days)
    if len(contributions) and not bool(contributions["exact"].all()):
        notes.append(f"Shapley values are restricted to the evaluated coalition sizes "
                     f"({contributions['sizes'].iloc[0]}), not exact")
    return Comparison(scenario=base, candidates=cset, arms=arms, ranking=rank(arms, days),
                      contributions=contributions, runs=every, seed=root, seeds=seeds, days=days,
                      max_combination=max_combination, notes=tuple(notes), arms_threat_free=arms_free)
