"""The event log: one tidy table that every output is computed from (see docs/event-log.md)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["time", "unit", "mover", "mode", "event", "place", "resource", "amount", "troops", "vehicles"]


class EventLog:
    """Append-only rows; :meth:`frame` gives the DataFrame.

    A row is held as ``(time, who, event, place, resource, amount)``, with ``who`` the mover's
    :class:`~mobility.sim.resources.Who` itself (shared by all its rows): a row costs one short
    tuple during the run, and the mover's fields are spread over the rows once, in :meth:`frame`.
    """

    def __init__(self) -> None:
        self._rows: list[tuple[Any, ...]] = []

    def add(self, time: float, who: Any, event: str, place: str, resource: str = "", amount: int = 0) -> None:
        """Append one row for ``who`` (a :class:`mobility.sim.resources.Who`)."""
        self._rows.append((time, who, event, place, resource, amount))

    def last_time(self) -> float:
        """Time of the latest row (0 for an empty log)."""
        return max((r[0] for r in self._rows), default=0.0)

    def uses(self, resource: str) -> bool:
        """Whether any row names ``resource``."""
        return any(r[4] == resource for r in self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame in event order, with categorical text columns."""
        import pandas as pd

        rows = self._rows
        raw = pd.DataFrame.from_records(rows, columns=["time", "who", "event", "place", "resource", "amount"])
        df = pd.DataFrame({"time": raw["time"]})
        if len(rows):
            # each mover's fields read once, then spread over its rows
            who = raw["who"].to_numpy()
            ids = np.fromiter(map(id, who), dtype=np.uint64, count=len(rows))
            _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
            movers = who[first]

            def spread(name: str, dtype: Any) -> np.ndarray:
                return np.array([getattr(w, name) for w in movers], dtype=dtype)[inverse]
        else:
            def spread(name: str, dtype: Any) -> np.ndarray:
                return np.array([], dtype=dtype)
        for c in ("unit", "mover", "mode"):
            df[c] = spread(c, object)
        for c in ("event", "place", "resource", "amount"):
            df[c] = raw[c]
        for c in ("troops", "vehicles"):
            df[c] = spread(c, np.int64)
        for c in ("unit", "mover", "mode", "event", "place", "resource"):
            df[c] = df[c].astype("category")
        df["amount"] = df["amount"].astype("int32")
        df["troops"] = df["troops"].astype("int32")
        df["vehicles"] = df["vehicles"].astype("int32")
        return df


def event_log_digest(events: pd.DataFrame) -> str:
    """SHA-256 of a canonical serialisation of an event log (the frame of :meth:`EventLog.frame`).

    The serialisation depends only on the log's content, not on how the frame stores it: each
    column in order, its name, then its values (numbers as little-endian float64 or int64, text as
    UTF-8 joined by a unit separator). Two runs give the same digest exactly when their logs hold
    the same rows in the same order with the same columns.
    """
    import hashlib

    import numpy as np
    import pandas as pd

    h = hashlib.sha256()
    h.update(f"rows={len(events)}\n".encode())
    for name in events.columns:
        col = events[name]
        h.update(f"\x1ecolumn={name}\n".encode())
        if isinstance(col.dtype, pd.CategoricalDtype) or col.dtype == object:
            h.update("\x1f".join(map(str, col.tolist())).encode("utf-8"))
        elif pd.api.types.is_float_dtype(col.dtype):
            h.update(np.ascontiguousarray(col.to_numpy(), dtype="<f8").tobytes())
        else:
            h.update(np.ascontiguousarray(col.to_numpy(), dtype="<i8").tobytes())
    return h.hexdigest()
