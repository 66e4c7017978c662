"""docs/scenario.md and docs/scenario.schema.json are what `python -m mobility.schema_docs` writes now."""

from __future__ import annotations

import json

from mobility.schema_docs import DOC_FILE, ROOT, SCHEMA_FILE, main, outputs, scenario_schema


def test_regenerating_changes_nothing() -> None:
    for path, text in outputs().items():
        assert path.is_file(), f"{path} is missing; run `python -m mobility.schema_docs`"
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(ROOT)} is out of date with mobility/scenario.py; run `python -m mobility.schema_docs`")
    assert main(["--check"]) == 0


def test_every_field_is_documented_with_type_default_and_meaning() -> None:
    schema = scenario_schema()
    doc = (ROOT / DOC_FILE).read_text(encoding="utf-8")
    models = {"Scenario": schema, **schema["$defs"]}
    for name, node in models.items():
        assert f"\n## {name}\n" in doc, name
        section = doc.split(f"\n## {name}\n", 1)[1].split("\n## ", 1)[0]
        for field in node["properties"]:
            row = next((ln for ln in section.splitlines() if ln.startswith(f"| `{field}` |")), None)
            assert row is not None, f"{name}.{field} is not in {DOC_FILE}"
            cells = [c.strip() for c in row.strip("|").split(" | ")]
            assert cells[1] and cells[2], f"{name}.{field}: no type or default"
            assert cells[4] != "–", f"{name}.{field}: no meaning (add a description= to the field)"


def test_the_json_schema_takes_what_users_write() -> None:
    schema = json.loads((ROOT / SCHEMA_FILE).read_text(encoding="utf-8"))
    props = schema["properties"]
    assert "source_file" not in props  # set by the program, never by a user
    assert {"name", "forces"} <= set(schema["required"])
    assert {"type": "string"}.items() <= props["threats"]["items"]["anyOf"][0].items()  # a preset file name
    assert schema["$defs"]["ForceEntry"]["additionalProperties"] is False  # misspelt keys are flagged
