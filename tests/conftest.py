"""Shared fixtures: small scenarios built from the shipped baseline."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def baseline_dict() -> dict:
    """The shipped baseline scenario as a mapping."""
    return yaml.safe_load((ROOT / "scenarios" / "baseline.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def root() -> Path:
    """The repository root."""
    return ROOT
