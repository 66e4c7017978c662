"""The command-line contract for bad input, written once and imported by every test that checks it.

A user's mistake (a bad scenario, candidates, OSM file or run folder) gives:
exit code 2, exactly one line on stderr starting ``mobility:``, naming the file
(and the field where there is one), no traceback, and no output folder or
temporary folder left behind.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from mobility.cli import main

EXIT_BAD_INPUT = 2


@dataclass(frozen=True)
class Outcome:
    """What one in-process CLI call returned and printed."""

    code: int
    out: str
    err: str


def run_cli(argv: Sequence[str]) -> Outcome:
    """Run ``mobility ARGV`` in this process (fast: no interpreter start-up) and capture its output."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse usage errors exit through SystemExit
            code = exc.code if isinstance(exc.code, int) else 1
    return Outcome(int(code), out.getvalue(), err.getvalue())


def leftovers(parent: Path) -> list[str]:
    """Temporary folders a failed run left in ``parent`` (there must be none)."""
    if not parent.is_dir():
        return []
    return sorted(p.name for p in parent.iterdir() if p.name.startswith(".") and ".tmp-" in p.name)


def assert_refused(res: Outcome, *, file: str | Path | None = None, field: str | None = None,
                   out_dir: Path | None = None, lines: int | None = 1) -> str:
    """Assert the bad-input contract on ``res``; return the error (its lines joined).

    Each problem is one line starting ``mobility: `` that names ``file`` (its name, at
    least); ``lines`` is how many problems are expected (None: any number up to 21).
    ``field`` must appear in some line; ``out_dir`` must not exist afterwards, nor
    temporary folders beside it.
    """
    err = res.err
    assert res.code == EXIT_BAD_INPUT, f"exit {res.code}, stderr {err!r}"
    assert "Traceback" not in err, err
    got = [ln for ln in err.strip("\n").split("\n") if not ln.startswith("mobility: warning: ")]
    if lines is not None:
        assert len(got) == lines, f"{len(got)} lines on stderr, expected {lines}: {err!r}"
    assert 1 <= len(got) <= 21, err
    for line in got:
        assert line.startswith("mobility: "), line
        if file is not None:
            assert Path(str(file)).name in line, f"{Path(str(file)).name!r} not in {line!r}"
    line = "\n".join(got)
    if field is not None:
        assert field in line, f"{field!r} not in {line!r}"
    if out_dir is not None:
        assert not out_dir.exists(), f"partial output {out_dir}"
        assert leftovers(out_dir.parent) == [], leftovers(out_dir.parent)
    return line
