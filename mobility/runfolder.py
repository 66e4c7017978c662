"""Reading a run folder back, defensively: every file's schema is checked before it is used.

A run folder may have been edited, truncated, copied half-way or written by an
older version. Each reader here returns the file's content only when it has the
columns (or keys) and types the briefing code relies on; otherwise it raises a
:class:`~mobility.errors.MobilityError` of one line naming the file and what is
wrong. Extra columns and keys are allowed (newer versions add them).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pandas as pd

from mobility.errors import MobilityError

NUMBER, TEXT = "number", "text"

#: Columns every reader of ``events.parquet`` relies on, and their kinds.
EVENT_COLUMNS = {"time": NUMBER, "unit": TEXT, "mover": TEXT, "mode": TEXT, "event": TEXT, "place": TEXT,
                 "resource": TEXT, "amount": NUMBER, "troops": NUMBER, "vehicles": NUMBER}
#: Columns of the CSV tables of a run folder that the readers rely on.
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "closure.csv": {"day": NUMBER, "closed": NUMBER},
    "units.csv": {"unit": TEXT, "ready_day": NUMBER, "closed_day": NUMBER},
    "bottlenecks.csv": {"resource": TEXT, "kind": TEXT, "place": TEXT, "capacity": NUMBER, "utilisation": NUMBER,
                        "requests": NUMBER,
                        "mean_wait_h": NUMBER, "max_wait_h": NUMBER, "total_wait_h": NUMBER},
}
#: Columns that must hold a value in every row (the others may be empty, e.g. a unit not yet closed).
NOT_EMPTY = {"time", "event", "day", "closed", "resource"}
#: Keys of ``summary.json`` the readers use, with the JSON types they must have (None: may be null).
SUMMARY_KEYS: dict[str, tuple[type | None, ...]] = {
    "scenario": (str,), "network": (str,), "year": (int, None), "tiers": (list,),
}
TIER_KEYS = ("day", "required", "closed")
MAX_BYTES = 2_000_000_000
"""Largest run file read (a 180-day baseline's events are ~2 MB)."""


def _bad(path: Path, what: str) -> MobilityError:
    return MobilityError(f"{path}: {what}; run the scenario again to rewrite the folder")


def _check_size(path: Path) -> None:
    if not path.is_file():
        raise _bad(path, "missing (not a complete run folder)")
    if path.stat().st_size > MAX_BYTES:
        raise _bad(path, f"{path.stat().st_size:,} bytes, above the limit of {MAX_BYTES:,}")


def check_columns(frame: pd.DataFrame, columns: dict[str, str], path: Path) -> pd.DataFrame:
    """``frame`` if it has ``columns`` of the right kinds; else one-line :class:`MobilityError`."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise _bad(path, f"no column {', '.join(missing)} (has {', '.join(map(str, frame.columns[:12])) or 'none'})")
    if len(set(map(str, frame.columns))) != len(frame.columns):
        raise _bad(path, "duplicate column names")
    for col, kind in columns.items():
        s = frame[col]
        if kind == NUMBER:
            num = pd.to_numeric(s, errors="coerce")
            bad = num.isna() & s.notna()
            if bad.any():
                raise _bad(path, f"column {col}: {str(s[bad].iloc[0])[:40]!r} (row {int(bad.idxmax()) + 1}) is "
                                 "not a number")
            if col in NOT_EMPTY and num.isna().any():
                raise _bad(path, f"column {col}: empty in row {int(num.isna().idxmax()) + 1}")
            if len(num) and not num.dropna().map(math.isfinite).all():
                raise _bad(path, f"column {col}: holds an infinite value")
            frame[col] = num
        elif col in NOT_EMPTY and s.isna().any():
            raise _bad(path, f"column {col}: empty in row {int(s.isna().idxmax()) + 1}")
    return frame


def read_table(folder: Path, name: str) -> pd.DataFrame:
    """A CSV table of the run folder (``closure.csv``, ``units.csv``, ``bottlenecks.csv``), checked."""
    path = Path(folder) / name
    _check_size(path)
    try:
        frame = pd.read_csv(path, keep_default_na=True)
    except pd.errors.EmptyDataError:
        raise _bad(path, "empty file") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        raise _bad(path, f"not a readable CSV table ({_first_line(exc)})") from None
    return check_columns(frame, TABLE_COLUMNS[name], path)


def read_events(folder: Path) -> pd.DataFrame:
    """``events.parquet`` of the run folder, checked (columns, numbers, times finite and not negative)."""
    path = Path(folder) / "events.parquet"
    _check_size(path)
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types for a damaged file
        raise _bad(path, f"not a readable Parquet file ({type(exc).__name__}: {_first_line(exc)})") from None
    frame = check_columns(frame, EVENT_COLUMNS, path)
    if len(frame) and (frame["time"] < 0).any():
        raise _bad(path, "column time: negative times")
    for col, kind in EVENT_COLUMNS.items():
        if kind == TEXT and not isinstance(frame[col].dtype, pd.CategoricalDtype):
            frame[col] = frame[col].astype("string").fillna("").astype("category")
    return frame


def read_summary(folder: Path) -> dict[str, Any]:
    """``summary.json`` of the run folder, checked (an object with the keys the readers use)."""
    path = Path(folder) / "summary.json"
    _check_size(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise _bad(path, f"not valid JSON ({_first_line(exc)})") from None
    except RecursionError:
        raise _bad(path, "nested too deeply") from None
    if not isinstance(data, dict):
        raise _bad(path, f"holds a JSON {type(data).__name__}, not an object")
    for key, types in SUMMARY_KEYS.items():
        if key not in data:
            raise _bad(path, f"no key {key!r}")
        v = data[key]
        ok = any((t is None and v is None) or (t is not None and isinstance(v, t) and not isinstance(v, bool))
                 for t in types)
        if not ok:
            want = " or ".join("null" if t is None else t.__name__ for t in types)
            raise _bad(path, f"{key}: {str(v)[:40]!r} is not {want}")
    for i, tier in enumerate(data["tiers"]):
        if not isinstance(tier, dict):
            raise _bad(path, f"tiers[{i}]: not an object")
        for k in TIER_KEYS:
            v = tier.get(k)
            if not isinstance(v, int | float) or isinstance(v, bool) or not math.isfinite(v):
                raise _bad(path, f"tiers[{i}].{k}: {str(v)[:40]!r} is not a number")
        met = tier.get("met_day")
        if met is not None and (not isinstance(met, int | float) or isinstance(met, bool)):
            raise _bad(path, f"tiers[{i}].met_day: {str(met)[:40]!r} is not a number or null")
    return data


def _no_constant(name: str) -> None:
    raise ValueError(f"{name} is not allowed")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:120]
