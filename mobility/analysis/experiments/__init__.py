"""Replications and comparisons of candidate investments, run on Dask.

Three nouns, kept apart as in the EMA Workbench:

* an **uncertainty** is what the world decides (a transload rate, section
  delays, the real clearance time, breakdowns): sampled per run from the
  run's own random generator, never chosen;
* a **candidate** is what a planner may choose (a lever): a partial scenario
  (keys ``infrastructure``, ``resources``, ``policies``, ``factors``) merged
  onto the base scenario, with a cost in € and the year it can be in service;
* an **arm** is the base scenario with a set of candidates applied (the
  baseline is the arm with none).

Every run is one ``(arm, replication)`` pair. The seeds of N replications are
spawned from ONE :class:`numpy.random.SeedSequence`, and replication *i* of
every arm uses the same seed (common random numbers), so a difference between
two arms is paired and a result never depends on the number of workers or on
the order in which runs finish.

Modules, by concern:

* :mod:`~mobility.analysis.experiments.candidates`: candidates, uncertainties, overlays;
* :mod:`~mobility.analysis.experiments.designs`: arms and replication seeds;
* :mod:`~mobility.analysis.experiments.evaluation`: runs on Dask (or in process);
* :mod:`~mobility.analysis.experiments.statistics`: paired intervals, Shapley values, tables;
* :mod:`~mobility.analysis.experiments.replications` and
  :mod:`~mobility.analysis.experiments.comparison`: the two studies;
* :mod:`~mobility.analysis.experiments.text`: terminal tables;
* :mod:`~mobility.analysis.experiments.commands`: the command-line glue (it never imports
  :mod:`mobility.cli`).

>>> from mobility.analysis.experiments import replication_seeds
>>> replication_seeds(1, 3) == replication_seeds(1, 5)[:3]
True
"""

from __future__ import annotations

from mobility._lazy import lazy_attributes

#: public name -> the module that defines it; loaded on first use, so that the CLI can register
#: its commands (``commands``) without importing pandas, Dask or the model
_LAZY = {
    "BASELINE": "mobility.analysis.experiments.designs",
    "Candidate": "mobility.analysis.experiments.candidates",
    "CandidateSet": "mobility.analysis.experiments.candidates",
    "Comparison": "mobility.analysis.experiments.comparison",
    "OVERLAY_KEYS": "mobility.analysis.experiments.candidates",
    "Replications": "mobility.analysis.experiments.replications",
    "RunOutput": "mobility.analysis.experiments.evaluation",
    "RunSpec": "mobility.analysis.experiments.evaluation",
    "SPECIAL_UNCERTAINTIES": "mobility.analysis.experiments.candidates",
    "apply_candidates": "mobility.analysis.experiments.candidates",
    "arm_name": "mobility.analysis.experiments.designs",
    "check_uncertainties": "mobility.analysis.experiments.candidates",
    "compare": "mobility.analysis.experiments.comparison",
    "conflicts": "mobility.analysis.experiments.candidates",
    "design_arms": "mobility.analysis.experiments.designs",
    "display_name": "mobility.analysis.experiments.text",
    "execute": "mobility.analysis.experiments.evaluation",
    "format_bands": "mobility.analysis.experiments.text",
    "format_contributions": "mobility.analysis.experiments.text",
    "format_ranking": "mobility.analysis.experiments.text",
    "format_tier_probabilities": "mobility.analysis.experiments.text",
    "load_candidates": "mobility.analysis.experiments.candidates",
    "load_uncertainties": "mobility.analysis.experiments.candidates",
    "merge_overlay": "mobility.analysis.experiments.candidates",
    "paired_ci": "mobility.analysis.experiments.statistics",
    "parse_candidates": "mobility.analysis.experiments.candidates",
    "parse_uncertainties": "mobility.analysis.experiments.candidates",
    "replicate": "mobility.analysis.experiments.replications",
    "replication_seeds": "mobility.analysis.experiments.designs",
    "run_one": "mobility.analysis.experiments.evaluation",
    "scenario_dict": "mobility.analysis.experiments.candidates",
    "shapley_values": "mobility.analysis.experiments.statistics",
    "summarise_arms": "mobility.analysis.experiments.statistics",
    "summarise_replications": "mobility.analysis.experiments.replications",
    "validate_candidates": "mobility.analysis.experiments.candidates",
    "with_uncertainties": "mobility.analysis.experiments.candidates",
}


def add_commands(sub: object) -> None:
    """Add ``mobility compare`` (and replication options of ``mobility run``) to the CLI."""
    from mobility.analysis.experiments.commands import add_commands as _add

    _add(sub)


def run_replications_cli(*args: object, **kwargs: object) -> int:
    """``mobility run SCENARIO --replications N``; see :mod:`~mobility.analysis.experiments.commands`."""
    from mobility.analysis.experiments.commands import run_replications_cli as _run

    return _run(*args, **kwargs)  # type: ignore[arg-type]


__all__ = [
    "BASELINE",
    "OVERLAY_KEYS",
    "SPECIAL_UNCERTAINTIES",
    "Candidate",
    "CandidateSet",
    "Comparison",
    "Replications",
    "RunOutput",
    "RunSpec",
    "add_commands",
    "apply_candidates",
    "arm_name",
    "check_uncertainties",
    "compare",
    "conflicts",
    "design_arms",
    "display_name",
    "execute",
    "format_bands",
    "format_contributions",
    "format_ranking",
    "format_tier_probabilities",
    "load_candidates",
    "load_uncertainties",
    "merge_overlay",
    "paired_ci",
    "parse_candidates",
    "parse_uncertainties",
    "replicate",
    "replication_seeds",
    "run_one",
    "run_replications_cli",
    "scenario_dict",
    "shapley_values",
    "summarise_arms",
    "summarise_replications",
    "validate_candidates",
    "with_uncertainties",
]


__getattr__, __dir__ = lazy_attributes("mobility.analysis.experiments", _LAZY)
