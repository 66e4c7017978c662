"""Points: a scenario at given values of uncertainties and levers.

A point maps keys to values:

* a planning-factor key (``mobility.factors``; the random delays
  ``section_delay_hours`` and ``breakdown_probability`` are factors): the
  factor takes the value and any uncertainty on it is dropped;
* ``resources.<field>`` and ``policies.<field>``: the scenario's setting;
* ``infrastructure.sections.<section id>.<attribute>``: a section attribute
  (e.g. ``trains_per_day``, ``tracks``);
* ``terminals.<node>.<method>``: the ramps of a terminal (``transload``,
  ``bogie_exchange`` or ``ramp``) — a numeric lever such as "ramps 1 to 3".

Because each uncertainty draws from its own stream of the run's seed
(:mod:`mobility.sim.uncertainty`), the run at the values a replication drew,
with that replication's seed, is that replication.

>>> from mobility.analysis.experiments.points import parse_assignments
>>> parse_assignments(["resources.wagons_1435=900", "section_delay_hours=0.5"])
{'resources.wagons_1435': 900, 'section_delay_hours': 0.5}
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mobility.errors import ScenarioError
from mobility.scenario import Policies, Resources, Scenario, parse_scenario

__all__ = ["at_point", "overlay_of", "parse_assignments", "point_keys_help"]

_METHODS = ("transload", "bogie_exchange", "ramp")


def point_keys_help() -> str:
    """The kinds of key a point takes, for messages."""
    return ("a factor key (see mobility.factors; incl. section_delay_hours, breakdown_probability), "
            "resources.<field>, policies.<field>, infrastructure.sections.<section>.<attribute>, "
            "infrastructure.holding_tracks.<node> or terminals.<node>.<method>")


def parse_assignments(items: Sequence[str], *, flag: str = "--set") -> dict[str, Any]:
    """``KEY=VALUE`` strings as a point (values read as YAML scalars: numbers, true/false, words)."""
    import yaml

    out: dict[str, Any] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip() or not raw.strip():
            raise ScenarioError(f"{flag} {item}: give KEY=VALUE, e.g. {flag} resources.wagons_1435=900")
        try:
            out[key.strip()] = yaml.safe_load(raw.strip())
        except yaml.YAMLError:
            raise ScenarioError(f"{flag} {item}: {raw!r} is not a value; give a number or a word") from None
    return out


def overlay_of(key: str, value: Any, *, where: str) -> dict[str, Any]:
    """The partial scenario (a candidate overlay, see :func:`merge_overlay`) that sets ``key`` to ``value``."""
    from mobility.factors import Factors

    if key in Factors.defaults():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise ScenarioError(f"{where}: {value!r} is not a number; give the factor's value")
        return {"factors": {key: float(value)}}
    head, _, rest = key.partition(".")
    if head in ("resources", "policies") and rest:
        model = Resources if head == "resources" else Policies
        if rest not in model.model_fields:
            raise ScenarioError(f"{where}: unknown field {rest!r}; {head} has {', '.join(model.model_fields)}")
        if isinstance(value, float) and value.is_integer() and head == "resources":
            value = int(value)
        return {head: {rest: value}}
    if head == "infrastructure" and rest.startswith("sections.") and rest.count(".") >= 2:
        sec, _, attr = rest.removeprefix("sections.").rpartition(".")
        return {"infrastructure": {"sections": {sec: {attr: value}}}}
    if head == "infrastructure" and rest.startswith("holding_tracks.") and rest.count(".") == 1:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ScenarioError(f"{where}: {value!r} is not a number of trains; give a whole number, 0 or more")
        return {"infrastructure": {"holding_tracks": {rest.partition(".")[2]: value}}}
    if head == "terminals" and rest.count(".") == 1:
        node, method = rest.split(".")
        if method not in _METHODS:
            raise ScenarioError(f"{where}: unknown terminal method {method!r}; use one of {', '.join(_METHODS)}")
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ScenarioError(f"{where}: {value!r} is not a number of ramps; give a whole number, 0 or more")
        return {"infrastructure": {"terminals": [{"node": node, "method": method, "ramps": value}]}}
    raise ScenarioError(f"{where}: unknown key; give {point_keys_help()}")


def at_point(scenario: Scenario, values: Mapping[str, Any], *, source: str = "--set") -> Scenario:
    """The scenario at the point ``values`` (see the module docs), validated.

    Raises
    ------
    ScenarioError
        One line naming ``source``, the key and the fix (unknown key, value out of range).
    """
    if not values:
        return scenario
    from mobility.analysis.experiments.candidates import merge_overlay

    data = scenario.model_dump(mode="json")
    for key, value in values.items():
        overlay = overlay_of(key, value, where=f"{source} {key}")
        if "factors" in overlay:  # a value given for an uncertain factor replaces its distribution
            data["uncertainties"] = [u for u in data.get("uncertainties", []) if u["factor"] != key]
        data = merge_overlay(data, overlay)
    label = scenario.source_file or scenario.name
    return parse_scenario(data, source=f"{label} ({source})")
