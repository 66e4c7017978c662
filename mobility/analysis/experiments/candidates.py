"""Candidates (levers) and uncertainties: parsing, validation, overlays onto a scenario.

* an **uncertainty** is what the world decides (a transload rate, section
  delays, the real clearance time, breakdowns): sampled per run from the
  run's own random generator, never chosen;
* a **candidate** is what a planner may choose (a lever): a partial scenario
  (keys ``infrastructure``, ``resources``, ``policies``, ``factors``) merged
  onto the base scenario, with a cost in € and the year it can be in service;
* an **arm** is the base scenario with a set of candidates applied (the
  baseline is the arm with none).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from mobility.analysis.experiments.designs import BASELINE, arm_name
from mobility.errors import ScenarioError
from mobility.scenario import Scenario, Uncertainty, error_location, parse_scenario

OVERLAY_KEYS = ("infrastructure", "resources", "policies", "factors")
SPECIAL_UNCERTAINTIES = ("section_delay_hours", "breakdown_probability")
_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")


class Candidate(BaseModel):
    """One candidate investment or policy: a partial scenario with a cost and a ready year.

    The overlay keys (``infrastructure``, ``resources``, ``policies``,
    ``factors``) have the shape of the same keys of a scenario file; see
    :func:`merge_overlay` for how they are merged onto a base scenario.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="short id: lower case letters, digits, '-', '_', '.'")
    name: str
    description: str = ""
    cost_eur: float = Field(ge=0, description="capital cost in euros")
    ready_year: int = Field(ge=2000, le=2100, description="first year it can be in service")
    source: str = Field(min_length=1, description="DOMAIN.md source keys of the edit, or 'assumption: ...'")
    cost_source: str = Field("", description="source keys of the cost, or 'assumption: ...'")
    ready_source: str = Field("", description="source keys of the ready year, or 'assumption: ...'")
    infrastructure: dict[str, Any] | None = None
    resources: dict[str, Any] | None = None
    policies: dict[str, Any] | None = None
    factors: dict[str, Any] | None = None

    @property
    def overlay(self) -> dict[str, Any]:
        """The partial scenario this candidate merges onto a base scenario."""
        return {k: copy.deepcopy(getattr(self, k)) for k in OVERLAY_KEYS if getattr(self, k) is not None}


@dataclass(frozen=True)
class CandidateSet:
    """The content of a candidates file: candidates and the uncertainties to sample."""

    candidates: tuple[Candidate, ...]
    uncertainties: tuple[Uncertainty, ...] = ()
    source: str = "<candidates>"

    @property
    def ids(self) -> tuple[str, ...]:
        """Candidate ids in file order."""
        return tuple(c.id for c in self.candidates)

    def get(self, cid: str) -> Candidate:
        """The candidate with id ``cid``."""
        for c in self.candidates:
            if c.id == cid:
                return c
        raise KeyError(cid)


def _one_line(exc: ValidationError) -> str:
    err = exc.errors()[0]
    msg = str(err["msg"]).replace("Value error, ", "")
    more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
    hint = "remove it or check its spelling" if err["type"] == "extra_forbidden" else (
        "add it" if err["type"] == "missing" else "correct the value")
    loc = "" if not err["loc"] else f"{error_location(err)}: "
    return f"{loc}{msg}; {hint}{more}"


def _check_distribution(u: Uncertainty) -> str | None:
    """Why an uncertainty's distribution parameters are unusable, or None."""
    if u.distribution == "uniform":
        if u.low is None or u.high is None or not u.low <= u.high:
            return "uniform needs low <= high"
    elif u.distribution == "triangular":
        if u.low is None or u.mode is None or u.high is None or not (u.low <= u.mode <= u.high) or u.low == u.high:
            return "triangular needs low <= mode <= high with low < high"
    elif u.mean is None or u.sigma is None or u.mean <= 0 or u.sigma < 0:
        return "lognormal needs mean > 0 and sigma >= 0"
    return None


