"""The event log: one tidy table that every output is computed from (see docs/event-log.md)."""

from __future__ import annotations

import sys
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    import pandas as pd

COLUMNS = ["time", "unit", "mover", "mode", "event", "place", "resource", "amount", "troops", "vehicles"]


class EventLog:
    """Append-only rows; :meth:`frame` gives the DataFrame.

    A row is ``(time, who, event, place, resource, amount)``, with ``who`` the mover's
    :class:`~mobility.sim.resources.Who` itself (shared by all its rows). The rows are held end to
    end in one flat list, six fields a row: a row costs six list slots during the run (no tuple of
    its own), each column is one strided slice of the list, and the mover's fields are spread over
    the rows once, in :meth:`frame`.
    """

    WIDTH = 6  # fields a row

    def __init__(self) -> None:
        self._flat: list[Any] = []

    def add(self, time: float, who: Any, event: str, place: str, resource: str = "", amount: int = 0) -> None:
        """Append one row for ``who`` (a :class:`mobility.sim.resources.Who`)."""
        self._flat += (time, who, event, place, resource, amount)

    def last_time(self) -> float:
        """Time of the latest row (0 for an empty log)."""
        return max(self._flat[0::6], default=0.0)

    def uses(self, resource: str) -> bool:
        """Whether any row names ``resource``."""
        return resource in self._flat[4::6]

    def held_bytes(self) -> int:
        """Bytes the rows hold during the run: the list's slots and each row's time (the other
        fields are shared objects: the mover, interned names, small integers)."""
        return sys.getsizeof(self._flat) + sum(map(sys.getsizeof, self._flat[0::6]))

    def clear(self) -> None:
        """Drop every row (once :meth:`frame` holds them): the rows are freed at once, by reference
        counting, rather than left in the model's reference cycles for the garbage collector."""
        self._flat = []

    def __len__(self) -> int:
        return len(self._flat) // 6

    def only(self, events: Collection[str]) -> EventLog:
        """The rows whose event is one of ``events``, in their order, as a log of their own: to frame
        just the rows an output reads (a sweep keeps only the closure curve and the tier table)."""
        keep, flat, out = set(events), self._flat, EventLog()
        for i, event in enumerate(flat[2::6]):
            if event in keep:
                out._flat += flat[6 * i:6 * i + 6]
        return out

    def frame(self) -> pd.DataFrame:
        """The log as a DataFrame in event order, with categorical text columns (categories sorted)."""
        import pandas as pd

        flat, n = self._flat, len(self)
        df = pd.DataFrame({"time": np.array(flat[0::6], dtype=np.float64)})
        who = flat[1::6]
        # each mover's fields read once (movers in order of their first row), then spread over its rows
        inverse, _ = pd.factorize(np.fromiter(map(id, who), dtype=np.uint64, count=n))
        first = np.empty(inverse.max() + 1 if n else 0, dtype=np.intp)
        first[inverse[::-1]] = np.arange(n - 1, -1, -1)  # the last write for a mover is its first row
        movers = [who[i] for i in first]

        def spread(name: str) -> list[Any]:
            return [getattr(w, name) for w in movers]

        for c in ("unit", "mover", "mode"):
            df[c] = _categorical(spread(c), inverse)
        for i, c in ((2, "event"), (3, "place"), (4, "resource")):
            df[c] = _categorical(flat[i::6])
        df["amount"] = np.array(flat[5::6], dtype=np.int32)
        for c in ("troops", "vehicles"):
            df[c] = np.array(spread(c), dtype=np.int32)[inverse]
        return df


def text(col: pd.Series) -> np.ndarray:
    """A text column of the event log as an object array of Python strings, what
    ``col.astype(str).to_numpy()`` gives, read through the column's categories: one conversion per
    category instead of one per row (converting a 191,000-row column to pandas' ``str`` costs ~45 ms)."""
    import pandas as pd

    if not isinstance(col.dtype, pd.CategoricalDtype):
        return col.astype(str).to_numpy(dtype=object)
    cats = np.array([*map(str, col.cat.categories), "nan"], dtype=object)  # code -1 (missing) reads "nan"
    return cats[col.cat.codes.to_numpy()]


def text_index(col: pd.Series) -> pd.Index:
    """:func:`text` as an object index (pandas would otherwise convert every row to ``str`` again)."""
    import pandas as pd

    return pd.Index(text(col), dtype=object)


def _categorical(values: list[str], take: np.ndarray | None = None) -> pd.Categorical:
    """``values`` (or ``values[take]``) as a categorical with sorted categories, the column
    ``astype("category")`` gives, without building the full column of objects first."""
    import pandas as pd

    codes, cats = pd.factorize(np.array(values, dtype=object), sort=True)
    if take is not None:
        codes = codes[take]
    return pd.Categorical.from_codes(codes.astype(np.int32, copy=False), categories=pd.Index(cats).astype("str"))


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
