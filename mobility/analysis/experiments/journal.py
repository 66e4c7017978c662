"""A sweep's journal: every finished run appended to a file as it arrives.

A comparison of 47 arms x 20 replications runs for minutes. Each run's output (the closure
curve, the tier table and the values it drew: about 2 KB) is written to the journal as one
JSON line and flushed as soon as it comes back, so a sweep that is interrupted (Ctrl-C, a
lost cluster, a killed process) keeps what finished, and the same command started again
runs only what is missing. The final tables are built from the journal.

The first line says what the runs belong to: a fingerprint of every run's inputs (arm,
replication, seed, scenario) and of the code and network data that compute them. A journal
is reused only when the fingerprint is the same, so a resumed sweep gives exactly the
results of an uninterrupted one; a journal of another design or another version of the code
is started afresh. A line cut short by a killed process is dropped.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import IO

import numpy as np

from mobility.analysis.experiments.evaluation import RunOutput, RunSpec
from mobility.errors import MobilityError

KIND = "mobility-runs"
"""The ``kind`` of a journal's first line."""
FORMAT = 1


@cache
def code_digest() -> str:
    """SHA-256 of the package's Python files and the embedded networks' data: what computes a run."""
    import mobility
    import mobility.networks

    h = hashlib.sha256()
    for root, pattern in ((Path(mobility.__file__).parent, "*.py"), (Path(mobility.networks.__file__).parent, "*")):
        for p in sorted(root.rglob(pattern)):
            if p.is_file() and "__pycache__" not in p.parts:
                h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()


def fingerprint(specs: Sequence[RunSpec]) -> str:
    """What the runs of ``specs`` depend on: their inputs, the code and the network data."""
    h = hashlib.sha256(code_digest().encode())
    for s in specs:
        h.update(json.dumps([s.arm, s.replication, s.seed, s.scenario, s.source, s.check], sort_keys=True,
                            default=str).encode())
        h.update(b"\n")
    return h.hexdigest()


def to_line(out: RunOutput) -> str:
    """One run as one JSON line (floats written exactly; NaN as ``NaN``)."""
    return json.dumps({"arm": out.arm, "replication": out.replication, "seed": out.seed,
                       "closed": [int(x) for x in out.closed], "tier_days": list(out.tier_days),
                       "tier_required": list(out.tier_required), "tier_closed": list(out.tier_closed),
                       "met_day": list(out.met_day), "troops_total": out.troops_total,
                       "draws": [[k, v] for k, v in out.draws]}, allow_nan=True, separators=(",", ":"))


def from_line(line: str) -> RunOutput:
    """The run of :func:`to_line`."""
    d = json.loads(line)
    return RunOutput(arm=str(d["arm"]), replication=int(d["replication"]), seed=int(d["seed"]),
                     closed=np.asarray(d["closed"], dtype=np.int64), tier_days=tuple(int(x) for x in d["tier_days"]),
                     tier_required=tuple(int(x) for x in d["tier_required"]),
                     tier_closed=tuple(int(x) for x in d["tier_closed"]),
                     met_day=tuple(float(x) for x in d["met_day"]), troops_total=int(d["troops_total"]),
                     draws=tuple((str(k), float(v)) for k, v in d["draws"]))