def check_uncertainties(uncertainties: Sequence[Uncertainty], *, source: str) -> None:
    """Raise :class:`ScenarioError` (one line) if an uncertainty names no factor or has bad parameters."""
    from mobility.factors import Factors

    known = set(Factors.defaults()) | set(SPECIAL_UNCERTAINTIES)
    for i, u in enumerate(uncertainties):
        if u.factor not in known:
            raise ScenarioError(f"{source}: uncertainties[{i}].factor: unknown factor {u.factor!r}; use a planning "
                                "factor key (mobility.factors) or section_delay_hours / breakdown_probability")
        why = _check_distribution(u)
        if why:
            raise ScenarioError(f"{source}: uncertainties[{i}] ({u.factor}): {why}")


def parse_candidates(data: Any, *, source: str = "<candidates>") -> CandidateSet:
    """Validate the content of a candidates file.

    Checks the schema only; :func:`validate_candidates` checks the edits
    against a scenario's network.

    Raises
    ------
    ScenarioError
        One line naming ``source``, the candidate and the field.
    """
    if not isinstance(data, dict):
        raise ScenarioError(f"{source}: a candidates file holds a mapping with candidates: (and optionally "
                            f"uncertainties:); it holds {type(data).__name__}")
    extra = set(data) - {"candidates", "uncertainties", "description"}
    if extra:
        raise ScenarioError(f"{source}: {sorted(extra)[0]}: unknown key; a candidates file has description:, "
                            "uncertainties: and candidates:")
    raw = data.get("candidates")
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(f"{source}: candidates: give a non-empty list of candidates")
    cands, seen = [], set()
    items = []
    for i, item in enumerate(raw):
        cid = item.get("id") if isinstance(item, dict) else None
        where = f"{source}: candidates[{i}]" + (f" ({cid})" if cid else "")
        items += [(where, x) for x in expand_lever(item, where=where)] if isinstance(item, dict) and (
            "lever" in item or "levels" in item) else [(where, item)]
    for where, item in items:
        if not isinstance(item, dict):
            raise ScenarioError(f"{where}: a candidate is a mapping (id:, name:, cost_eur:, ...)")
        try:
            c = Candidate.model_validate(item)
        except ValidationError as exc:
            raise ScenarioError(f"{where}: {_one_line(exc)}") from None
        if not _ID.match(c.id) or c.id == BASELINE:
            raise ScenarioError(f"{where}: id: {c.id!r} is not a usable id; use lower-case letters, digits, "
                                "'-', '_' or '.', and not 'baseline'")
        if c.id in seen:
            raise ScenarioError(f"{where}: id: duplicate candidate id {c.id!r}")
        if not c.overlay:
            raise ScenarioError(f"{where}: the candidate changes nothing; give infrastructure:, resources:, "
                                "policies: or factors:")
        seen.add(c.id)
        cands.append(c)
    return CandidateSet(tuple(cands), parse_uncertainties(data.get("uncertainties"), source=source), source)


def expand_lever(item: Mapping[str, Any], *, where: str) -> list[dict[str, Any]]:
    """A numeric lever as one candidate per level.

    ``lever`` is a point key (:mod:`~mobility.analysis.experiments.points`,
    e.g. ``terminals.sestokai.transload`` or ``resources.wagons_1435``),
    ``levels`` the values to try, ``base_level`` the scenario's own value and
    ``cost_eur`` the cost per unit above it. Level *x* becomes candidate
    ``<id>-<x>`` costing ``cost_eur * (x - base_level)``; the levels of one
    lever set one field differently, so a comparison never combines them.
    """
    from mobility.analysis.experiments.points import overlay_of

    item = dict(item)
    lever, levels, base = item.pop("lever", None), item.pop("levels", None), item.pop("base_level", 0)
    if not isinstance(lever, str) or not isinstance(levels, list) or not levels:
        raise ScenarioError(f"{where}: a numeric lever needs lever: (a key such as terminals.sestokai.transload) "
                            "and levels: (a non-empty list of values)")
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in [*levels, base]):
        raise ScenarioError(f"{where}: levels and base_level of a numeric lever are numbers")
    if any(k in item for k in OVERLAY_KEYS):
        raise ScenarioError(f"{where}: a numeric lever sets its field through lever:; drop "
                            f"{', '.join(k for k in OVERLAY_KEYS if k in item)}")
    cost = item.pop("cost_eur", 0)
    out = []
    for x in levels:
        overlay = overlay_of(lever, x, where=f"{where}.lever")
        out.append({**item, **overlay, "id": f"{item.get('id', '')}-{x:g}", "name": f"{item.get('name', '')}: {x:g}",
                    "cost_eur": float(cost) * max(float(x) - float(base), 0.0) if isinstance(cost, (int, float))
                    else cost})
    return out


