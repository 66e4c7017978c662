"""The scenario format's reference, generated from the pydantic schema in :mod:`mobility.scenario`.

Writes ``docs/scenario.md`` (every field: type, default, constraints, description and an
example from the shipped scenarios) and ``docs/scenario.schema.json`` (JSON Schema, for
editor completion of YAML scenario files). Regenerate both after changing the schema::

    python -m mobility.schema_docs           # rewrite the two files
    python -m mobility.schema_docs --check   # exit 1 if they are out of date

``tests/test_scenario_docs.py`` fails when the files differ from what this writes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from mobility.scenario import Scenario

ROOT = Path(__file__).resolve().parents[1]
DOC_FILE = Path("docs") / "scenario.md"
SCHEMA_FILE = Path("docs") / "scenario.schema.json"
EXAMPLE_GLOBS = ("scenarios/*.yaml", "scenarios/threats/*.yaml")
EXAMPLE_WIDTH = 70

#: meanings of fields whose schema has no ``description`` yet (the schema's own wins when it has one)
MEANINGS: dict[tuple[str, str], str] = {
    ("Scenario", "name"): "name of the run (report title; default output folder under runs/)",
    ("Scenario", "description"): "free text shown at the top of the report",
    ("Scenario", "network"): "embedded network to run on (`mobility network`)",
    ("Scenario", "year"): "infrastructure year: only sections and terminals in service that year are used",
    ("Scenario", "d_day"): "calendar date of D (day 0)",
    ("Scenario", "horizon_days"): "days simulated after D",
    ("Scenario", "seed"): "seed of the run's random numbers: same scenario and seed, same run",
    ("Scenario", "forces"): "the force list: what moves, from where, to where, from when",
    ("Scenario", "targets"): "NATO Force Model targets the closure is measured against",
    ("Scenario", "policies"): "rules the planners set",
    ("Scenario", "resources"): "pools of rolling stock, transporters and berths",
    ("Scenario", "infrastructure"): "changes to the network's terminals and sections",
    ("Scenario", "disruptions"): "sections, nodes or terminals closed for a time",
    ("Scenario", "factors"): "planning factors replaced for this scenario (keys of the factor table in the report)",
    ("Scenario", "uncertainties"): "factors drawn anew in every replication",
    ("Scenario", "unit_types"): "unit types added to the catalogue or replacing one of its entries",
    ("ForceEntry", "count"): "number of units on this line",
    ("ForceEntry", "origin"): "node id where the units start (`mobility network --nodes`)",
    ("ForceEntry", "destination"): "node id where the units close",
    ("ForceEntry", "mode"): "rail, road, or auto (the model chooses)",
    ("Tier", "day"): "day after D",
    ("Tier", "troops"): "troops required by that day (read as `reading` says)",
    ("Targets", "tiers"): "the tiers, by day",
    ("PlanRequirement", "tiers"): "the tiers, by day",
    ("Policies", "clearance"): "border clearance regime: peacetime or emergency rules, or custom (`clearance_hours`)",
    ("Resources", "wagons_1435"): "flat wagons for military loads, 1435 mm gauge",
    ("Resources", "wagons_1520"): "flat wagons for military loads, 1520 mm gauge",
    ("Resources", "locomotives_1435"): "locomotives available for military trains, 1435 mm gauge",
    ("Resources", "locomotives_1520"): "locomotives available for military trains, 1520 mm gauge",
    ("Resources", "hets"): "heavy equipment transporters (carry tracked vehicles by road)",
    ("Infrastructure", "terminals"): "terminals whose ramps or machines to set",
    ("Infrastructure", "sections"): "section id → attributes to change (`mobility network --sections --year YEAR`)",
    ("TerminalOverride", "node"): "node id of the terminal",
    ("TerminalOverride", "method"): "how the terminal works: transload, bogie exchange or loading ramp",
    ("TerminalOverride", "ramps"): "ramps (or machines) working in parallel",
    ("Disruption", "section"): "section id closed",
    ("Disruption", "node"): "node id closed",
    ("Disruption", "from_day"): "first day closed (days after D)",
    ("Disruption", "to_day"): "day it reopens (days after D)",
    ("Uncertainty", "distribution"): "shape of the draw",
    ("Uncertainty", "low"): "uniform and triangular: lowest value",
    ("Uncertainty", "mode"): "triangular: most likely value",
    ("Uncertainty", "high"): "uniform and triangular: highest value",
    ("Uncertainty", "mean"): "lognormal: median",
    ("Uncertainty", "sigma"): "lognormal: sigma of the log",
    ("UnitTypeSpec", "name"): "name shown in reports",
    ("UnitTypeSpec", "personnel"): "troops in one unit",
    ("UnitTypeSpec", "tracked"): "tracked vehicles in one unit",
    ("UnitTypeSpec", "wheeled"): "wheeled vehicles in one unit",
    ("UnitTypeSpec", "trailers"): "trailers in one unit",
    ("UnitTypeSpec", "containers"): "containers in one unit",
    ("UnitTypeSpec", "heavy"): "true for a heavy (armoured) unit",
    ("UnitTypeSpec", "source"): "where these figures come from (a source key) or 'assumption'",
    ("UnitTypeSpec", "brigade_class"): "counts towards heavy, light or other brigade equivalents",
    ("UnitTypeSpec", "brigade_equivalents"): "brigade equivalents one unit counts for",
    ("UnitTypeSpec", "brigade_source"): "source of the brigade equivalents, or 'assumption'",
    ("Threat", "name"): "name of the threat preset",
    ("Threat", "description"): "free text",
    ("Threat", "attacks"): "the attacks",
    ("Attack", "id"): "name of the attack",
    ("Attack", "section"): "section id struck",
    ("Attack", "node"): "node id struck",
    ("Attack", "border_crossing"): "node id of a border crossing struck",
    ("Attack", "port"): "node id of a port struck",
    ("Attack", "damage"): "closure: closed until repaired; capacity: loses `capacity_lost` of its capacity",
    ("Attack", "repair_days"): "time to repair the damage of one strike",
    ("Repair", "distribution"): "shape of the draw",
    ("Repair", "low"): "uniform and triangular: shortest repair",
    ("Repair", "mode"): "triangular: most likely repair",
    ("Repair", "high"): "uniform and triangular: longest repair",
}


def _models(model: type[BaseModel]) -> Iterator[type[BaseModel]]:
    """``model`` and every pydantic model its fields use, depth first."""
    seen: set[type[BaseModel]] = set()

    def walk(tp: Any) -> Iterator[type[BaseModel]]:
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            if tp in seen:
                return
            seen.add(tp)
            yield tp
            for f in tp.model_fields.values():
                yield from walk(f.annotation)
        for arg in getattr(tp, "__args__", ()) or ():
            yield from walk(arg)

    yield from walk(model)


def scenario_schema() -> dict[str, Any]:
    """The JSON Schema of a scenario file, as a user writes it.

    Fields the program sets itself (``exclude=True``, e.g. ``source_file``) are left out;
    ``threats`` items may also be a preset file name (``threats/sabotage.yaml``), which
    the loader reads before validation.
    """
    schema = Scenario.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    for m in _models(Scenario):
        target = schema if m is Scenario else defs.get(m.__name__)
        if target is None:
            continue
        for name, f in m.model_fields.items():
            if f.exclude:
                target.get("properties", {}).pop(name, None)
                if name in target.get("required", []):
                    target["required"].remove(name)
    threats = schema.get("properties", {}).get("threats")
    if threats and "items" in threats:
        threats["items"] = {"anyOf": [
            {"type": "string", "description": "a threat preset file, relative to the scenario (scenarios/threats/)"},
            threats["items"]]}
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "mobility scenario"
    return schema


# -- examples from the shipped scenarios --------------------------------------------------------
def _collect(value: Any, node: dict[str, Any], defs: dict[str, Any], out: dict[tuple[str, str], Any]) -> None:
    """Record, per (model, field), the first value the shipped scenarios give it."""
    node = _deref(node, defs)
    if "anyOf" in node:
        for alt in node["anyOf"]:
            alt_d = _deref(alt, defs)
            if isinstance(value, dict) and alt_d.get("type") == "object" or (
                    isinstance(value, list) and alt_d.get("type") == "array"):
                _collect(value, alt, defs, out)
        return
    if isinstance(value, dict) and "properties" in node:
        model = node.get("title", "")
        for k, v in value.items():
            if k in node["properties"]:
                out.setdefault((model, k), v)
                _collect(v, node["properties"][k], defs, out)
    elif isinstance(value, dict) and isinstance(node.get("additionalProperties"), dict):
        for v in value.values():
            _collect(v, node["additionalProperties"], defs, out)
    elif isinstance(value, list) and isinstance(node.get("items"), dict):
        for v in value:
            _collect(v, node["items"], defs, out)


def _deref(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return defs[ref.rsplit("/", 1)[-1]] if ref else node


def _examples(schema: dict[str, Any], root: Path) -> dict[tuple[str, str], Any]:
    defs = schema.get("$defs", {})
    out: dict[tuple[str, str], Any] = {}
    for pattern in EXAMPLE_GLOBS:
        for path in sorted(root.glob(pattern)):
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                continue
            if "forces" in data:  # a scenario
                _collect(data, schema, defs, out)
            elif "attacks" in data:  # a threat preset
                _collect(data, defs.get("Threat", {}), defs, out)
            else:  # candidates: partial scenarios (infrastructure, resources, policies, factors)
                fields = schema.get("properties", {})
                for part in [data, *(data.get("candidates") or [])]:
                    if isinstance(part, dict):
                        _collect({k: v for k, v in part.items() if k in fields and k not in ("name", "description")},
                                 schema, defs, out)
    return out


# -- markdown ------------------------------------------------------------------------------------
def _type(node: dict[str, Any]) -> str:
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{name.lower()})"
    if "anyOf" in node:
        alts = [a for a in node["anyOf"] if a.get("type") != "null"]
        text = " or ".join(_type(a) for a in alts)
        return text + (" or null" if len(alts) < len(node["anyOf"]) else "")
    if "enum" in node:
        return "one of " + ", ".join(f"`{v}`" for v in node["enum"])
    if "const" in node:
        return f"`{node['const']}`"
    t = node.get("type")
    if t == "array":
        return f"list of {_type(node.get('items', {}))}"
    if t == "object":
        extra = node.get("additionalProperties")
        return f"map of name → {_type(extra)}" if isinstance(extra, dict) else "mapping"
    if node.get("format") == "date":
        return "date (YYYY-MM-DD)"
    return {"string": "text", "integer": "whole number", "number": "number", "boolean": "true/false"}.get(
        str(t), str(t or "any"))


def _limits(node: dict[str, Any]) -> str:
    parts = []
    for alt in [node, *node.get("anyOf", [])]:
        for key, sym in (("minimum", "≥"), ("exclusiveMinimum", ">"), ("maximum", "≤"), ("exclusiveMaximum", "<")):
            if key in alt:
                v = alt[key]
                parts.append(f"{sym} {int(v):,}" if float(v).is_integer() else f"{sym} {v:g}")
        if "maxLength" in alt:
            parts.append(f"{alt.get('minLength', 0)}–{alt['maxLength']} characters")
        elif "minLength" in alt:
            parts.append(f"at least {alt['minLength']} character{'s' if alt['minLength'] != 1 else ''}")
        if "minItems" in alt:
            parts.append(f"at least {alt['minItems']} item{'s' if alt['minItems'] != 1 else ''}")
    return ", ".join(dict.fromkeys(parts))


def _inline(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str) if not isinstance(value, str) else value
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= EXAMPLE_WIDTH else text[: EXAMPLE_WIDTH - 1] + "…"


def _default(name: str, node: dict[str, Any], required: bool) -> str:
    if required:
        return "**required**"
    if "default" not in node:
        return "empty"
    d = node["default"]
    if "$ref" in node and isinstance(d, dict):
        return "the defaults below"
    if d in ([], {}, ()):
        return "empty"
    if d is None:
        return "none"
    return f"`{_inline(d)}`"


def _cell(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


def _model_section(name: str, node: dict[str, Any], examples: dict[tuple[str, str], Any]) -> list[str]:
    lines = [f"## {name}", ""]
    if node.get("description"):
        lines += [" ".join(node["description"].split()), ""]
    lines += ["| field | type | default | limits | meaning | example |", "|---|---|---|---|---|---|"]
    required = set(node.get("required", []))
    title = node.get("title", name)
    for field, f in node.get("properties", {}).items():
        ex = examples.get((title, field))
        ex_text = f"`{_inline(ex)}`" if ex is not None else "–"
        lines.append("| " + " | ".join([
            f"`{field}`", _type(f), _default(field, f, field in required), _limits(f) or "–",
            _cell(f.get("description") or MEANINGS.get((name, field), "")) or "–", ex_text]) + " |")
    return [*lines, ""]


def scenario_markdown(schema: dict[str, Any] | None = None, root: Path = ROOT) -> str:
    """``docs/scenario.md``: the scenario format, model by model, from the schema."""
    schema = schema or scenario_schema()
    defs = schema.get("$defs", {})
    examples = _examples(schema, root)
    order: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref:
                name = ref.rsplit("/", 1)[-1]
                if name not in order:
                    order.append(name)
                    visit(defs[name])
            for v in node.values():
                visit(v)
        elif isinstance(node, list):
            for v in node:
                visit(v)

    visit(schema.get("properties", {}))
    head = [
        "# Scenario files: the reference",
        "",
        "<!-- Generated by `python -m mobility.schema_docs` from mobility/scenario.py; do not edit by hand. -->",
        "",
        "A scenario is one YAML file (see `scenarios/`). This page lists every field the program reads, "
        "with its type, default, limits, meaning and an example taken from the shipped scenarios "
        "(– where none of them sets it). A field that is not listed is refused, with the file and "
        "the field named. Check a file with `mobility validate FILE`.",
        "",
        "Editor completion: `docs/scenario.schema.json` is the same schema as JSON Schema. With the "
        "YAML language server (VS Code's YAML extension and others) put this first line in a scenario:",
        "",
        "```yaml",
        "# yaml-language-server: $schema=../docs/scenario.schema.json",
        "```",
        "",
        "Ids of nodes and sections (origins, destinations, `infrastructure`, `disruptions`, threats) "
        "are listed by `mobility network --nodes` and `mobility network --sections --year YEAR`.",
        "",
    ]
    body = _model_section("Scenario", {**schema, "description": "The top level of a scenario file."},
                          examples)
    for name in order:
        body += _model_section(name, defs[name], examples)
    return "\n".join(head + body).rstrip() + "\n"


def schema_json() -> str:
    """``docs/scenario.schema.json`` as text."""
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"


def outputs(root: Path = ROOT) -> dict[Path, str]:
    """What the two files should hold."""
    return {root / DOC_FILE: scenario_markdown(root=root), root / SCHEMA_FILE: schema_json()}


def main(argv: list[str] | None = None) -> int:
    """``python -m mobility.schema_docs [--check]``."""
    p = argparse.ArgumentParser(prog="python -m mobility.schema_docs", description=__doc__.split("\n\n")[0])
    p.add_argument("--check", action="store_true", help="only check that the files are up to date (exit 1 if not)")
    args = p.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.is_file() else None
        if current == text:
            continue
        stale.append(path)
        if not args.check:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path.relative_to(ROOT)}")
    if args.check and stale:
        print("out of date: " + ", ".join(str(p.relative_to(ROOT)) for p in stale)
              + "; run `python -m mobility.schema_docs`", file=sys.stderr)
        return 1
    if not stale:
        print("docs/scenario.md and docs/scenario.schema.json are up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