class Journal:
    """The runs of one sweep in an append-only file of JSON lines (see the module's docstring).

    Parameters
    ----------
    path
        The file. If it holds a journal of the same runs (same fingerprint), its runs are kept
        (:attr:`kept`) and new ones appended; otherwise it is started afresh when the first run
        is written. A file that is not a journal is refused (:class:`MobilityError`).
    specs
        Every run of the sweep.
    flag
        How the command line names the file, for the error message.
    """

    def __init__(self, path: str | Path, specs: Sequence[RunSpec], *, flag: str = "journal") -> None:
        self.path = Path(path)
        self.specs = {(s.arm, s.replication): s for s in specs}
        self.fingerprint = fingerprint(specs)
        self._flag = flag
        self._file: IO[str] | None = None
        self._good_bytes = 0  # length of the file's complete lines that belong to this journal
        self.kept: dict[tuple[str, int], RunOutput] = self._read_kept()
        self.written = 0  # runs appended by this sweep

    def _header(self) -> str:
        return json.dumps({"kind": KIND, "format": FORMAT, "fingerprint": self.fingerprint,
                           "runs": len(self.specs)}) + "\n"

    def _read_kept(self) -> dict[tuple[str, int], RunOutput]:
        if not self.path.exists():
            return {}
        if not self.path.is_file():
            raise MobilityError(f"{self._flag} {self.path}: is not a file; remove it or choose another --out")
        raw = self.path.read_bytes()
        lines = raw.split(b"\n")
        try:
            head = json.loads(lines[0])
            ours = isinstance(head, dict) and head.get("kind") == KIND
        except (ValueError, UnicodeDecodeError):
            ours = False
        if not ours:
            if not raw:
                return {}
            raise MobilityError(f"{self._flag} {self.path}: exists and is not a journal of mobility runs, so it is "
                                "left alone; remove it or choose another --out")
        if head.get("fingerprint") != self.fingerprint or head.get("format") != FORMAT:
            return {}  # another design, or other code: start afresh
        kept: dict[tuple[str, int], RunOutput] = {}
        good = len(lines[0]) + 1
        for line in lines[1:-1]:  # the last piece has no newline: empty, or a line cut short
            try:
                out = from_line(line.decode("utf-8"))
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                break  # cut short or damaged: what follows is not trusted
            spec = self.specs.get((out.arm, out.replication))
            if spec is None or spec.seed != out.seed:
                break
            kept[(out.arm, out.replication)] = out
            good += len(line) + 1
        self._good_bytes = good
        return kept

    def add(self, out: RunOutput) -> None:
        """Append one run and flush it to the file."""
        if self._file is None:
            self._open()
        assert self._file is not None
        self._file.write(to_line(out) + "\n")
        self._file.flush()
        self.written += 1

    def _open(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            if self.kept:
                with self.path.open("r+b") as f:  # drop a line cut short and anything after it
                    f.truncate(self._good_bytes)
                self._file = self.path.open("a", encoding="utf-8")
            else:
                self._file = self.path.open("w", encoding="utf-8")
                self._file.write(self._header())
                self._file.flush()
        except OSError as exc:
            raise MobilityError(f"{self._flag} {self.path}: cannot write there ({exc.strerror}); "
                                "choose another --out") from None

    def close(self) -> None:
        """Close the file (it stays on disk)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def runs(self, specs: Sequence[RunSpec]) -> list[RunOutput]:
        """The runs of ``specs`` read back from the file, in the order of ``specs``.

        Raises
        ------
        RuntimeError
            A run is missing from the file, or the file was started by another sweep.
        """
        self.close()
        text = self.path.read_text(encoding="utf-8").split("\n")
        head = json.loads(text[0])
        if head.get("fingerprint") != self.fingerprint:
            raise RuntimeError(f"{self.path}: was rewritten by another sweep while this one ran")
        got: dict[tuple[str, int], RunOutput] = {}
        for line in text[1:]:
            if line:
                out = from_line(line)
                got.setdefault((out.arm, out.replication), out)
        missing = [(s.arm, s.replication) for s in specs if (s.arm, s.replication) not in got]
        if missing:
            raise RuntimeError(f"{self.path}: {len(missing)} run(s) missing, e.g. arm {missing[0][0]} "
                               f"replication {missing[0][1]}")
        return [got[(s.arm, s.replication)] for s in specs]


def finished_runs(path: str | Path) -> int:
    """How many runs the journal at ``path`` holds (0 if it cannot be read): its complete lines after the first."""
    try:
        lines = Path(path).read_text(encoding="utf-8").split("\n")[1:]
    except OSError:
        return 0
    return sum(1 for line in lines if line.endswith("}"))