def parse_uncertainties(raw: Any, *, source: str) -> tuple[Uncertainty, ...]:
    """Validate an ``uncertainties:`` list (of a scenario, a candidates file or an uncertainties file)."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise ScenarioError(f"{source}: uncertainties: give a list of {{factor:, distribution:, ...}} entries")
    uncs = []
    for i, u in enumerate(raw):
        factor = u.get("factor") if isinstance(u, dict) else None
        try:
            uncs.append(Uncertainty.model_validate(u))
        except ValidationError as exc:
            where = f"{source}: uncertainties[{i}]" + (f" ({factor})" if factor else "")
            raise ScenarioError(f"{where}: {_one_line(exc)}") from None
    check_uncertainties(uncs, source=source)
    return tuple(uncs)


def _read_yaml(path: str | Path, what: str) -> Any:
    """The file's YAML, read strictly (UTF-8, no duplicate keys, bounded nesting): see :func:`read_yaml`."""
    from mobility.scenario import read_yaml

    return read_yaml(path, what)


def load_uncertainties(path: str | Path) -> tuple[Uncertainty, ...]:
    """The ``uncertainties:`` list of a YAML file (a candidates file or a scenario file will do)."""
    data = _read_yaml(path, "uncertainties")
    if not isinstance(data, dict) or "uncertainties" not in data:
        raise ScenarioError(f"{path}: no uncertainties: list in this file; see scenarios/candidates.yaml")
    return parse_uncertainties(data["uncertainties"], source=str(path))


def load_candidates(path: str | Path) -> CandidateSet:
    """Read and validate a candidates YAML file (see ``scenarios/candidates.yaml``)."""
    return parse_candidates(_read_yaml(path, "candidates"), source=str(path))


def merge_overlay(base: Mapping[str, Any], overlay: Mapping[str, Any]) -> dict[str, Any]:
    """A scenario mapping with a candidate's partial scenario merged onto it.

    ``infrastructure.terminals`` lists append (a later entry for the same node
    and method wins); ``infrastructure.sections`` merge per section and
    attribute, ``infrastructure.holding_tracks`` per node; ``resources``, ``policies`` and ``factors`` replace the fields
    the overlay gives. Neither input is changed.

    >>> merge_overlay({"resources": {"hets": 0, "wagons_1435": 600}}, {"resources": {"hets": 40}})
    {'resources': {'hets': 40, 'wagons_1435': 600}}
    """
    out = copy.deepcopy(dict(base))
    for key, value in overlay.items():
        value = copy.deepcopy(value)
        if key == "infrastructure" and isinstance(value, dict):
            infra = dict(out.get("infrastructure") or {})
            secs = {s: dict(a) for s, a in (infra.get("sections") or {}).items()}
            for sec, attrs in (value.pop("sections", None) or {}).items():
                secs[sec] = {**secs.get(sec, {}), **(attrs or {})}
            terms = [*(infra.get("terminals") or ()), *(value.pop("terminals", None) or ())]
            holds = {**(infra.get("holding_tracks") or {}), **(value.pop("holding_tracks", None) or {})}
            out["infrastructure"] = {**infra, **value, "sections": secs, "terminals": terms, "holding_tracks": holds}
        elif key in ("resources", "policies", "factors") and isinstance(value, dict):
            out[key] = {**(out.get(key) or {}), **value}
        else:
            out[key] = value
    return out


def scenario_dict(scenario: Scenario) -> dict[str, Any]:
    """A scenario as a plain, picklable mapping that :func:`parse_scenario` accepts."""
    return scenario.model_dump(mode="json")


def label(scenario: Scenario) -> str:
    return scenario.source_file or scenario.name


def with_uncertainties(scenario: Scenario, uncertainties: Sequence[Uncertainty]) -> Scenario:
    """The scenario with ``uncertainties`` added; one given here replaces the scenario's for the same factor."""
    if not uncertainties:
        return scenario
    mine = {u.factor for u in uncertainties}
    kept = [u for u in scenario.uncertainties if u.factor not in mine]
    data = scenario_dict(scenario)
    data["uncertainties"] = [u.model_dump(mode="json") for u in (*kept, *uncertainties)]
    return parse_scenario(data, source=label(scenario))


