"""The event log: one tidy table that every output is computed from (see docs/event-log.md)."""

from __future__ import annotations

from typing import Any

import pandas as pd

COLUMNS = ["time", "unit", "mover", "mode", "event", "place", "resource", "amount", "troops", "vehicles"]


class EventLog:
    """Append-only rows; :meth:`frame` gives the DataFrame."""

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] = []

    def add(self, time: float, who: Any, event: str, place: str, resource: str = "", amount: int = 0) -> None:
        """Append one row for ``who`` (a :class:`mobility.sim.resources.Who`)."""
        self._rows.append((time, who.unit, who.mover, who.mode, event, place, resource, amount,
                           who.troops, who.vehicles))

    def last_time(self) -> float:
        """Time of the latest row (0 for an empty log)."""
        return max((r[0] for r in self._rows), default=0.0)

    def __len__(self) -> int:
        return len(self._rows)

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame in event order, with categorical text columns."""
        df = pd.DataFrame.from_records(self._rows, columns=COLUMNS)
        for c in ("unit", "mover", "mode", "event", "place", "resource"):
            df[c] = df[c].astype("category")
        df["amount"] = df["amount"].astype("int32")
        df["troops"] = df["troops"].astype("int32")
        df["vehicles"] = df["vehicles"].astype("int32")
        return df