def with_threats(scenario: Scenario, paths: Sequence[str | Path]) -> Scenario:
    """The scenario with the threat files ``paths`` added to its threats (see ``scenarios/threats/``)."""
    if not paths:
        return scenario
    from mobility.sim.threats import load_threat

    data = scenario_dict(scenario)
    data["threats"] = [*data.get("threats", []), *(load_threat(p).model_dump(mode="json") for p in paths)]
    return parse_scenario(data, source=label(scenario))


def threat_line(scenario: Scenario) -> str | None:
    """One line naming the scenario's threats and their attacks, or None without a threat."""
    if not scenario.threats:
        return None
    parts = [f"{t.name} ({', '.join(a.id for a in t.attacks)})" for t in scenario.threats]
    return "under threat: " + "; ".join(parts) + " (strikes drawn per replication, the same in every arm)"


def apply_candidates(scenario: Scenario, candidates: Sequence[Candidate], *, source: str | None = None) -> Scenario:
    """The scenario with ``candidates`` merged onto it in order, validated.

    Raises
    ------
    ScenarioError
        One line naming ``source`` (default: the scenario's file), the
        candidates and the field.
    """
    data = scenario_dict(scenario)
    for c in candidates:
        data = merge_overlay(data, c.overlay)
    arm = arm_name([c.id for c in candidates])
    if candidates:
        data["name"] = f"{scenario.name}+{arm}"
    return parse_scenario(data, source=source or f"{label(scenario)}: {arm}")


def validate_candidates(scenario: Scenario, cset: CandidateSet) -> None:
    """Check every candidate's edits against the scenario (sections, nodes, factors, policies).

    Each candidate is checked alone and merged onto the scenario, so an error
    names the candidates file, the candidate and the field as the candidate
    gives it.
    """
    from mobility.infrastructure import scenario_network

    data = scenario_dict(scenario)
    bare = {k: v for k, v in data.items() if k not in OVERLAY_KEYS}
    for i, c in enumerate(cset.candidates):
        where = f"{cset.source}: candidates[{i}] ({c.id})"
        alone = c.overlay
        if "policies" in alone:  # policy fields depend on each other (clearance: custom needs clearance_hours)
            alone["policies"] = {**data["policies"], **alone["policies"]}
        parse_scenario({**bare, **alone}, source=where)
        scenario_network(apply_candidates(scenario, [c], source=where))


def _leaves(overlay: Mapping[str, Any]) -> dict[tuple[str, ...], Any]:
    """The settings a candidate makes, one key per setting (for conflicts between candidates)."""
    out: dict[tuple[str, ...], Any] = {}
    for key, value in overlay.items():
        if key == "infrastructure":
            for sec, attrs in (value.get("sections") or {}).items():
                for attr, v in (attrs or {}).items():
                    out[("section", sec, attr)] = v
            for t in value.get("terminals") or ():
                out[("terminal", t.get("node", ""), t.get("method", ""))] = t.get("ramps")
        else:
            for k, v in (value or {}).items():
                out[(key, k)] = v
    return out


def conflicts(a: Candidate, b: Candidate) -> list[str]:
    """Why two candidates cannot be combined: settings both make with different values, and sections one
    closes that the other edits (e.g. Rail Baltica replacing line 51 and a second track on line 51: the
    edit of a section that no longer exists would change nothing, and is refused)."""
    la, lb = _leaves(a.overlay), _leaves(b.overlay)
    out = [".".join(k) for k in sorted(set(la) & set(lb)) if la[k] != lb[k]]
    for x, lx, ly in ((a, la, lb), (b, lb, la)):
        closed = {k[1] for k in lx if k[0] == "section" and k[2] == "closes"}
        edited = sorted({k[1] for k in ly if k[0] == "section" and k[1] in closed and k[2] != "closes"})
        out += [f"section.{sec}: closed by {x.id}, edited by {(b if x is a else a).id}" for sec in edited]
    return out


def check_runnable(scenario: Scenario) -> None:
    from mobility.infrastructure import scenario_network

    check_uncertainties(scenario.uncertainties, source=label(scenario))
    scenario_network(scenario)
